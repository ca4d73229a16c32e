package remote_test

import (
	"testing"

	"github.com/virtunit/virtunit/daemons/rpc"
)

// BenchmarkRoundTrip is one cheap call (ConnectGetLibVersion) over a unix socket with
// go-libvirt, the figure the RPC layer's dispatch path decides.
func BenchmarkRoundTrip(b *testing.B) {
	s := startServerB(b, rpc.Limits{})
	l := connectB(b, s.rw, "qemu:///session")
	b.ResetTimer()
	for range b.N {
		if _, err := l.ConnectGetLibVersion(); err != nil {
			b.Fatal(err)
		}
	}
}

// Command rpcrate measures how many calls per second a libvirt-protocol server answers
// over one connection, with go-libvirt as the client: the figure issue benchmarks
// compare between virtunit's daemons and Debian's libvirtd.
//
//	rpcrate -socket /run/libvirt/libvirt-sock -uri qemu:///system -n 1000 -call version
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func main() {
	sock := flag.String("socket", "", "unix socket of the daemon")
	uri := flag.String("uri", "qemu:///system", "URI to open")
	n := flag.Int("n", 1000, "calls")
	call := flag.String("call", "version", "version (ConnectGetVersion) or list (ConnectListAllDomains)")
	flag.Parse()
	if err := run(*sock, *uri, *n, *call); err != nil {
		fmt.Fprintln(os.Stderr, "rpcrate:", err)
		os.Exit(1)
	}
}

func run(sock, uri string, n int, call string) error {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock)))
	if err := l.ConnectToURI(libvirt.ConnectURI(uri)); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer l.Disconnect()
	do := func() error {
		_, err := l.ConnectGetVersion()
		return err
	}
	if call == "list" {
		do = func() error {
			_, _, err := l.ConnectListAllDomains(1, 3)
			return err
		}
	}
	for range 20 { // warm up
		if err := do(); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, n)
	start := time.Now()
	for i := range lat {
		t := time.Now()
		if err := do(); err != nil {
			return err
		}
		lat[i] = time.Since(t)
	}
	total := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("calls %d\ncall %s\ntotal_ms %.1f\ncalls_per_s %.0f\nmedian_us %.1f\np99_us %.1f\n",
		n, call, float64(total.Microseconds())/1000, float64(n)/total.Seconds(),
		float64(lat[n/2].Nanoseconds())/1000, float64(lat[n*99/100].Nanoseconds())/1000)
	return nil
}

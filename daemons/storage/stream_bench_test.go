package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/host"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/storage"
)

// serve runs the storage driver behind the REMOTE program in this process, as
// virtstoraged does, and connects go-libvirt to it.
func serve(b *testing.B) *libvirt.Libvirt {
	b.Helper()
	dir := b.TempDir()
	hub := rpc.NewHub()
	env := &driver.Env{Name: "virtstoraged", Events: hub, Paths: driver.Paths{
		ConfigDir: filepath.Join(dir, "config"), RunDir: filepath.Join(dir, "run"), StateDir: filepath.Join(dir, "state")}}
	drv, err := storage.New(context.Background(), env)
	if err != nil {
		b.Fatal(err)
	}
	r, err := remote.New(remote.Config{Schemes: []string{"storage"}, Host: host.New(host.UUIDConfig{}), Hub: hub, Drivers: []driver.Driver{drv}})
	if err != nil {
		b.Fatal(err)
	}
	srv := rpc.NewServer(rpc.Config{Name: "bench", Programs: []*rpc.Program{r.Program()}, NewSession: r.NewSession})
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln, false)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock)))
	if err := l.ConnectToURI("storage:///session"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Disconnect() })
	return l
}

// BenchmarkStream moves 64 MiB up and down over the RPC stream protocol with
// go-libvirt as the client, in one process: the server side's cost per byte.
func BenchmarkStream(b *testing.B) {
	l := serve(b)
	p, err := l.StoragePoolCreateXML("<pool type='dir'><name>b</name><target><path>"+filepath.Join(b.TempDir(), "p")+"</path></target></pool>", libvirt.StoragePoolCreateWithBuild)
	if err != nil {
		b.Fatal(err)
	}
	v, err := l.StorageVolCreateXML(p, "<volume><name>v</name><capacity unit='M'>64</capacity><allocation>0</allocation></volume>", 0)
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 64<<20)
	rand.Read(data)
	b.Run("upload", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			if err := l.StorageVolUpload(v, bytes.NewReader(data), 0, 0, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("download", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			if err := l.StorageVolDownload(v, io.Discard, 0, 0, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

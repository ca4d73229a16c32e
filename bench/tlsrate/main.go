// Command tlsrate makes N calls of virDomainLookupByName over one libvirt connection
// opened from a URI (qemu+tls://... with ?pkipath=), for bench/migration.sh: the call
// rate over TLS with a client lighter than python3-libvirt (Go's crypto/tls and the
// project's RPC client), so that the daemon rather than the client sets the rate. It
// prints "calls_per_s client_cpu_us_per_call".
//
//	tlsrate -uri 'qemu+tls://127.0.0.1/system?pkipath=DIR' -domain idle -n 1000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
)

func main() {
	uri := flag.String("uri", "", "libvirt URI of the daemon")
	name := flag.String("domain", "", "domain to look up")
	n := flag.Int("n", 1000, "calls")
	flag.Parse()
	if err := run(*uri, *name, *n); err != nil {
		fmt.Fprintln(os.Stderr, "tlsrate:", err)
		os.Exit(1)
	}
}

func run(uri, name string, n int) error {
	ctx := context.Background()
	p, err := remote.DialURI(ctx, uri, remote.DialOptions{Privileged: os.Geteuid() == 0}, nil)
	if err != nil {
		return err
	}
	defer p.Close()
	args := libvirt.DomainLookupByNameArgs{Name: name}
	lookup := func() error {
		var ret libvirt.DomainLookupByNameRet
		return p.Call(ctx, remote.Program, int32(remote.DomainLookupByName), args, &ret)
	}
	if err := lookup(); err != nil {
		return err
	}
	cpu0 := cpuTime()
	t0 := time.Now()
	for range n {
		if err := lookup(); err != nil {
			return err
		}
	}
	elapsed := time.Since(t0)
	fmt.Printf("%.0f %.1f\n", float64(n)/elapsed.Seconds(), float64((cpuTime()-cpu0).Microseconds())/float64(n))
	return nil
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

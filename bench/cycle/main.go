// Command cycle drives a libvirt-protocol server through guest life cycles over one
// go-libvirt connection, for bench/drivers.sh and bench/scale.sh, which run it against virtunit's
// libvirtd and Debian's libvirtd alike:
//
//	cycle -socket S domains -n 10          define+start+destroy+undefine, n times
//	cycle -socket S define -n 1000 -prefix g  define n guests
//	cycle -socket S start -n 20 -prefix g  define and start n guests
//	cycle -socket S wait -n 5 -timeout 30s ms until n guests are listed running
//	cycle -socket S cleanup -prefix g      destroy and undefine the prefix's guests
//
// Results are "key value" lines.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

var (
	sock     = flag.String("socket", "", "the daemon's read-write socket")
	uri      = flag.String("uri", "qemu:///system", "URI to open")
	n        = flag.Int("n", 10, "cycles, or guests")
	prefix   = flag.String("prefix", "bench", "guest name prefix")
	emulator = flag.String("emulator", "/usr/bin/qemu-system-x86_64", "QEMU binary")
	memMiB   = flag.Int("mem", 64, "guest memory in MiB")
	timeout  = flag.Duration("timeout", 60*time.Second, "wait: give up after this long")
)

func main() {
	flag.Parse()
	var err error
	switch flag.Arg(0) {
	case "domains":
		err = domains()
	case "define":
		err = define()
	case "start":
		err = start()
	case "wait":
		err = wait()
	case "cleanup":
		err = cleanup()
	default:
		err = fmt.Errorf("unknown mode %q", flag.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cycle:", err)
		os.Exit(1)
	}
}

func connect() (*libvirt.Libvirt, error) {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(*sock)))
	if err := l.ConnectToURI(libvirt.ConnectURI(*uri)); err != nil {
		return nil, err
	}
	return l, nil
}

// guestXML is the minimal guest of the issues' benchmarks: no disk, one vCPU, TCG
// (type='qemu', so both daemons run it on hosts where KVM is not usable).
func guestXML(name string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>%d</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>%s</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`, name, *memMiB, *emulator)
}

func domains() error {
	l, err := connect()
	if err != nil {
		return err
	}
	defer l.Disconnect()
	var cycles, def, st, des, undef []time.Duration
	for i := 0; i < *n; i++ {
		t0 := time.Now()
		d, err := l.DomainDefineXML(guestXML(fmt.Sprintf("%s-cycle", *prefix)))
		if err != nil {
			return fmt.Errorf("define: %w", err)
		}
		t1 := time.Now()
		if err := l.DomainCreate(d); err != nil {
			return fmt.Errorf("start: %w", err)
		}
		t2 := time.Now()
		if err := l.DomainDestroy(d); err != nil {
			return fmt.Errorf("destroy: %w", err)
		}
		t3 := time.Now()
		if err := l.DomainUndefine(d); err != nil {
			return fmt.Errorf("undefine: %w", err)
		}
		t4 := time.Now()
		cycles, def, st = append(cycles, t4.Sub(t0)), append(def, t1.Sub(t0)), append(st, t2.Sub(t1))
		des, undef = append(des, t3.Sub(t2)), append(undef, t4.Sub(t3))
	}
	for _, m := range []struct {
		k string
		d []time.Duration
	}{{"cycle", cycles}, {"define", def}, {"start", st}, {"destroy", des}, {"undefine", undef}} {
		fmt.Printf("%s_median_ms %.1f\n", m.k, ms(median(m.d)))
	}
	return nil
}

// define defines n guests without starting them.
func define() error {
	l, err := connect()
	if err != nil {
		return err
	}
	defer l.Disconnect()
	for i := 0; i < *n; i++ {
		if _, err := l.DomainDefineXML(guestXML(fmt.Sprintf("%s-%02d", *prefix, i))); err != nil {
			return err
		}
	}
	return nil
}

func start() error {
	l, err := connect()
	if err != nil {
		return err
	}
	defer l.Disconnect()
	for i := 0; i < *n; i++ {
		d, err := l.DomainDefineXML(guestXML(fmt.Sprintf("%s-%02d", *prefix, i)))
		if err != nil {
			return err
		}
		if err := l.DomainCreate(d); err != nil {
			return err
		}
	}
	return nil
}

// wait polls, each time over a new connection as a client arriving after a daemon
// restart would, until n guests are listed running; it prints how long that took.
func wait() error {
	t0 := time.Now()
	for time.Since(t0) < *timeout {
		if l, err := connect(); err == nil {
			doms, _, err := l.ConnectListAllDomains(1, libvirt.ConnectListDomainsRunning)
			l.Disconnect()
			if err == nil && len(doms) >= *n {
				fmt.Printf("running_after_ms %.1f\n", ms(time.Since(t0)))
				return nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("%d guests not running after %v", *n, *timeout)
}

func cleanup() error {
	l, err := connect()
	if err != nil {
		return err
	}
	defer l.Disconnect()
	doms, _, err := l.ConnectListAllDomains(1, 0)
	if err != nil {
		return err
	}
	for _, d := range doms {
		if strings.HasPrefix(d.Name, *prefix+"-") {
			l.DomainDestroy(d)
			l.DomainUndefine(d)
		}
	}
	return nil
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	switch {
	case len(s) == 0:
		return 0
	case len(s)%2 == 1:
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

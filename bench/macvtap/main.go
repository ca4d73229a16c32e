// Command macvtap times guests with macvtap interfaces over go-libvirt, for
// bench/macvtap.sh, which runs it against virtunit's libvirtd and Debian's alike:
//
//	macvtap -socket S direct -dev up0         define a guest with <interface type='direct'>
//	                                          on dev, start it, destroy it: "start_ms X"
//	macvtap -socket S many -n 20 -network N   define n guests on network N, start them all
//	                                          at once, one connection each: "wall_ms X";
//	                                          then destroy and undefine them
//
// Guests are the firmware-only ones of the tests (qboot, no disk), TCG.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

var (
	sock     = flag.String("socket", "", "the daemon's read-write socket")
	n        = flag.Int("n", 20, "guests")
	dev      = flag.String("dev", "up0", "host interface of the direct guest")
	network  = flag.String("network", "mvnet", "macvtap network of the many guests")
	prefix   = flag.String("prefix", "mvbench", "guest name prefix")
	emulator = flag.String("emulator", "/usr/bin/qemu-system-x86_64", "QEMU binary")
)

func main() {
	flag.Parse()
	var err error
	switch flag.Arg(0) {
	case "direct":
		err = direct()
	case "many":
		err = many()
	default:
		err = fmt.Errorf("unknown mode %q", flag.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "macvtap:", err)
		os.Exit(1)
	}
}

func connect() (*libvirt.Libvirt, error) {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(*sock)))
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		return nil, err
	}
	return l, nil
}

func guestXML(name, nic string, i int) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>/usr/share/qemu/qboot.rom</loader></os>
  <devices>
    <emulator>%s</emulator>
    <interface %s><mac address='52:54:00:7b:%02x:%02x'/><model type='virtio'/></interface>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`, name, *emulator, nic, i/256, i%256)
}

func direct() error {
	l, err := connect()
	if err != nil {
		return err
	}
	defer l.Disconnect()
	d, err := l.DomainDefineXML(guestXML(*prefix+"-direct", fmt.Sprintf("type='direct'><source dev='%s' mode='bridge'/", *dev), 0))
	if err != nil {
		return fmt.Errorf("define: %w", err)
	}
	defer l.DomainUndefine(d)
	t0 := time.Now()
	if err := l.DomainCreate(d); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	took := time.Since(t0)
	if err := l.DomainDestroy(d); err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	fmt.Printf("start_ms %.1f\n", float64(took.Microseconds())/1000)
	return nil
}

func many() error {
	conns := make([]*libvirt.Libvirt, *n)
	doms := make([]libvirt.Domain, *n)
	for i := range conns {
		l, err := connect()
		if err != nil {
			return err
		}
		defer l.Disconnect()
		conns[i] = l
		if doms[i], err = l.DomainDefineXML(guestXML(fmt.Sprintf("%s-%02d", *prefix, i), fmt.Sprintf("type='network'><source network='%s'/", *network), i+1)); err != nil {
			return fmt.Errorf("define: %w", err)
		}
	}
	defer func() {
		for i, l := range conns {
			l.DomainDestroy(doms[i])
			l.DomainUndefine(doms[i])
		}
	}()
	errs := make([]error, *n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = conns[i].DomainCreate(doms[i])
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
	}
	fmt.Printf("wall_ms %.1f\n", float64(took.Microseconds())/1000)
	return nil
}

// Command guestcalls times what monitoring tools and virt-manager ask of running
// guests, against two libvirt-protocol servers in one interleaved run, for
// bench/guestcalls.sh:
//
//	guestcalls -a SOCKET -b SOCKET -n 50 -disk-dir DIR -rounds 30
//
// On each server it starts n guests (firmware only, a SCSI disk on virtio-scsi, a
// virtio balloon), then times, alternating between the servers call by call:
// virConnectGetAllDomainStats of all of them (every group), the same for one guest
// (what virsh domstats NAME sends), and a live attach plus detach of a SCSI disk (which
// the guest lets go at once, so the detach waits for no guest). It prints
// "call server median_us p90_us" lines and removes the guests.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/bench/benchconn"
	"github.com/virtunit/virtunit/daemons/remote"
)

var (
	sockA   = flag.String("a", "", "first server's read-write socket")
	sockB   = flag.String("b", "", "second server's read-write socket")
	nameA   = flag.String("name-a", "a", "first server's name in the results")
	nameB   = flag.String("name-b", "b", "second server's name in the results")
	n       = flag.Int("n", 50, "guests per server")
	rounds  = flag.Int("rounds", 30, "timed rounds")
	diskDir = flag.String("disk-dir", "", "directory for the guests' images")
)

const guestXML = `<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>/usr/share/qemu/qboot.rom</loader></os>
  <devices>
    <controller type='scsi' model='virtio-scsi'/>
    <controller type='usb' model='none'/>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='sda' bus='scsi'/></disk>
    <memballoon model='virtio'/>
  </devices>
</domain>`

const hotDiskXML = `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='sdb' bus='scsi'/></disk>`

type server struct {
	name   string
	c      *benchconn.Conn
	doms   []libvirt.Domain
	all    []time.Duration
	one    []time.Duration
	hotplg []time.Duration
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "guestcalls:", err)
		os.Exit(1)
	}
}

func run() error {
	var servers []*server
	for _, s := range []struct{ name, sock string }{{*nameA, *sockA}, {*nameB, *sockB}} {
		c, err := benchconn.Open(context.Background(), s.sock, "qemu:///system")
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		defer c.Close()
		servers = append(servers, &server{name: s.name, c: c})
	}
	for _, s := range servers {
		defer s.cleanup()
		if err := s.startGuests(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	hot := map[string]string{}
	for _, s := range servers {
		hot[s.name] = filepath.Join(*diskDir, s.name+"-hot.qcow2")
		if err := qemuImg(hot[s.name]); err != nil {
			return err
		}
	}
	time.Sleep(2 * time.Second) // the firmware is done
	for _, s := range servers {
		var l libvirt.ConnectListAllDomainsRet
		if err := s.call(remote.ConnectListAllDomains, libvirt.ConnectListAllDomainsArgs{NeedResults: 1, Flags: libvirt.ConnectListDomainsActive}, &l); err != nil {
			return fmt.Errorf("%s: list: %w", s.name, err)
		}
		if int(l.Ret) != *n {
			return fmt.Errorf("%s: %d guests running, want %d", s.name, l.Ret, *n)
		}
	}
	for i := 0; i < *rounds; i++ {
		for _, s := range servers {
			// The reply is read whole but not decoded: this client's decoder does not
			// read typed parameters, and the servers' work is what is timed.
			t0 := time.Now()
			if err := s.call(remote.ConnectGetAllDomainStats, libvirt.ConnectGetAllDomainStatsArgs{Flags: 1 /* active */}, nil); err != nil {
				return fmt.Errorf("%s: all stats: %w", s.name, err)
			}
			s.all = append(s.all, time.Since(t0))
		}
		for k := 0; k < 5; k++ {
			for _, s := range servers {
				t0 := time.Now()
				if err := s.call(remote.ConnectGetAllDomainStats, libvirt.ConnectGetAllDomainStatsArgs{Doms: s.doms[:1]}, nil); err != nil {
					return fmt.Errorf("%s: one guest's stats: %w", s.name, err)
				}
				s.one = append(s.one, time.Since(t0))
			}
		}
		for _, s := range servers {
			xml := fmt.Sprintf(hotDiskXML, hot[s.name])
			t0 := time.Now()
			if err := s.call(remote.DomainAttachDeviceFlags, libvirt.DomainAttachDeviceFlagsArgs{Dom: s.doms[0], XML: xml, Flags: 1 /* live */}, nil); err != nil {
				return fmt.Errorf("%s: attach: %w", s.name, err)
			}
			if err := s.call(remote.DomainDetachDeviceFlags, libvirt.DomainDetachDeviceFlagsArgs{Dom: s.doms[0], XML: xml, Flags: 1}, nil); err != nil {
				return fmt.Errorf("%s: detach: %w", s.name, err)
			}
			s.hotplg = append(s.hotplg, time.Since(t0))
			if err := s.waitDetached(); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
	}
	for _, s := range servers {
		fmt.Printf("allstats-%d %s %d %d\n", *n, s.name, benchconn.Percentile(s.all, 50), benchconn.Percentile(s.all, 90))
		fmt.Printf("domstats-one %s %d %d\n", s.name, benchconn.Percentile(s.one, 50), benchconn.Percentile(s.one, 90))
		fmt.Printf("attach+detach %s %d %d\n", s.name, benchconn.Percentile(s.hotplg, 50), benchconn.Percentile(s.hotplg, 90))
	}
	return nil
}

func (s *server) call(p remote.Proc, args, ret any) error {
	return s.c.Call(p, args, ret)
}

func qemuImg(path string) error {
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", path, "16M").CombinedOutput(); err != nil {
		return fmt.Errorf("qemu-img: %v: %s", err, out)
	}
	return nil
}

func (s *server) startGuests() error {
	for i := 0; i < *n; i++ {
		name := fmt.Sprintf("gc-%d", i)
		img := filepath.Join(*diskDir, s.name+"-"+name+".qcow2")
		if err := qemuImg(img); err != nil {
			return err
		}
		var ret libvirt.DomainCreateXMLRet
		if err := s.call(remote.DomainCreateXML, libvirt.DomainCreateXMLArgs{XMLDesc: fmt.Sprintf(guestXML, name, img)}, &ret); err != nil {
			return fmt.Errorf("start %s: %w", name, err)
		}
		s.doms = append(s.doms, ret.Dom)
	}
	return nil
}

// waitDetached waits until the hot disk is gone from the live definition: a detach
// may return before the guest let go.
func (s *server) waitDetached() error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var x libvirt.DomainGetXMLDescRet
		if err := s.call(remote.DomainGetXMLDesc, libvirt.DomainGetXMLDescArgs{Dom: s.doms[0]}, &x); err != nil {
			return err
		}
		if !strings.Contains(x.XML, "dev='sdb'") {
			return nil
		}
	}
	return fmt.Errorf("the hot disk never went")
}

func (s *server) cleanup() {
	for _, d := range s.doms {
		s.call(remote.DomainDestroy, libvirt.DomainDestroyArgs{Dom: d}, nil)
	}
}

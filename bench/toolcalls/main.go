// Command toolcalls times the calls virt-install makes before a guest runs, against
// two libvirt-protocol servers in one interleaved run (a call to one, the same call
// to the other, and so on), for bench/virtinstall.sh:
//
//	toolcalls -a SOCKET -b SOCKET -xml FILE -n 200
//
// Calls go through the project's minimal RPC client (one call at a time, no
// client-side work beyond XDR), so what is timed is the servers, the same for both.
// It measures virConnectGetDomainCapabilities (q35 and pc, type qemu) and
// virDomainDefineXML of FILE (renamed per call, then undefined, untimed), with
// virConnectGetLibVersion as the round trip's floor, and prints
// "call server median_us p90_us" lines.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/bench/benchconn"
	"github.com/virtunit/virtunit/daemons/remote"
)

var (
	sockA = flag.String("a", "", "first server's read-write socket")
	sockB = flag.String("b", "", "second server's read-write socket")
	nameA = flag.String("name-a", "a", "first server's name in the results")
	nameB = flag.String("name-b", "b", "second server's name in the results")
	xmlF  = flag.String("xml", "", "domain XML to define (its <name> is replaced)")
	n     = flag.Int("n", 200, "calls of each kind per server")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "toolcalls:", err)
		os.Exit(1)
	}
}

type server struct {
	name string
	c    *benchconn.Conn
	caps []time.Duration
	def  []time.Duration
	ping []time.Duration
}

func run() error {
	data, err := os.ReadFile(*xmlF)
	if err != nil {
		return err
	}
	var servers []*server
	for _, s := range []struct{ name, sock string }{{*nameA, *sockA}, {*nameB, *sockB}} {
		c, err := benchconn.Open(context.Background(), s.sock, "qemu:///system")
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		defer c.Close()
		servers = append(servers, &server{name: s.name, c: c})
	}
	machines := []string{"q35", "pc"}
	// Warm up: the first call of a fresh daemon may probe QEMU.
	for _, s := range servers {
		for _, m := range machines {
			if err := s.domcaps(m); err != nil {
				return fmt.Errorf("%s: domain capabilities: %w", s.name, err)
			}
		}
	}
	for i := 0; i < *n; i++ {
		for _, s := range servers {
			t0 := time.Now()
			if err := s.call(remote.ConnectGetLibVersion, nil, &libvirt.ConnectGetLibVersionRet{}); err != nil {
				return fmt.Errorf("%s: lib version: %w", s.name, err)
			}
			s.ping = append(s.ping, time.Since(t0))
		}
		for _, s := range servers {
			m := machines[i%len(machines)]
			t0 := time.Now()
			if err := s.domcaps(m); err != nil {
				return fmt.Errorf("%s: domain capabilities: %w", s.name, err)
			}
			s.caps = append(s.caps, time.Since(t0))
		}
		for _, s := range servers {
			name := fmt.Sprintf("toolcalls-%d", i)
			xml := renamed(string(data), name)
			t0 := time.Now()
			var ret libvirt.DomainDefineXMLRet
			if err := s.call(remote.DomainDefineXML, libvirt.DomainDefineXMLArgs{XML: xml}, &ret); err != nil {
				return fmt.Errorf("%s: define: %w", s.name, err)
			}
			s.def = append(s.def, time.Since(t0))
			if err := s.call(remote.DomainUndefineFlags, libvirt.DomainUndefineFlagsArgs{Dom: ret.Dom, Flags: libvirt.DomainUndefineNvram}, nil); err != nil {
				return fmt.Errorf("%s: undefine: %w", s.name, err)
			}
		}
	}
	for _, s := range servers {
		fmt.Printf("domcapabilities %s %d %d\n", s.name, benchconn.Percentile(s.caps, 50), benchconn.Percentile(s.caps, 90))
		fmt.Printf("define %s %d %d\n", s.name, benchconn.Percentile(s.def, 50), benchconn.Percentile(s.def, 90))
		fmt.Printf("getlibversion %s %d %d\n", s.name, benchconn.Percentile(s.ping, 50), benchconn.Percentile(s.ping, 90))
	}
	return nil
}

func (s *server) call(p remote.Proc, args, ret any) error {
	return s.c.Call(p, args, ret)
}

func (s *server) domcaps(machine string) error {
	return s.call(remote.ConnectGetDomainCapabilities, libvirt.ConnectGetDomainCapabilitiesArgs{
		Arch: libvirt.OptString{"x86_64"}, Machine: libvirt.OptString{machine}, Virttype: libvirt.OptString{"qemu"}},
		nil)
}

func renamed(xml, name string) string {
	i, j := strings.Index(xml, "<name>"), strings.Index(xml, "</name>")
	out := xml[:i+len("<name>")] + name + xml[j:]
	// A fixed UUID would make every definition the same domain.
	if k := strings.Index(out, "<uuid>"); k >= 0 {
		e := strings.Index(out, "</uuid>")
		out = out[:k] + out[e+len("</uuid>"):]
	}
	return out
}

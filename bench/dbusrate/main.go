// Command dbusrate times the org.libvirt D-Bus API of whatever owns it on a bus —
// virtunit's daemon, or libvirt-dbus in front of libvirtd — for bench/dbus.sh:
// sequential calls per second of a domain property Get and of ListDomains, the same
// with several clients at once, and the latency of a domain event from the call that
// causes it (Suspend, Resume) to the Connect.DomainEvent signal.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

func main() {
	addr := flag.String("address", "", "the bus address")
	name := flag.String("domain", "", "the running domain to use")
	n := flag.Int("n", 1000, "calls per measurement")
	par := flag.Int("parallel", 4, "clients of the concurrent measurement")
	events := flag.Int("events", 20, "suspend/resume rounds for the event latency (0: none)")
	flag.Parse()
	if err := run(*addr, *name, *n, *par, *events); err != nil {
		fmt.Fprintln(os.Stderr, "dbusrate:", err)
		os.Exit(1)
	}
}

const connect = dbus.ObjectPath("/org/libvirt/QEMU")

func run(addr, name string, n, par, events int) error {
	c, err := dbus.Connect(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	var dom dbus.ObjectPath
	if err := c.Object("org.libvirt", connect).Call("org.libvirt.Connect.DomainLookupByName", 0, name).Store(&dom); err != nil {
		return fmt.Errorf("DomainLookupByName %s: %w", name, err)
	}
	get := func(c *dbus.Conn) error {
		return c.Object("org.libvirt", dom).Call("org.freedesktop.DBus.Properties.Get", 0, "org.libvirt.Domain", "Active").Err
	}
	list := func(c *dbus.Conn) error {
		return c.Object("org.libvirt", connect).Call("org.libvirt.Connect.ListDomains", 0, uint32(0)).Err
	}
	// The floor the bus sets: Peer.Ping, which the server's D-Bus library answers
	// without the API.
	ping := func(c *dbus.Conn) error {
		return c.Object("org.libvirt", connect).Call("org.freedesktop.DBus.Peer.Ping", 0).Err
	}
	for _, m := range []struct {
		name string
		call func(*dbus.Conn) error
	}{{"ping", ping}, {"get", get}, {"list", list}} {
		rate, err := sequential(c, n, m.call)
		if err != nil {
			return err
		}
		fmt.Printf("%s_per_s %.0f\n", m.name, rate)
		if rate, err = concurrent(addr, n, par, m.call); err != nil {
			return err
		}
		fmt.Printf("%s_per_s_x%d %.0f\n", m.name, par, rate)
	}
	if events <= 0 {
		return nil // -events 0: the call rates only
	}
	lat, err := eventLatency(c, dom, events)
	if err != nil {
		return err
	}
	fmt.Printf("event_ms %.2f\n", lat)
	return nil
}

func sequential(c *dbus.Conn, n int, call func(*dbus.Conn) error) (float64, error) {
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := call(c); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}

// concurrent makes n calls in all from par connections at once.
func concurrent(addr string, n, par int, call func(*dbus.Conn) error) (float64, error) {
	conns := make([]*dbus.Conn, par)
	for i := range conns {
		c, err := dbus.Connect(addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		conns[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, par)
	t0 := time.Now()
	for _, c := range conns {
		wg.Add(1)
		go func(c *dbus.Conn) {
			defer wg.Done()
			for i := 0; i < n/par; i++ {
				if err := call(c); err != nil {
					errs <- err
					return
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(n/par*par) / time.Since(t0).Seconds(), nil
}

// eventLatency is the median time from sending Suspend (or Resume) to receiving the
// DomainEvent it causes.
func eventLatency(c *dbus.Conn, dom dbus.ObjectPath, rounds int) (float64, error) {
	if err := c.AddMatchSignal(dbus.WithMatchInterface("org.libvirt.Connect"), dbus.WithMatchMember("DomainEvent")); err != nil {
		return 0, err
	}
	ch := make(chan *dbus.Signal, 100)
	c.Signal(ch)
	var ms []float64
	for i := 0; i < rounds; i++ {
		for _, step := range []struct {
			method string
			event  int32
		}{{"Suspend", 3}, {"Resume", 4}} {
			t0 := time.Now()
			if err := c.Object("org.libvirt", dom).Call("org.libvirt.Domain."+step.method, 0).Err; err != nil {
				return 0, fmt.Errorf("%s: %w", step.method, err)
			}
			if err := waitEvent(ch, dom, step.event); err != nil {
				return 0, err
			}
			ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		}
	}
	sort.Float64s(ms)
	return ms[len(ms)/2], nil
}

func waitEvent(ch chan *dbus.Signal, dom dbus.ObjectPath, event int32) error {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case s := <-ch:
			if len(s.Body) >= 2 && s.Body[0] == dom && s.Body[1] == event {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no DomainEvent %d for %s within 10 s", event, dom)
		}
	}
}

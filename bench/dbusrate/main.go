// Command dbusrate times the org.libvirt D-Bus API of whatever owns it on a bus —
// virtunit's daemon, or libvirt-dbus in front of libvirtd — for bench/dbus.sh:
// sequential calls per second of a domain property Get and of ListDomains, the same
// with several clients at once, and the latency of a domain event from the call that
// causes it (Suspend, Resume) to the Connect.DomainEvent signal.
//
// With -server and -bus (process IDs), each rate comes with the CPU per call that the
// server (libvirt-dbus and libvirtd together, or virtunit's daemon), the bus daemon and
// this client spent on it, so a reader can see which of them bounds the rate.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/bench/cpuclock"
)

func main() {
	addr := flag.String("address", "", "the bus address")
	name := flag.String("domain", "", "the running domain to use")
	n := flag.Int("n", 1000, "calls per measurement")
	par := flag.Int("parallel", 4, "clients of the concurrent measurement")
	events := flag.Int("events", 20, "suspend/resume rounds for the event latency (0: none)")
	server := flag.String("server", "", "comma-separated process IDs of the server, for its CPU per call")
	bus := flag.String("bus", "", "process ID of the bus daemon, for its CPU per call")
	calls := flag.String("calls", "ping,get,list", "the calls to measure, of ping, get and list")
	flag.Parse()
	only = map[string]bool{}
	for _, c := range strings.Split(*calls, ",") {
		only[c] = true
	}
	var err error
	if sides.server, err = cpuclock.ParsePIDs(*server); err == nil {
		sides.bus, err = cpuclock.ParsePIDs(*bus)
	}
	if err == nil {
		err = run(*addr, *name, *n, *par, *events)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbusrate:", err)
		os.Exit(1)
	}
}

const connect = dbus.ObjectPath("/org/libvirt/QEMU")

// only are the calls to measure (-calls).
var only map[string]bool

// sides are the processes whose CPU each measurement reports beside this client's own.
var sides struct{ server, bus []int }

// cpuSplit is the CPU each side used during a measurement.
type cpuSplit struct{ client, bus, server time.Duration }

func cpuNow() (cpuSplit, error) {
	var c cpuSplit
	var err error
	if c.client, err = cpuclock.Used(os.Getpid()); err != nil {
		return c, err
	}
	if len(sides.bus) > 0 {
		if c.bus, err = cpuclock.Used(sides.bus...); err != nil {
			return c, err
		}
	}
	if len(sides.server) > 0 {
		c.server, err = cpuclock.Used(sides.server...)
	}
	return c, err
}

// measure runs f, which makes calls calls, and prints its rate as NAME_per_s and, for
// each side known, NAME_cpu_us_SIDE: its CPU per call.
func measure(name string, calls int, f func() error) error {
	c0, err := cpuNow()
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := f(); err != nil {
		return err
	}
	wall := time.Since(t0)
	c1, err := cpuNow()
	if err != nil {
		return err
	}
	fmt.Printf("%s_per_s %.0f\n", name, float64(calls)/wall.Seconds())
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 / float64(calls) }
	fmt.Printf("%s_cpu_us_client %.1f\n", name, per(c1.client-c0.client))
	if len(sides.bus) > 0 {
		fmt.Printf("%s_cpu_us_bus %.1f\n", name, per(c1.bus-c0.bus))
	}
	if len(sides.server) > 0 {
		fmt.Printf("%s_cpu_us_server %.1f\n", name, per(c1.server-c0.server))
	}
	return nil
}

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
		if !only[m.name] {
			continue
		}
		if err := measure(m.name, n, func() error { return sequential(c, n, m.call) }); err != nil {
			return err
		}
		conns, err := connectAll(addr, par)
		if err != nil {
			return err
		}
		err = measure(fmt.Sprintf("%s_x%d", m.name, par), n/par*par, func() error { return concurrent(conns, n/par, m.call) })
		for _, c := range conns {
			c.Close()
		}
		if err != nil {
			return err
		}
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

func sequential(c *dbus.Conn, n int, call func(*dbus.Conn) error) error {
	for i := 0; i < n; i++ {
		if err := call(c); err != nil {
			return err
		}
	}
	return nil
}

// connectAll opens par connections to the bus, made before a concurrent measurement
// so that their handshakes are not part of it.
func connectAll(addr string, par int) ([]*dbus.Conn, error) {
	var conns []*dbus.Conn
	for range par {
		c, err := dbus.Connect(addr)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// concurrent makes each calls calls from every one of conns at once.
func concurrent(conns []*dbus.Conn, each int, call func(*dbus.Conn) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	for _, c := range conns {
		wg.Add(1)
		go func(c *dbus.Conn) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := call(c); err != nil {
					errs <- err
					return
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	return <-errs
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

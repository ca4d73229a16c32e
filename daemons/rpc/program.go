package rpc

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
)

// Program is a table of procedures under one program number and version, as libvirt's
// virNetServerProgram.
//
// A program may be served before it is complete: a daemon answers the connection
// handshake while its drivers are still starting, and adds their procedures when they
// are up (Add, then Complete). A call of a procedure the program does not know yet
// waits until the program is complete, then is answered or refused as unknown.
type Program struct {
	Number  uint32
	Version uint32

	procs atomic.Pointer[map[int32]*Procedure]

	mu       sync.Mutex    // serialises Add and Complete
	complete chan struct{} // closed once no more procedures come

	// Check, when set, runs before every call of the program; an error is the reply.
	// The REMOTE program uses it to refuse calls before CONNECT_OPEN.
	Check func(ctx context.Context, p *Procedure) error
}

// NewProgram collects procedure tables into a complete program. A number registered
// twice is a wiring bug, reported as an error.
func NewProgram(number, version uint32, tables ...[]Procedure) (*Program, error) {
	prog, err := NewPartialProgram(number, version, tables...)
	if err != nil {
		return nil, err
	}
	prog.Complete()
	return prog, nil
}

// NewPartialProgram is NewProgram for a program whose other procedures come later,
// through Add; it must be completed with Complete.
func NewPartialProgram(number, version uint32, tables ...[]Procedure) (*Program, error) {
	prog := &Program{Number: number, Version: version, complete: make(chan struct{})}
	empty := map[int32]*Procedure{}
	prog.procs.Store(&empty)
	if err := prog.Add(tables...); err != nil {
		return nil, err
	}
	return prog, nil
}

// Add adds procedure tables to a program that is not complete yet.
func (p *Program) Add(tables ...[]Procedure) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.complete:
		return fmt.Errorf("program %#x is complete", p.Number)
	default:
	}
	procs := maps.Clone(*p.procs.Load())
	for _, t := range tables {
		for i := range t {
			pr := t[i]
			if pr.call == nil {
				return fmt.Errorf("program %#x: procedure %d (%s) has no handler", p.Number, pr.Num, pr.API)
			}
			if old, dup := procs[pr.Num]; dup {
				return fmt.Errorf("program %#x: procedure %d registered twice (%s and %s)", p.Number, pr.Num, old.API, pr.API)
			}
			procs[pr.Num] = &pr
		}
	}
	p.procs.Store(&procs)
	return nil
}

// Complete says no more procedures will come; calls waiting for them go on.
func (p *Program) Complete() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.complete:
	default:
		close(p.complete)
	}
}

// Lookup returns the procedure with number n, or nil. While the program is not
// complete, an unknown number waits for it to be.
func (p *Program) Lookup(n int32) *Procedure {
	if pr := p.known(n); pr != nil {
		return pr
	}
	<-p.complete
	return p.known(n)
}

// known returns procedure n if the program has it now, without waiting: a client's
// read loop must not stall on a program that is still being completed.
func (p *Program) known(n int32) *Procedure {
	return (*p.procs.Load())[n]
}

// Invoke calls procedure n of this program in this process, for a driver that needs
// another driver of the same daemon (the QEMU driver asking the network driver for a
// port in libvirtd). A procedure built by Handle gets args and fills ret as Go values,
// when they are of its own argument and result types; any other (a relayed one, or
// values of other types) gets args encoded and its result decoded exactly as on the
// wire. The program's Check is skipped, since the caller is the daemon itself.
func (p *Program) Invoke(ctx context.Context, n int32, args, ret any) error {
	pr := p.Lookup(n)
	if pr == nil {
		return rpcError("unknown procedure: %d", n)
	}
	if pr.direct != nil {
		if called, err := pr.direct(ctx, args, ret); called {
			return err
		}
	}
	var payload []byte
	if args != nil {
		var err error
		if payload, err = Encode(args); err != nil {
			return err
		}
	}
	r, err := pr.call(ctx, payload)
	if err != nil || ret == nil {
		return err
	}
	var out []byte
	if raw, ok := r.(RawReply); ok {
		out = raw
	} else if out, err = Encode(r); err != nil {
		return err
	}
	return Decode(out, ret)
}

package rpc

import (
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// ProcNumber is a procedure number of some program that knows the libvirt API it
// implements (for messages such as "read only access prevents virDomainCreate") and
// the error domain that API reports from.
type ProcNumber interface {
	~int32
	API() string
	ErrorDomain() virerror.Domain
}

// Procedure is one entry of a program's dispatch table.
type Procedure struct {
	Num    int32
	API    string
	Domain virerror.Domain

	readOnly bool
	noAuth   bool
	priority bool
	inline   bool
	call     func(ctx context.Context, payload []byte) (any, error)
}

// Option qualifies a Procedure.
type Option func(*Procedure)

// ReadOnly marks a procedure that changes nothing, so read-only clients may call it.
// Procedures without it are refused on -sock-ro connections.
func ReadOnly(p *Procedure) { p.readOnly = true }

// NoAuth marks a procedure an unauthenticated client may call (the auth procedures).
func NoAuth(p *Procedure) { p.noAuth = true }

// Priority lets the pool's priority workers run the procedure, as libvirt's
// @priority:high annotation does for calls that must not wait behind slow ones.
func Priority(p *Procedure) { p.priority = true }

// Inline marks a procedure that answers from memory without blocking (a version, an
// is-active flag, a lookup): the connection's reader runs it itself instead of handing
// it to a worker, which saves a goroutine hand-off on the calls clients make by the
// hundred (virsh iface-list asks is-active once per interface). A procedure that may
// wait on I/O or on a lock held across slow work must not be Inline: while it runs,
// its client's keepalive goes unanswered.
func Inline(p *Procedure) { p.inline = true }

// Handle builds a procedure whose arguments decode into A and whose result encodes
// from R. Use struct{} for either when the wire payload is empty.
func Handle[P ProcNumber, A, R any](p P, fn func(context.Context, A) (R, error), opts ...Option) Procedure {
	pr := Procedure{Num: int32(p), API: p.API(), Domain: p.ErrorDomain()}
	pr.call = func(ctx context.Context, payload []byte) (any, error) {
		var a A
		if err := Decode(payload, &a); err != nil {
			return nil, virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "Unable to decode message payload")
		}
		r, err := fn(ctx, a)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	for _, o := range opts {
		o(&pr)
	}
	return pr
}

// HandleRaw builds a procedure that decodes its own arguments, for the few whose
// arguments the reflective decoder cannot read (typed parameters). The result is
// encoded as XDR.
func HandleRaw[P ProcNumber](p P, fn func(ctx context.Context, payload []byte) (any, error), opts ...Option) Procedure {
	pr := Procedure{Num: int32(p), API: p.API(), Domain: p.ErrorDomain(), call: fn}
	for _, o := range opts {
		o(&pr)
	}
	return pr
}

// DecodeError is the error a HandleRaw procedure returns when its arguments are
// malformed.
func DecodeError(err error) error {
	return virerror.Wrap(err, libvirt.ErrRPC, virerror.FromRPC, "Unable to decode message payload")
}

// Program is a table of procedures under one program number and version, as libvirt's
// virNetServerProgram.
type Program struct {
	Number  uint32
	Version uint32
	procs   map[int32]*Procedure

	// Check, when set, runs before every call of the program; an error is the reply.
	// The REMOTE program uses it to refuse calls before CONNECT_OPEN.
	Check func(ctx context.Context, p *Procedure) error
}

// NewProgram collects procedure tables into a program. A number registered twice is a
// wiring bug, reported as an error.
func NewProgram(number, version uint32, tables ...[]Procedure) (*Program, error) {
	prog := &Program{Number: number, Version: version, procs: map[int32]*Procedure{}}
	for _, t := range tables {
		for i := range t {
			p := t[i]
			if p.call == nil {
				return nil, fmt.Errorf("program %#x: procedure %d (%s) has no handler", number, p.Num, p.API)
			}
			if old, dup := prog.procs[p.Num]; dup {
				return nil, fmt.Errorf("program %#x: procedure %d registered twice (%s and %s)", number, p.Num, old.API, p.API)
			}
			prog.procs[p.Num] = &p
		}
	}
	return prog, nil
}

// Lookup returns the procedure with number n, or nil.
func (p *Program) Lookup(n int32) *Procedure { return p.procs[n] }

// Invoke calls procedure n of this program in this process, for a driver that needs
// another driver of the same daemon (the QEMU driver asking the network driver for a
// port in libvirtd). args are encoded and the result decoded exactly as on the wire,
// so the callee cannot tell it from a client; the program's Check is skipped, since
// the caller is the daemon itself.
func (p *Program) Invoke(ctx context.Context, n int32, args, ret any) error {
	pr := p.procs[n]
	if pr == nil {
		return rpcError("unknown procedure: %d", n)
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

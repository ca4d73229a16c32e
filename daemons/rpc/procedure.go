package rpc

import (
	"context"
	"errors"

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
	// inlineFirst: the reader tries the call itself, with a context that forbids
	// blocking; a call that answers ErrWouldBlock goes to a worker.
	inlineFirst bool
	call        func(ctx context.Context, payload []byte) (any, error)
	// direct, for a procedure built by Handle, calls its function with arguments that
	// are already Go values, for callers in the same process (Program.Invoke).
	direct func(ctx context.Context, args any, ret any) (bool, error)
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

// InlineFirst marks a procedure that usually answers from memory but sometimes has to
// wait (a document not yet built, a definition not yet read from disk). The reader
// runs it as it runs an Inline one, with a context for which MustNotBlock is true; a
// call that cannot answer without blocking returns ErrWouldBlock before it changes
// anything, and is then run again on a worker. So the common case saves the hand-off
// and the rare one still never stalls the reader.
func InlineFirst(p *Procedure) { p.inlineFirst = true }

// ErrWouldBlock is what an InlineFirst procedure returns, when MustNotBlock(ctx), for
// a call it could answer only by blocking.
var ErrWouldBlock = errors.New("rpc: the call would block its connection's reader")

type nonBlockingKey struct{}

// MustNotBlock says whether the call of ctx runs on its connection's reader, where it
// may not wait on I/O or on a lock held across slow work (see InlineFirst).
func MustNotBlock(ctx context.Context) bool {
	v, _ := ctx.Value(nonBlockingKey{}).(bool)
	return v
}

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
	pr.direct = func(ctx context.Context, args any, ret any) (bool, error) {
		var a A
		if args != nil {
			v, ok := args.(A)
			if !ok {
				return false, nil
			}
			a = v
		}
		var out *R
		if ret != nil {
			if out, _ = ret.(*R); out == nil {
				return false, nil
			}
		}
		r, err := fn(ctx, a)
		if err == nil && out != nil {
			*out = r
		}
		return true, err
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

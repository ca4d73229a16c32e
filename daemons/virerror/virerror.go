// Package virerror gives libvirt's errors a Go shape: a value carrying libvirt's error
// number (VIR_ERR_*), the reporting component (VIR_FROM_*) and the detail text, worded
// the way libvirt words it. Every driver returns these; the RPC server and the D-Bus API
// each turn them into their wire form in exactly one place.
package virerror

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Domain is libvirt's virErrorDomain: which component raised the error. go-libvirt keeps
// its copy unexported, so the values we raise are listed here.
type Domain int32

// The virErrorDomain values virtunit reports (include/libvirt/virterror.h).
const (
	FromNone      Domain = 0
	FromXML       Domain = 5
	FromDom       Domain = 6
	FromRPC       Domain = 7
	FromConf      Domain = 9
	FromQEMU      Domain = 10
	FromNet       Domain = 11
	FromRemote    Domain = 13
	FromStorage   Domain = 18
	FromNetwork   Domain = 19
	FromDomain    Domain = 20
	FromNodeDev   Domain = 22
	FromSecurity  Domain = 24
	FromInterface Domain = 26
	FromSecret    Domain = 30
	FromCPU       Domain = 31
	FromNWFilter  Domain = 33
	FromHook      Domain = 34

	FromDomainSnapshot Domain = 35
	FromStreams        Domain = 38
	FromEvent          Domain = 40
	FromURI            Domain = 45
	FromAuth           Domain = 46
	FromDBus           Domain = 47
	FromDevice         Domain = 49
	FromCgroup         Domain = 54
	FromSystemd        Domain = 56
	FromFirewall       Domain = 59
	FromPolkit         Domain = 60
	FromAdmin          Domain = 62
	FromLogging        Domain = 63

	FromDomainCheckpoint Domain = 69
)

// Error is one libvirt error. Detail reaches the user verbatim inside libvirt's sentence
// for Code; the cause, if any, is kept for errors.Is/As and logs, never sent to a client.
type Error struct {
	Code   libvirt.ErrorNumber
	Domain Domain
	Detail string
	cause  error
	// verbatim marks an error whose Detail is already the whole message, as received
	// from another daemon.
	verbatim bool
}

// New returns an error of the given code and domain whose detail is formatted from
// format and args.
func New(code libvirt.ErrorNumber, dom Domain, format string, args ...any) *Error {
	return &Error{Code: code, Domain: dom, Detail: fmt.Sprintf(format, args...)}
}

// Wrap is New with a cause that stays on the server side.
func Wrap(cause error, code libvirt.ErrorNumber, dom Domain, format string, args ...any) *Error {
	e := New(code, dom, format, args...)
	e.cause = cause
	return e
}

// CheckFlags is libvirt's virCheckFlags: flags outside allowed are refused with an
// error naming the driver function fn, as libvirt's message does ("unsupported flags
// (0x100000) in function qemuDomainUndefineFlags"). virCheckFlags reports through
// virReportInvalidArg, which raises the message as formatted, without the "invalid
// argument: " of VIR_ERR_INVALID_ARG's usual wording.
func CheckFlags(flags, allowed uint32, dom Domain, fn string) error {
	if extra := flags &^ allowed; extra != 0 {
		return Verbatim(libvirt.ErrInvalidArg, dom, fmt.Sprintf("unsupported flags (0x%x) in function %s", extra, fn))
	}
	return nil
}

// Verbatim is an error whose message is already worded, as one relayed from another
// libvirt daemon.
func Verbatim(code libvirt.ErrorNumber, dom Domain, msg string) *Error {
	return &Error{Code: code, Domain: dom, Detail: msg, verbatim: true}
}

// Error words the message as libvirt's virErrorMsg does: the code picks the sentence and
// Detail fills it in.
func (e *Error) Error() string {
	if e.verbatim {
		return e.Detail
	}
	f, ok := messages[e.Code]
	switch {
	case !ok:
		return e.Detail
	case e.Detail == "":
		return f.bare
	default:
		return fmt.Sprintf(f.detail, e.Detail)
	}
}

// Unwrap returns the server-side cause.
func (e *Error) Unwrap() error { return e.cause }

// Is makes errors.Is(err, &Error{Code: c}) match any error with code c, so callers
// can test for "not found" without comparing texts.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Detail == "" && t.Code == e.Code && (t.Domain == 0 || t.Domain == e.Domain)
}

// CodeOf reports the libvirt code of err, or INTERNAL_ERROR when err is not an *Error.
func CodeOf(err error) libvirt.ErrorNumber {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return libvirt.ErrInternalError
}

// As converts any error to an *Error, classing errors that carry no libvirt code as
// internal errors of domain dom, as libvirt does for failures it did not anticipate.
func As(err error, dom Domain) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(err, libvirt.ErrInternalError, dom, "%v", err)
}

// Strerror words a system error as C's strerror does ("No such file or directory"),
// for libvirt messages that embed it; Go spells the same texts in lower case.
func Strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

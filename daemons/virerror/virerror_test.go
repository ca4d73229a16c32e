package virerror

import (
	"errors"
	"fmt"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
)

func TestMessagesAreLibvirts(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{New(libvirt.ErrNoDomain, FromQEMU, "no domain with matching name '%s'", "vm1"), "Domain not found: no domain with matching name 'vm1'"},
		{New(libvirt.ErrNoDomain, FromQEMU, ""), "Domain not found"},
		{New(libvirt.ErrOperationDenied, FromDomain, "read only access prevents %s", "virDomainCreate"), "operation forbidden: read only access prevents virDomainCreate"},
		{New(libvirt.ErrRPC, FromRPC, "unknown procedure: %d", 426), "unknown procedure: 426"},
		{New(libvirt.ErrDomExist, FromQEMU, "'vm1'"), "domain 'vm1' exists already"},
		{Verbatim(libvirt.ErrNoDomain, FromQEMU, "as sent"), "as sent"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestCheckFlags(t *testing.T) {
	if err := CheckFlags(0x3, 0x3, FromQEMU, "qemuDomainCreateWithFlags"); err != nil {
		t.Errorf("allowed flags refused: %v", err)
	}
	err := CheckFlags(0x100001, 0x1, FromQEMU, "qemuDomainUndefineFlags")
	if CodeOf(err) != libvirt.ErrInvalidArg {
		t.Errorf("code %d, want VIR_ERR_INVALID_ARG", CodeOf(err))
	}
	// Only the bits outside allowed are named, as virCheckFlags does.
	if want := "unsupported flags (0x100000) in function qemuDomainUndefineFlags"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestClassification(t *testing.T) {
	cause := errors.New("disk full")
	e := fmt.Errorf("save: %w", Wrap(cause, libvirt.ErrOperationFailed, FromQEMU, "cannot save"))
	if !errors.Is(e, cause) || CodeOf(e) != libvirt.ErrOperationFailed {
		t.Errorf("wrapping lost: %v", e)
	}
	if !errors.Is(e, &Error{Code: libvirt.ErrOperationFailed}) || errors.Is(e, &Error{Code: libvirt.ErrNoDomain}) {
		t.Errorf("errors.Is by code broken")
	}
	if a := As(cause, FromNetwork); a.Code != libvirt.ErrInternalError || a.Error() != "internal error: disk full" {
		t.Errorf("As(plain) = %v", a)
	}
}

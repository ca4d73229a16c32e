package launch

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"

	"github.com/virtunit/virtunit/units"
)

// stubEnv marks a process as the stub and carries its stubConfig as JSON. The stub removes
// it before exec, so the real program never sees it.
const stubEnv = "VIRTUNIT_LAUNCH_STUB"

// stubConfig is what the parent tells the stub.
type stubConfig struct {
	Path    string         `json:"path"`    // the program to exec, absolute
	Ctl     int            `json:"ctl"`     // fd of the control socket
	Hold    bool           `json:"hold"`    // wait for a byte on Ctl before exec
	Rlimits []units.Rlimit `json:"rlimits"` // applied before exec
}

func init() {
	if v, ok := os.LookupEnv(stubEnv); ok {
		os.Exit(runStub(v))
	}
}

// runStub execs the real program, or returns an exit status after reporting why not on
// the control socket. Exec closes the socket (it is made close-on-exec first), which
// tells the parent that exec succeeded.
func runStub(config string) int {
	var c stubConfig
	if err := json.Unmarshal([]byte(config), &c); err != nil {
		fmt.Fprintf(os.Stderr, "virtunit launch stub: bad %s: %v\n", stubEnv, err)
		return 127
	}
	os.Unsetenv(stubEnv)
	ctl := os.NewFile(uintptr(c.Ctl), "launch-ctl")
	fail := func(format string, args ...any) int {
		fmt.Fprintf(ctl, format, args...)
		return 127
	}
	for _, l := range c.Rlimits {
		// syscall.Setrlimit, not x/sys: it also stops the Go runtime from restoring
		// its own RLIMIT_NOFILE at exec.
		if err := syscall.Setrlimit(int(l.Resource), &syscall.Rlimit{Cur: l.Soft, Max: l.Hard}); err != nil {
			return fail("setrlimit %s %d:%d: %v", l.Resource, l.Soft, l.Hard, err)
		}
	}
	if c.Hold {
		var b [1]byte
		if n, _ := ctl.Read(b[:]); n != 1 {
			return 1 // the parent gave up on us
		}
	}
	syscall.CloseOnExec(c.Ctl)
	err := syscall.Exec(c.Path, os.Args, os.Environ())
	return fail("exec %s: %v", c.Path, err)
}

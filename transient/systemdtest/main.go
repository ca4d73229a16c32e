package systemdtest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// Environment variables through which the re-executed binary learns its role.
const (
	nsEnv     = "VIRTUNIT_SYSTEMDTEST_NS"     // set: we are inside the namespace
	cgroupEnv = "VIRTUNIT_SYSTEMDTEST_CGROUP" // set: join these cgroups, then exec argv
	stateEnv  = "VIRTUNIT_SYSTEMDTEST_STATE"  // JSON Manager, for Current
)

// The programs the harness runs.
const (
	systemdPath  = "/usr/lib/systemd/systemd"
	machinedPath = "/usr/lib/systemd/systemd-machined"
)

// Option changes what Main starts.
type Option func(*config)

type config struct {
	machined bool
}

// WithMachined also runs systemd-machined on the private bus (it drives the user manager
// as if it were the system one), so machine registration and machinectl can be tested.
func WithMachined() Option { return func(c *config) { c.machined = true } }

// Main runs the tests of m with a private systemd user manager and exits with their
// status. Call it from TestMain, and nothing else before it that starts processes.
func Main(m *testing.M, opts ...Option) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	os.Exit(run(m, c))
}

func run(m *testing.M, c config) int {
	if fuzzWorker() {
		// A fuzz worker runs fuzz functions alone and inherits the coordinator's
		// environment: a second manager of its own would collide with the
		// coordinator's in the same mount namespace.
		return m.Run()
	}
	if dirs, ok := os.LookupEnv(cgroupEnv); ok {
		return joinAndExec(dirs) // we are the manager-to-be
	}
	if os.Getenv(nsEnv) == "" {
		return reexec(c)
	}
	mgr, err := start(c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "systemdtest: %v\n", err)
		return 1
	}
	code := m.Run()
	if err := mgr.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "systemdtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// reexec replaces this process with `unshare --mount ... -- <this binary> <args>`, after
// checking that everything the harness needs is there.
func reexec(c config) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "systemdtest: "+format+"\n", args...)
		return 1
	}
	if os.Geteuid() != 0 {
		return fail("these tests need root: they mount a private /run/systemd and create cgroups")
	}
	need := []struct{ path, pkg string }{
		{"unshare", "util-linux"}, {"dbus-daemon", "dbus"}, {"systemctl", "systemd"},
		{systemdPath, "systemd"},
	}
	if c.machined {
		need = append(need, struct{ path, pkg string }{machinedPath, "systemd-container"})
	}
	for _, n := range need {
		if _, err := exec.LookPath(n.path); err != nil {
			return fail("%s is missing (install the Debian package %s): %v", n.path, n.pkg, err)
		}
	}
	unshare, _ := exec.LookPath("unshare")
	self, err := os.Executable()
	if err != nil {
		return fail("cannot find the test binary: %v", err)
	}
	argv := append([]string{"unshare", "--mount", "--propagation", "private", "--", self}, os.Args[1:]...)
	err = syscall.Exec(unshare, argv, append(os.Environ(), nsEnv+"=1"))
	return fail("exec unshare: %v", err)
}

// fuzzWorker says whether this process is a worker the fuzzing coordinator started
// (go test passes it -test.fuzzworker).
func fuzzWorker() bool {
	for _, a := range os.Args[1:] {
		if a == "-test.fuzzworker" || strings.HasPrefix(a, "-test.fuzzworker=") {
			return true
		}
	}
	return false
}

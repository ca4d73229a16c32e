package launch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/units"
)

// The test binary doubles as the program being launched, as os/exec's tests do.
const helperEnv = "LAUNCH_TEST_HELPER"

func TestMain(m *testing.M) {
	if cmd, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(helper(cmd))
	}
	os.Exit(m.Run())
}

func helper(cmd string) int {
	switch cmd {
	case "report": // print what the process was given
		wd, _ := os.Getwd()
		// Go raises its soft RLIMIT_NOFILE at startup, so report the hard limit, and
		// MEMLOCK, which Go leaves alone.
		var nofile, memlock syscall.Rlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile)
		syscall.Getrlimit(8, &memlock)
		groups, _ := syscall.Getgroups()
		fmt.Printf("args=%q wd=%s x=%s path=%s stub=%t nofile=%d memlock=%d:%d uid=%d gid=%d groups=%v sid=%t\n",
			os.Args[1:], wd, os.Getenv("X"), os.Getenv("PATH"), os.Getenv(stubEnv) != "",
			nofile.Max, memlock.Cur, memlock.Max, os.Getuid(), os.Getgid(), groups, mustSid() == os.Getpid())
		fmt.Fprintln(os.Stderr, "to stderr")
		return 0
	case "fd3":
		f := os.NewFile(3, "fd3")
		_, err := f.WriteString("hello through fd 3")
		if err != nil {
			return 2
		}
		return 0
	case "touch":
		os.WriteFile(os.Args[1], nil, 0o644)
		return 0
	case "exit3":
		return 3
	case "sleep":
		time.Sleep(time.Minute)
		return 0
	}
	return 100
}

func mustSid() int {
	sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	return int(sid)
}

func self(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func spec(t *testing.T, cmd string, args ...string) *units.Spec {
	return &units.Spec{Name: "t.service", Kind: units.Service, Argv: append([]string{self(t)}, args...),
		// Race-enabled binaries otherwise sleep a second at exit.
		Env: []string{helperEnv + "=" + cmd, "GORACE=atexit_sleep_ms=0"}}
}

func wait(t *testing.T, p *Process) *units.Exit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exit, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	p.Close()
	return exit
}

func TestStartDirectAndThroughStub(t *testing.T) {
	for _, viaStub := range []bool{false, true} {
		t.Run(fmt.Sprintf("stub=%t", viaStub), func(t *testing.T) {
			dir := t.TempDir()
			s := spec(t, "report", "a b", "")
			s.Env = append(s.Env, "X=y")
			s.Dir = dir
			s.LogFile = filepath.Join(dir, "log")
			os.WriteFile(s.LogFile, []byte("earlier\n"), 0o600)
			if viaStub {
				s.Rlimits = []units.Rlimit{
					{Resource: units.RlimitNOFILE, Soft: 123, Hard: 456},
					{Resource: units.RlimitMEMLOCK, Soft: 4096, Hard: 8192},
				}
			}
			p, err := Start(s, s.Argv, false)
			if err != nil {
				t.Fatal(err)
			}
			if exit := wait(t, p); exit == nil || !exit.Clean() {
				t.Fatalf("exit = %v", exit)
			}
			out, _ := os.ReadFile(s.LogFile)
			want := fmt.Sprintf(`args=["a b" ""] wd=%s x=y path=%s stub=false`, dir, DefaultPath)
			if !strings.HasPrefix(string(out), "earlier\n"+want) || !strings.HasSuffix(string(out), "to stderr\n") {
				t.Errorf("log = %q, want it to start with %q", out, want)
			}
			if !strings.Contains(string(out), "sid=true") {
				t.Errorf("log = %q, want the process to lead its own session", out)
			}
			if viaStub && !strings.Contains(string(out), "nofile=456 memlock=4096:8192") {
				t.Errorf("log = %q, want nofile=456 memlock=4096:8192", out)
			}
		})
	}
}

// TestCredential runs the helper as nobody, from a copy of the test binary that nobody
// may read (go test builds in a private directory).
func TestCredential(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test switches users: run it as root")
	}
	dir, err := os.MkdirTemp("", "launch-cred-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	exe, _ := os.ReadFile(self(t))
	copied := filepath.Join(dir, "helper")
	if err := os.WriteFile(copied, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, viaStub := range []bool{false, true} {
		s := spec(t, "report")
		s.Argv[0] = copied
		s.LogFile = filepath.Join(dir, fmt.Sprintf("log-%t", viaStub))
		s.User = &units.Credential{UID: 65534, GID: 65534, Groups: []uint32{65534, 100}}
		p, err := Start(s, s.Argv, viaStub)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Release(); err != nil {
			t.Fatal(err)
		}
		if exit := wait(t, p); exit == nil || !exit.Clean() {
			t.Fatalf("exit = %v", exit)
		}
		out, _ := os.ReadFile(s.LogFile)
		if !strings.Contains(string(out), "uid=65534 gid=65534 groups=[100 65534]") {
			t.Errorf("stub=%t: log = %q, want uid, gid and groups 65534", viaStub, out)
		}
	}
}

// startedIdentity reads the identity of a process that Start has just returned. Start
// returns once exec has closed os/exec's close-on-exec pipe, but the kernel closes it
// before the new image has set up its argument area, and /proc/PID/cmdline reads empty
// until then: it is read again until it shows.
func startedIdentity(t *testing.T, pid int) Identity {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		id, err := Identify(pid)
		if err != nil {
			t.Fatal(err)
		}
		if len(id.Argv) > 0 || id.Zombie || time.Now().After(deadline) {
			return id
		}
	}
}

// TestHold checks that a held process has not run its program before Release, and then
// runs it with the same pid and an inherited fd.
func TestHold(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	s := spec(t, "touch", marker)
	p, err := Start(s, s.Argv, true)
	if err != nil {
		t.Fatal(err)
	}
	id := startedIdentity(t, p.Pid)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the program ran before Release")
	}
	if strings.Join(id.Argv, " ") != strings.Join(s.Argv, " ") {
		t.Errorf("held process shows %q, want %q", id.Argv, s.Argv)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	if exit := wait(t, p); exit == nil || !exit.Clean() {
		t.Fatalf("exit = %v", exit)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the program did not run after Release")
	}

	r, w, _ := os.Pipe()
	defer r.Close()
	s = spec(t, "fd3")
	s.Files = []*os.File{w}
	p, err = Start(s, s.Argv, true)
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	if string(got) != "hello through fd 3" {
		t.Errorf("read %q from the inherited fd", got)
	}
	if exit := wait(t, p); exit == nil || !exit.Clean() {
		t.Fatalf("exit = %v", exit)
	}
}

func TestExecFailure(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("\x00\x01 not a program"), 0o755)
	s := &units.Spec{Argv: []string{bad}}
	if _, err := Start(s, s.Argv, false); err == nil || !strings.Contains(err.Error(), "exec format error") {
		t.Errorf("direct start: %v, want exec format error", err)
	}
	p, err := Start(s, s.Argv, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Release(); err == nil || !strings.Contains(err.Error(), "exec format error") {
		t.Errorf("Release: %v, want exec format error", err)
	}
	if _, err := Start(s, []string{"no-such-program-anywhere"}, false); err == nil {
		t.Error("a missing program started")
	}
}

func TestSignalWaitAndCancel(t *testing.T) {
	s := spec(t, "sleep")
	p, err := Start(s, s.Argv, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel = %v", err)
	}
	if p.Exited() {
		t.Fatal("Exited before any signal")
	}
	p.Signal(syscall.SIGTERM)
	if exit := wait(t, p); exit == nil || exit.Signal != syscall.SIGTERM {
		t.Fatalf("exit = %v, want SIGTERM", exit)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", p.Pid)); err == nil {
		t.Error("process not reaped")
	}
}

func TestOpenChecksIdentity(t *testing.T) {
	s := spec(t, "sleep")
	p, err := Start(s, s.Argv, false)
	if err != nil {
		t.Fatal(err)
	}
	id := startedIdentity(t, p.Pid)
	if id.Session != p.Pid {
		t.Errorf("session %d, want the process's own %d", id.Session, p.Pid)
	}
	id.PidfdID = p.ID()
	wrongStart, wrongArgv, wrongID := id, id, id
	wrongStart.StartTime++
	wrongArgv.Argv = []string{"qemu"}
	wrongID.PidfdID++
	for _, bad := range []Identity{wrongStart, wrongArgv, wrongID} {
		if _, err := Open(p.Pid, bad); !errors.Is(err, ErrGone) {
			t.Errorf("Open with %+v = %v, want ErrGone", bad, err)
		}
	}
	q, err := Open(p.Pid, id)
	if err != nil {
		t.Fatal(err)
	}
	if q.TryReap() != nil {
		t.Fatal("TryReap of a live process")
	}
	q.Signal(syscall.SIGKILL)
	if exit := wait(t, q); exit != nil {
		t.Fatalf("adopted process's exit = %v, want it unknown", exit)
	}
	p.Close()
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", p.Pid)); err == nil {
		t.Error("adopted process left a zombie")
	}
	if _, err := Open(p.Pid, id); !errors.Is(err, ErrGone) {
		t.Errorf("Open of a reaped pid = %v, want ErrGone", err)
	}
}

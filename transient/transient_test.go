package transient

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/transient/systemdtest"
	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/unitstest"
)

// connect connects to the manager systemdtest.Main started, as a root daemon would:
// through the system bus, which the harness points at it.
func connect(t testing.TB) *Realizer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newRealizer is connect, closed when the test ends.
func newRealizer(t *testing.T) *Realizer {
	r := connect(t)
	t.Cleanup(func() { r.Close() })
	return r
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConformance(t *testing.T) {
	unitstest.Run(t, unitstest.Harness{New: func(t *testing.T, _ string) units.Realizer { return connect(t) }})
}

func TestAvailable(t *testing.T) {
	if err := Available(ctx(t), Options{}); err != nil {
		t.Errorf("Available = %v with a manager on the bus", err)
	}
	if err := Available(ctx(t), Options{Address: "unix:path=/nonexistent/bus"}); err == nil {
		t.Error("Available = nil without a bus")
	}
	// A session daemon's realizer: the user manager on the session bus.
	r, err := New(ctx(t), Options{Manager: User})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.List(ctx(t), "*.service"); err != nil {
		t.Error(err)
	}
}

// TestGuestScope starts guest-like scopes, plain and registered with machined, and
// checks what systemctl and machinectl show and that `systemctl --user stop` of the
// scope reaches the owner as StopRequested (the graceful-shutdown hook) instead of
// killing the guest.
func TestGuestScope(t *testing.T) {
	m := systemdtest.Current(t)
	r := newRealizer(t)
	// A limit below ours: raising one takes CAP_SYS_RESOURCE, which test machines may lack.
	var memlock syscall.Rlimit
	syscall.Getrlimit(8, &memlock)
	limit := min(memlock.Max, 1<<26) / 2
	for _, machine := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "machined"}[machine], func(t *testing.T) {
			vm := "qemu-1-vm" + strconv.FormatBool(machine)
			spec := units.Spec{Name: units.MachineScope(vm), Kind: units.Scope, Argv: []string{"sleep", "60"},
				Description: "QEMU guest " + vm, Slice: "machine.slice", Delegate: true, StopTimeout: 10 * time.Second,
				Rlimits: []units.Rlimit{{Resource: units.RlimitMEMLOCK, Soft: limit, Hard: limit}}}
			if machine {
				spec.Machine = &units.Machine{Name: vm, Service: "libvirt-qemu", UUID: [16]byte{1, 2, 3}}
			}
			w, _ := r.Watch(spec.Name)
			defer w.Close()
			st, err := r.Start(ctx(t), spec)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Systemctl("status", spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, spec.Description) || !strings.Contains(out, "active (running)") ||
				!strings.Contains(out, "machine.slice/"+spec.Name) {
				t.Errorf("systemctl status:\n%s", out)
			}
			cg, _ := os.ReadFile("/proc/" + strconv.Itoa(st.MainPID) + "/cgroup")
			if !strings.Contains(string(cg), "/machine.slice/"+spec.Name) {
				t.Errorf("pid %d is not in the scope:\n%s", st.MainPID, cg)
			}
			limits, _ := os.ReadFile("/proc/" + strconv.Itoa(st.MainPID) + "/limits")
			if want := fmt.Sprintf("Max locked memory         %-21d%-21d", limit, limit); !strings.Contains(string(limits), want) {
				t.Errorf("pid %d lacks %q:\n%s", st.MainPID, want, limits)
			}
			if machine {
				out, err := m.Command("machinectl", "list").CombinedOutput()
				if err != nil || !strings.Contains(string(out), vm) {
					t.Errorf("machinectl list: %v\n%s", err, out)
				}
			}

			stop := m.Command("systemctl", "--user", "stop", spec.Name)
			if err := stop.Start(); err != nil {
				t.Fatal(err)
			}
			stopped := make(chan error, 1)
			go func() { stopped <- stop.Wait() }()
			unitstest.NextEvent(t, w, "stop request", func(ev units.Event) bool { return ev.Kind == units.StopRequested })
			select {
			case err := <-stopped:
				t.Fatalf("systemctl stop returned (%v) before the owner acted", err)
			default:
			}
			if !alive(st.MainPID) {
				t.Fatal("the guest was killed instead of asked")
			}
			// The owner shuts the guest down; then the stop job completes.
			if err := r.Kill(ctx(t), spec.Name, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			ev := unitstest.NextEvent(t, w, "exit", func(ev units.Event) bool { return ev.Kind == units.ProcessExited })
			if ev.Status.Exit == nil || ev.Status.Exit.Signal != syscall.SIGTERM {
				t.Errorf("exit event %v, want killed by SIGTERM", ev)
			}
			if err := <-stopped; err != nil {
				t.Errorf("systemctl stop: %v", err)
			}
			if machine {
				out, _ := m.Command("machinectl", "list").CombinedOutput()
				if strings.Contains(string(out), vm) {
					t.Errorf("machine still registered:\n%s", out)
				}
			}
		})
	}
}

func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil && !strings.Contains(procState(pid), "Z")
}

func procState(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+3 <= len(s) {
		return s[i+2 : i+3]
	}
	return ""
}

// TestServiceSettings checks that a service gets its environment, working directory,
// log file and rlimits (as a oneshot, whose Start returns when its command is done), and
// that fds for a service are refused clearly where systemd cannot pass them.
func TestServiceSettings(t *testing.T) {
	r := newRealizer(t)
	dir := t.TempDir()
	log := dir + "/log"
	spec := units.Spec{Name: "settings.service", Kind: units.Oneshot, Env: []string{"X=from-env"}, Dir: dir, LogFile: log,
		Argv:    []string{"sh", "-c", "echo $X; pwd; ulimit -Sn; ulimit -Hn; ulimit -Sl; ulimit -Hl; echo to-stderr >&2"},
		Rlimits: []units.Rlimit{{Resource: units.RlimitNOFILE, Soft: 1000, Hard: 2000}, {Resource: units.RlimitMEMLOCK, Soft: 1 << 20, Hard: 1 << 21}}}
	if _, err := r.Start(ctx(t), spec); err != nil {
		t.Fatal(err)
	}
	defer r.Stop(ctx(t), spec.Name)
	if b, _ := os.ReadFile(log); string(b) != "from-env\n"+dir+"\n1000\n2000\n1024\n2048\nto-stderr\n" {
		t.Errorf("log file holds %q", b)
	}

	f, _ := os.Open("/dev/null")
	defer f.Close()
	withFD := units.Spec{Name: "with-fd.service", Kind: units.Service, Argv: []string{"sleep", "60"}, Files: []*os.File{f}}
	if _, err := r.Start(ctx(t), withFD); err == nil {
		r.Stop(ctx(t), withFD.Name)
		if r.bus().version < "257" {
			t.Errorf("systemd %s took fds for a service", r.bus().version)
		}
	} else if !strings.Contains(err.Error(), "ExtraFileDescriptors") {
		t.Errorf("Start with fds = %v, want a refusal naming ExtraFileDescriptors", err)
	}
}

// TestOptionalProperties checks the drop-and-retry of properties the manager does not
// know: optional ones are dropped (and not sent again), required ones fail clearly.
func TestOptionalProperties(t *testing.T) {
	r := newRealizer(t)
	spec := units.Spec{Name: "optional.service", Kind: units.Service, Argv: []string{"/bin/sleep", "60"}}
	props := append(serviceProps(&spec, "/bin/sleep", "", nil), optional(prop("VirtunitNoSuchProperty", "x")))
	err := r.runJob(ctx(t), spec.Name, func() (dbus.ObjectPath, error) { return r.startUnit(ctx(t), spec.Name, props) })
	if err != nil {
		t.Fatalf("start with an unknown optional property: %v", err)
	}
	r.Stop(ctx(t), spec.Name)
	if !r.unsupported["VirtunitNoSuchProperty"] {
		t.Error("the refused property is not remembered")
	}
	props = append(serviceProps(&spec, "/bin/sleep", "", nil), prop("VirtunitNoSuchProperty", "x"))
	if _, err := r.startUnit(ctx(t), "required.service", props); err == nil || !strings.Contains(err.Error(), "VirtunitNoSuchProperty") {
		t.Errorf("start with an unknown required property = %v, want an error naming it", err)
	}

	// A scope passes its process by pidfd where systemd can take one (>= 253), else by pid.
	sc := units.Spec{Name: "pidfd.scope", Kind: units.Scope, Argv: []string{"sleep", "60"}}
	if _, err := r.Start(ctx(t), sc); err != nil {
		t.Fatal(err)
	}
	r.Stop(ctx(t), sc.Name)
	if v, _ := strconv.Atoi(strings.Fields(r.bus().version + " 0")[0]); v < 253 && !r.unsupported["PIDFDs"] {
		t.Errorf("systemd %s took PIDFDs", r.bus().version)
	}
}

// TestAdoptAfterDaemonKill9 kills a daemon with SIGKILL while its units run; a new
// realizer adopts them undisturbed, can stop them, and hears of a stop of the scope
// that someone else asks for.
func TestAdoptAfterDaemonKill9(t *testing.T) {
	exe, _ := os.Executable()
	d := exec.Command(exe)
	d.Env = append(os.Environ(), daemonEnv+"=1")
	out, _ := d.StdoutPipe()
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	sc := bufio.NewScanner(out)
	for len(pids) < 2 && sc.Scan() {
		pid, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("daemon: %s", sc.Text())
		}
		pids = append(pids, pid)
	}
	d.Process.Kill()
	d.Wait()
	if len(pids) != 2 {
		t.Fatal("the daemon did not start its units")
	}

	r := newRealizer(t)
	for i, name := range []string{"killed-daemon.scope", "killed-daemon.service"} {
		if !alive(pids[i]) {
			t.Fatalf("%s died with the daemon", name)
		}
		w, _ := r.Watch(name)
		defer w.Close()
		st, err := r.Adopt(ctx(t), name)
		if err != nil || st.State != units.Running || st.MainPID != pids[i] {
			t.Fatalf("Adopt(%s) = %v, %v, want running with pid %d", name, st, err, pids[i])
		}
		if strings.HasSuffix(name, ".scope") {
			// systemctl stop of an adopted scope reaches its new owner, as for a scope it
			// started, and waits for it: the process lives on until the owner acts.
			stop := systemdtest.Current(t).Command("systemctl", "--user", "stop", name)
			if err := stop.Start(); err != nil {
				t.Fatal(err)
			}
			unitstest.NextEvent(t, w, "stop request", func(ev units.Event) bool { return ev.Kind == units.StopRequested })
			if !alive(pids[i]) {
				t.Fatal("the adopted scope's process was killed instead of its owner asked")
			}
			if err := r.Kill(ctx(t), name, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := stop.Wait(); err != nil {
				t.Errorf("systemctl stop: %v", err)
			}
			continue
		}
		if st, err := r.Stop(ctx(t), name); err != nil || st.State != units.Dead {
			t.Errorf("Stop(%s) = %v, %v", name, st, err)
		}
		if alive(pids[i]) {
			t.Errorf("%s: pid %d survived Stop", name, pids[i])
		}
	}
}

// TestSetLimits retunes a running scope, as virsh schedinfo and memtune retune a
// guest: systemd records each limit, the cgroup carries it where the controller is
// enabled, and a zero lifts it.
func TestSetLimits(t *testing.T) {
	m := systemdtest.Current(t)
	r := newRealizer(t)
	spec := units.Spec{Name: "limits.scope", Kind: units.Scope, Argv: []string{"sleep", "60"},
		Resources: units.Resources{MemoryMax: 512 << 20, CPUWeight: 512}}
	st, err := r.Start(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop(ctx(t), spec.Name)
	show := func(want string) {
		t.Helper()
		out, err := m.Systemctl("show", "-p", "MemoryMax,MemoryHigh,CPUWeight,CPUQuotaPerSecUSec,CPUQuotaPeriodUSec", spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.ReplaceAll(strings.TrimSpace(out), "[not set]", "[not_set]"), "\n")
		exp := strings.Split(want, " ")
		slices.Sort(got)
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Errorf("systemctl show:\n%s\nwant %s", out, want)
		}
	}
	show("MemoryMax=536870912 MemoryHigh=infinity CPUWeight=512 CPUQuotaPerSecUSec=infinity CPUQuotaPeriodUSec=infinity")

	set := units.Resources{MemoryMax: 256 << 20, MemoryHigh: 128 << 20, CPUWeight: 256,
		CPUQuota: 25 * time.Millisecond, CPUQuotaPeriod: 50 * time.Millisecond, DevicePolicy: "strict"}
	if err := r.SetLimits(ctx(t), spec.Name, set); err != nil {
		t.Fatal(err)
	}
	show("MemoryMax=268435456 MemoryHigh=134217728 CPUWeight=256 CPUQuotaPerSecUSec=500ms CPUQuotaPeriodUSec=50ms")
	cg, _ := os.ReadFile("/proc/" + strconv.Itoa(st.MainPID) + "/cgroup")
	dir := "/sys/fs/cgroup" + strings.TrimSpace(strings.TrimPrefix(string(cg), "0::"))
	for file, want := range map[string]string{"memory.max": "268435456", "memory.high": "134217728", "cpu.weight": "256", "cpu.max": "25000 50000"} {
		if b, err := os.ReadFile(dir + "/" + file); err == nil && strings.TrimSpace(string(b)) != want {
			t.Errorf("%s/%s = %q, want %q", dir, file, b, want)
		}
	}
	if out, _ := m.Systemctl("show", "-p", "DevicePolicy", spec.Name); strings.TrimSpace(out) != "DevicePolicy=auto" {
		t.Errorf("confinement was changed too: %s", out)
	}

	if err := r.SetLimits(ctx(t), spec.Name, units.Resources{}); err != nil {
		t.Fatal(err)
	}
	show("MemoryMax=infinity MemoryHigh=infinity CPUWeight=[not_set] CPUQuotaPerSecUSec=infinity CPUQuotaPeriodUSec=infinity")
	// Block I/O: a weight and per-device entries, replaced as a whole and cleared.
	io := units.Resources{IOWeight: 300, IODevices: []units.IODeviceLimit{
		{Path: "/dev/null", Weight: 200, ReadBytesPerSec: 1 << 20, WriteIOPS: 50}, {Path: "/dev/zero", ReadIOPS: 10}}}
	if err := r.SetLimits(ctx(t), spec.Name, io); err != nil {
		t.Fatal(err)
	}
	ioProps := "IOWeight,IODeviceWeight,IOReadBandwidthMax,IOWriteBandwidthMax,IOReadIOPSMax,IOWriteIOPSMax"
	out, err := m.Systemctl("show", "-p", ioProps, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"IOWeight=300", "IODeviceWeight=/dev/null 200", "IOReadBandwidthMax=/dev/null 1048576",
		"IOWriteIOPSMax=/dev/null 50", "IOReadIOPSMax=/dev/zero 10"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("systemctl show lacks %q:\n%s", want, out)
		}
	}
	if err := r.SetLimits(ctx(t), spec.Name, units.Resources{}); err != nil {
		t.Fatal(err)
	}
	if out, _ := m.Systemctl("show", "-p", ioProps, spec.Name); strings.Contains(out, "/dev/") || !strings.Contains(out, "IOWeight=[not set]") {
		t.Errorf("I/O limits not lifted:\n%s", out)
	}
	if !alive(st.MainPID) {
		t.Error("the scope's process did not survive its retuning")
	}
}

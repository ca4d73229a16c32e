package units

import (
	"os"
	"time"
)

// Kind says how a unit's process lives, which decides its systemd unit type.
type Kind int

const (
	// Scope wraps a process that the realizer forks itself, so the process inherits
	// Files and is our child (its exit status is known at once). QEMU runs as one.
	Scope Kind = iota + 1
	// Service is a long-running process that the manager starts and may restart.
	Service
	// Oneshot runs Argv to completion on Start and StopArgv on Stop, and stays Active in
	// between (systemd's Type=oneshot with RemainAfterExit=yes): host setup and teardown.
	Oneshot
)

func (k Kind) String() string {
	switch k {
	case Scope:
		return "scope"
	case Service:
		return "service"
	case Oneshot:
		return "oneshot"
	}
	return "invalid"
}

// suffix is the unit-name suffix that the kind requires.
func (k Kind) suffix() string {
	if k == Scope {
		return ".scope"
	}
	return ".service"
}

// Restart is a service's restart policy, with systemd's meaning.
type Restart string

const (
	RestartNo        Restart = ""           // never restart (the default)
	RestartOnFailure Restart = "on-failure" // after an unclean exit code or signal, or a timeout
	RestartAlways    Restart = "always"     // after any exit that was not a Stop
)

// KillMode says which processes a stop signals, with systemd's meaning.
type KillMode string

const (
	KillControlGroup KillMode = ""        // every process of the unit (the default)
	KillMixed        KillMode = "mixed"   // SIGTERM to the main process, SIGKILL to all
	KillProcess      KillMode = "process" // the main process only
)

// DefaultStopTimeout is the stop timeout of a Spec that sets none, as in systemd.
const DefaultStopTimeout = 90 * time.Second

// MaxTimeout bounds StopTimeout and RestartDelay: anything longer is a mistake.
const MaxTimeout = time.Hour

// Spec describes one unit, independently of who realizes it.
type Spec struct {
	// Name is the full unit name, suffix included, already escaped: ".scope" for a
	// Scope, ".service" otherwise. See Escape and MachineScope.
	Name string
	Kind Kind
	// Description is what systemctl and machinectl show.
	Description string

	// Argv is the program and its arguments. Argv[0] is looked up in the daemon's PATH
	// when it has no slash; the process sees Argv[0] as given.
	Argv []string
	// StopArgv is a Oneshot's teardown command (ExecStop=); other kinds have none.
	StopArgv []string
	// Env holds KEY=VALUE pairs set for the process, on top of PATH (fallback and
	// scopes) or the manager's default environment (systemd services).
	Env []string
	// Dir is the working directory; empty means "/".
	Dir string
	// LogFile, if set, receives stdout and stderr, appended. Otherwise output is
	// discarded (fallback, scopes) or goes to the journal (systemd services).
	LogFile string
	// User runs the process as another user; nil keeps the daemon's own identity.
	User *Credential
	// Rlimits are applied before exec.
	Rlimits []Rlimit
	// Files become fd 3, 4, ... in the process: taps, a listening monitor socket. The
	// realizer duplicates what it keeps, so the caller may close its copies after Start.
	// A systemd service can take fds only on systemd >= 257; scopes always can.
	Files []*os.File

	// Slice places the unit, e.g. "machine.slice"; empty means the manager's default.
	Slice string
	// Restart and RestartDelay apply to a Service only.
	Restart      Restart
	RestartDelay time.Duration
	KillMode     KillMode
	// StopTimeout is how long a stop waits after SIGTERM (or after asking the scope's
	// controller) before SIGKILL; zero means DefaultStopTimeout.
	StopTimeout time.Duration
	// Dependencies on other units, with systemd's meaning.
	BindsTo, PartOf, After, Before []string
	// Delegate hands the unit's cgroup subtree to the process (QEMU's vCPU split).
	Delegate bool
	// TasksMax limits the unit's tasks; zero keeps the manager's default.
	TasksMax uint64
	// Resources are the unit's cgroup controls.
	Resources Resources

	// Machine, for a Scope, registers the process with systemd-machined where it runs,
	// so machinectl lists the guest. The scope is then named MachineScope(Machine.Name).
	Machine *Machine
}

// EffectiveStopTimeout is StopTimeout, or DefaultStopTimeout when that is zero.
func (s *Spec) EffectiveStopTimeout() time.Duration {
	if s.StopTimeout == 0 {
		return DefaultStopTimeout
	}
	return s.StopTimeout
}

// Credential is the identity a unit's process runs as.
type Credential struct {
	UID, GID uint32
	Groups   []uint32 // supplementary groups
}

// Resources are a unit's cgroup controls, of two sorts. Confinement (DevicePolicy,
// DeviceAllow, MemoryAccounting, like TasksMax) narrows what an escaped process
// reaches; a realizer applies it where it can and records it elsewhere. Limits
// (Memory*, CPU*, IO*) are what a guest's definition asks for (libvirt's <memtune>,
// <cputune>, <blkiotune>); a realizer that cannot enforce them refuses the Start with
// ErrUnsupported rather than run the unit without them.
type Resources struct {
	// DevicePolicy is systemd's: "" (all devices), "closed" (the standard pseudo
	// devices — /dev/null, zero, full, random, urandom, tty, ptmx, pts — and
	// DeviceAllow) or "strict" (DeviceAllow only).
	DevicePolicy string
	DeviceAllow  []DeviceAccess
	// MemoryAccounting counts the unit's memory (systemctl status shows it).
	MemoryAccounting bool
	// MemoryMax, MemoryHigh and MemorySwapMax are in bytes; zero means no limit.
	MemoryMax, MemoryHigh, MemorySwapMax uint64
	// CPUWeight is the unit's share of contended CPU (1-10000); zero means the default.
	CPUWeight uint64
	// CPUQuota of CPU time per CPUQuotaPeriod (100 ms when zero); zero means no quota.
	CPUQuota, CPUQuotaPeriod time.Duration
	// IOWeight is the unit's share of contended block I/O (1-10000); zero means the
	// default.
	IOWeight uint64
	// IODevices weigh and throttle the unit's I/O to single block devices.
	IODevices []IODeviceLimit
}

// IODeviceLimit is one block device's I/O weight (1-10000) and throttles, in bytes
// and operations per second; a zero field sets none.
type IODeviceLimit struct {
	Path                              string
	Weight                            uint64
	ReadBytesPerSec, WriteBytesPerSec uint64
	ReadIOPS, WriteIOPS               uint64
}

// DeviceAccess is one DeviceAllow entry: a device node ("/dev/kvm") or a device class
// ("char-pts", "block-loop") with access "r", "rw" or "rwm".
type DeviceAccess struct {
	Path, Access string
}

// Limits reports whether r asks for limits, as opposed to confinement only.
func (r Resources) Limits() bool {
	return r.MemoryMax != 0 || r.MemoryHigh != 0 || r.MemorySwapMax != 0 || r.CPUWeight != 0 || r.CPUQuota != 0 ||
		r.IOWeight != 0 || len(r.IODevices) > 0
}

// Resource names a resource limit, with setrlimit(2)'s numbering.
type Resource int

// The limits drivers set. Others may be given by number.
const (
	RlimitNOFILE  Resource = 7
	RlimitNPROC   Resource = 6
	RlimitMEMLOCK Resource = 8
	RlimitCORE    Resource = 4
)

// Rlimit is one resource limit. Infinity is ^uint64(0), as in setrlimit(2).
type Rlimit struct {
	Resource   Resource
	Soft, Hard uint64
}

// Machine is what systemd-machined records about a guest.
type Machine struct {
	Name    string   // "qemu-1-vm1": hostname characters, at most 64
	UUID    [16]byte // the guest's UUID
	Service string   // who registers it, e.g. "libvirt-qemu"
	Class   string   // "vm" or "container"; empty means "vm"
	// NetworkInterfaces are the host-side ifindexes of the guest's NICs.
	NetworkInterfaces []int32
	RootDirectory     string
}

var resourceNames = [...]string{"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
	"MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"}

// String is the resource's name without RLIMIT_, as systemd's Limit* settings spell it.
func (r Resource) String() string {
	if r < 0 || int(r) >= len(resourceNames) {
		return ""
	}
	return resourceNames[r]
}

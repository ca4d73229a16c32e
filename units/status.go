package units

import (
	"fmt"
	"syscall"
)

// State is where a unit is in its life, reduced from systemd's ActiveState and SubState.
type State int

const (
	Dead       State = iota // not running: stopped, ended cleanly, or never started
	Starting                // being started
	Running                 // the main process runs (a Service or Scope)
	Active                  // a Oneshot finished its Argv successfully and stays up
	Stopping                // being stopped
	Restarting              // the main process ended and the restart policy will start it again
	Failed                  // ended unsuccessfully and will not be restarted
)

var stateNames = [...]string{"dead", "starting", "running", "active", "stopping", "restarting", "failed"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// Up says whether the unit is doing its job: Running or Active.
func (s State) Up() bool { return s == Running || s == Active }

// Exit says how a process ended.
type Exit struct {
	Code   int            // the exit status, when Signal is 0
	Signal syscall.Signal // the signal that killed it, or 0
}

// Clean says whether the process ended with status 0.
func (e Exit) Clean() bool { return e.Signal == 0 && e.Code == 0 }

func (e Exit) String() string {
	if e.Signal != 0 {
		return "killed by " + e.Signal.String()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// Status is a snapshot of a unit.
type Status struct {
	Name        string
	Description string
	State       State
	// MainPID is the main process while one runs, else 0.
	MainPID int
	// Restarts counts restarts done by the restart policy.
	Restarts int
	// Exit is how the main process last ended, nil when it has not or nobody knows
	// (a process adopted after a daemon restart is not our child: its status is lost).
	Exit *Exit
	// Result is systemd's word for how the unit ended: "success", "exit-code", "signal",
	// "core-dump", "timeout", "start-limit-hit", ...; empty while unknown.
	Result string
}

func (s Status) String() string {
	out := fmt.Sprintf("%s %s", s.Name, s.State)
	if s.MainPID != 0 {
		out += fmt.Sprintf(" pid %d", s.MainPID)
	}
	if s.Restarts != 0 {
		out += fmt.Sprintf(" restarts %d", s.Restarts)
	}
	if s.Exit != nil {
		out += " (" + s.Exit.String() + ")"
	}
	if s.Result != "" && s.Result != "success" {
		out += " result " + s.Result
	}
	return out
}

// EventKind says what an Event reports.
type EventKind int

const (
	// StateChanged: Status.State differs from the previous event's.
	StateChanged EventKind = iota + 1
	// ProcessExited: the main process ended; Status.Exit says how when it is known.
	// It comes as soon as the realizer learns of the exit, before any restart.
	ProcessExited
	// Restarted: the restart policy started a new main process (Status.MainPID,
	// Status.Restarts).
	Restarted
	// StopRequested: someone else asked the manager to stop this scope (systemctl stop,
	// host shutdown). The owner should shut the guest down gracefully; systemd kills the
	// scope when StopTimeout runs out. Only realizers with a manager send it.
	StopRequested
)

var kindNames = [...]string{"", "state-changed", "process-exited", "restarted", "stop-requested"}

func (k EventKind) String() string {
	if k <= 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("EventKind(%d)", int(k))
	}
	return kindNames[k]
}

// Event is one change of one unit, with the unit's status after it.
type Event struct {
	Kind   EventKind
	Status Status
}

func (e Event) String() string { return e.Kind.String() + ": " + e.Status.String() }

// Package fallback realizes units without systemd: the daemon supervises the processes
// itself. It is what daemons use where systemd does not run the host.
//
// Each process starts in its own session (units/launch), so it survives the daemon's
// exit, and is watched through a pidfd, so an exit is seen and reaped at once: no
// zombies, no polling. Services are restarted per their policy, with a delay that
// doubles while they keep failing quickly. A stop sends SIGTERM (to the process group,
// the main process, or both, per KillMode), then SIGKILL after the stop timeout. A
// Oneshot's Argv and StopArgv run to completion inside Start and Stop.
//
// Every unit has a state file, <runDir>/<unit name>.json, written atomically: the spec,
// the pid, the process's start time and command line, the restart count and the last
// known state. A restarted daemon adopts a unit only if its pid still runs the same
// process (same start time, same command line), so a recycled pid is never adopted; a
// unit that died meanwhile is reported with its last known state, or restarted when its
// restart policy says so, as systemd would have done.
//
// Differences from the systemd realizer that drivers may notice: no cgroups (Slice,
// Delegate, TasksMax and the confinement of Resources are recorded but not enforced, a
// Spec with Resources' limits is refused with ErrUnsupported, and Machine registration
// does not happen), no StopRequested events, and the exit status of a process adopted after a
// daemon restart is lost with its original parent. A Service's Files are kept (as
// duplicates) for restarts; after a daemon restart they are gone, so such a service is
// marked failed instead of being restarted without them.
package fallback

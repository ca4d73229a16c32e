// Package launch forks the process of a unit exactly as its units.Spec says (argv,
// environment, working directory, inherited fds, log file, user, rlimits, own session),
// and watches processes through pidfds so that an exit is seen the moment it happens and
// a child is reaped at once, without polling or SIGCHLD handling.
//
// Two things need a process to pause between fork and exec, which Go's os/exec cannot
// do: rlimits (set by the process itself, just before exec) and systemd scopes (the
// process must be in the scope before the program runs, so that every thread it makes is
// born there). For those, Start runs a stub: the daemon's own binary again, re-executed
// through /proc/self/exe. This package's init function recognises the stub by an
// environment variable, applies the rlimits, waits for Release when asked to hold, and
// execs the real program, which keeps the pid, the session and the inherited fds.
// Because the hook is an init function, any binary that links this package (every
// virtunit daemon, every test binary) can serve as the stub without calling anything
// from main.
package launch

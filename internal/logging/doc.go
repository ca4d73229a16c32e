// Package logging is libvirt's logging model on top of log/slog: a default priority
// (log_level), filters that raise or lower it for named modules (log_filters, e.g.
// "1:qemu 3:remote"), and outputs that each take messages from a priority up
// (log_outputs: stderr, file, journald, syslog), all in libvirt's syntax and
// changeable while the daemon runs (SIGHUP, virt-admin daemon-log-outputs).
//
// Components log through slog loggers carrying a "module" attribute ("rpc.server",
// "daemon", "qemu"), which filters match against.
package logging

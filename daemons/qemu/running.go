package qemu

// running is what the driver holds of a guest whose QEMU runs.
type running struct {
	unit    string // the unit the QEMU process runs as
	pid     int    // QEMU's pid
	monitor string // path of the QMP socket
	pty     string // the serial console's pty, if any
}

package daemon

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// listenFDsStart is SD_LISTEN_FDS_START: systemd passes sockets from fd 3 on.
const listenFDsStart = 3

// activationListeners returns the sockets systemd passed (LISTEN_PID, LISTEN_FDS,
// LISTEN_FDNAMES), keyed by socket unit name (a unit may pass several, one per
// ListenStream=), or nil when the daemon was not socket activated. Names match the
// units libvirt ships (NAME.socket, NAME-ro.socket, NAME-admin.socket, NAME-tcp.socket,
// NAME-tls.socket). Without LISTEN_FDNAMES (old systemd) a unix descriptor is matched
// to a socket by the path it is bound to, as libvirt does. A descriptor nobody claims
// is an error, as in libvirt: it means the units and the daemon disagree.
func activationListeners(units []string, specs []socketSpec) (map[string][]net.Listener, error) {
	pid, err := strconv.Atoi(os.Getenv("LISTEN_PID"))
	if err != nil || pid != os.Getpid() {
		return nil, nil
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n <= 0 {
		return nil, nil
	}
	names := strings.Split(os.Getenv("LISTEN_FDNAMES"), ":")
	haveNames := os.Getenv("LISTEN_FDNAMES") != ""
	for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		os.Unsetenv(v)
	}
	out := map[string][]net.Listener{}
	for i := 0; i < n; i++ {
		fd := listenFDsStart + i
		syscall.CloseOnExec(fd)
		f := os.NewFile(uintptr(fd), "activation")
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			closeAll(out)
			return nil, fmt.Errorf("activated descriptor %d is not a listening socket: %w", fd, err)
		}
		name := ""
		if haveNames && i < len(names) {
			name = names[i]
		} else if ul, ok := ln.(*net.UnixListener); ok {
			for _, sp := range specs {
				if ul.Addr().String() == sp.path {
					name = sp.unit
				}
			}
		}
		if !slices.Contains(units, name) {
			ln.Close()
			closeAll(out)
			return nil, fmt.Errorf("Some activated file descriptors are unclaimed (%q)", name)
		}
		out[name] = append(out[name], ln)
	}
	return out, nil
}

func closeAll(m map[string][]net.Listener) {
	for _, lns := range m {
		for _, ln := range lns {
			ln.Close()
		}
	}
}

// Package polkit asks polkitd, over the system bus, whether a local process may
// perform an action, as libvirt's virPolkitCheckAuth does for the unix sockets'
// auth_unix_rw/auth_unix_ro = "polkit".
package polkit

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

const (
	busName   = "org.freedesktop.PolicyKit1"
	object    = "/org/freedesktop/PolicyKit1/Authority"
	checkAuth = "org.freedesktop.PolicyKit1.Authority.CheckAuthorization"
	// allowUserInteraction is CheckAuthorizationFlags' AllowUserInteraction.
	allowUserInteraction = 1
)

// Result is polkit's answer.
type Result struct {
	Authorized bool
	// Challenge: the action needs an authentication agent the process does not have.
	Challenge bool
	// Dismissed: the user dismissed the agent's dialog.
	Dismissed bool
}

// Authority is a connection to polkitd, made at the first check and made again
// after the bus went away.
type Authority struct {
	mu   sync.Mutex
	conn *dbus.Conn
}

// Check asks whether process pid of uid may perform action.
func (a *Authority) Check(ctx context.Context, action string, pid, uid int, interactive bool) (Result, error) {
	start, err := StartTime(pid)
	if err != nil {
		return Result{}, err
	}
	conn, err := a.bus()
	if err != nil {
		return Result{}, err
	}
	subject := struct {
		Kind    string
		Details map[string]dbus.Variant
	}{"unix-process", map[string]dbus.Variant{
		"pid":        dbus.MakeVariant(uint32(pid)),
		"start-time": dbus.MakeVariant(start),
		"uid":        dbus.MakeVariant(int32(uid)),
	}}
	var flags uint32
	if interactive {
		flags = allowUserInteraction
	}
	var ret struct {
		Authorized, Challenge bool
		Details               map[string]string
	}
	call := conn.Object(busName, object).CallWithContext(ctx, checkAuth, 0, subject, action, map[string]string{}, flags, "")
	if call.Err != nil {
		if _, ok := call.Err.(dbus.Error); !ok {
			a.drop(conn)
		}
		return Result{}, call.Err
	}
	if err := call.Store(&ret); err != nil {
		return Result{}, err
	}
	return Result{Authorized: ret.Authorized, Challenge: ret.Challenge, Dismissed: ret.Details["polkit.dismissed"] == "true"}, nil
}

func (a *Authority) bus() (*dbus.Conn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn != nil && a.conn.Connected() {
		return a.conn, nil
	}
	// A connection of our own, not the shared one: closing it must not affect
	// anyone else in the process.
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return nil, err
	}
	a.conn = conn
	return conn, nil
}

func (a *Authority) drop(c *dbus.Conn) {
	a.mu.Lock()
	if a.conn == c {
		a.conn.Close()
		a.conn = nil
	}
	a.mu.Unlock()
}

// Close closes the bus connection.
func (a *Authority) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
}

// StartTime is a process's start time in clock ticks since boot (field 22 of
// /proc/PID/stat), which with the pid names the process to polkit unambiguously.
func StartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("cannot parse /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// After "pid (comm)" come state (field 3) ... starttime (field 22).
	if len(f) < 20 {
		return 0, fmt.Errorf("cannot parse /proc/%d/stat", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

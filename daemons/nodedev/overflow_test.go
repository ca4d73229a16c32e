package nodedev

import (
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/virtunit/virtunit/internal/netnstest"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// TestKernelReportsOverflow makes the kernel overflow a real uevent socket and checks
// that go-udev's read hands the ENOBUFS through, which is what makes the monitor
// re-enumerate (TestOverflowResyncs). The socket lives in a network namespace of its
// own, where the test's veths are the only uevent source.
func TestKernelReportsOverflow(t *testing.T) {
	name := netnstest.New(t).Name
	ns, err := netns.GetFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()

	conn := openIn(t, ns)
	defer conn.Close()
	// The smallest buffer the kernel allows, filled without reading. Reads time out
	// rather than hang if the kernel never says it dropped something.
	if err := unix.SetsockoptInt(conn.Fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 0); err != nil {
		t.Fatal(err)
	}
	tv := unix.Timeval{Sec: 5}
	if err := unix.SetsockoptTimeval(conn.Fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for i := range 32 {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("o%d", i)}, PeerName: fmt.Sprintf("p%d", i)}
		if err := h.LinkAdd(veth); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; ; i++ {
		msg, err := conn.ReadMsg()
		if errors.Is(err, unix.ENOBUFS) {
			break
		}
		if err != nil {
			t.Fatalf("read after %d messages: %v", i, err)
		}
		if i > 256 {
			t.Fatalf("no overflow after %d messages (last %q)", i, msg)
		}
	}
	// What was queued before the overflow is still there; after it, the socket
	// goes on delivering.
	if err := unix.SetNonblock(conn.Fd, true); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := conn.ReadMsg(); errors.Is(err, unix.EAGAIN) {
			break
		} else if err != nil {
			t.Fatalf("drain: %v", err)
		}
	}
	if err := unix.SetNonblock(conn.Fd, false); err != nil {
		t.Fatal(err)
	}
	if err := unix.SetsockoptInt(conn.Fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, ueventBuffer); err != nil {
		t.Fatal(err)
	}
	if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "after"}, PeerName: "after1"}); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := conn.ReadMsg()
		if err != nil {
			t.Fatalf("read after overflow: %v", err)
		}
		if e, err := parseUEvent(msg); err == nil && e.DevPath == "/devices/virtual/net/after" {
			return
		}
	}
}

// openIn opens the kernel uevent socket inside ns: a netlink socket belongs to the
// namespace of the thread that creates it.
func openIn(t *testing.T, ns netns.NsHandle) *udevConn {
	t.Helper()
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer orig.Close()
	if err := netns.Set(ns); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	conn, openErr := openUEvents(false, true)
	if err := netns.Set(orig); err != nil {
		// Leave the thread locked: the runtime discards it rather than reuse it in
		// the wrong namespace.
		t.Fatalf("cannot return to the original network namespace: %v", err)
	}
	runtime.UnlockOSThread()
	if openErr != nil {
		t.Fatal(openErr)
	}
	return conn
}

package nodedev

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/rpc"
)

var update = flag.Bool("update", false, "rewrite golden files")

// recorder collects the events the driver publishes.
type recorder struct{ ch chan rpc.Event }

func newRecorder() *recorder { return &recorder{ch: make(chan rpc.Event, 1024)} }

func (r *recorder) Publish(e rpc.Event) { r.ch <- e }

// next waits for the next event and describes it as "created name", "deleted name" or
// "update name".
func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case e := <-r.ch:
		return describeEvent(e)
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return ""
	}
}

// drain returns the events published so far.
func (r *recorder) drain() []string {
	var out []string
	for {
		select {
		case e := <-r.ch:
			out = append(out, describeEvent(e))
		default:
			return out
		}
	}
}

func describeEvent(e rpc.Event) string {
	switch m := e.Body(7).(type) {
	case libvirt.NodeDeviceEventLifecycleMsg:
		kind := map[int32]string{0: "created", 1: "deleted"}[m.Event]
		return kind + " " + m.Dev.Name
	case libvirt.NodeDeviceEventUpdateMsg:
		return "update " + m.Dev.Name
	}
	return fmt.Sprintf("unexpected %T", e.Body(7))
}

// fakeSource is a uevent socket made of a socketpair: the test writes messages into
// one end, and may script errors ReadMsg returns instead of the next message.
type fakeSource struct {
	r, w int
	errs chan error
}

func newFakeSource(t testing.TB) *fakeSource {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	return &fakeSource{r: fds[0], w: fds[1], errs: make(chan error, 4)}
}

func (f *fakeSource) fd() int { return f.r }

func (f *fakeSource) ReadMsg() ([]byte, error) {
	buf := make([]byte, 65536)
	n, err := unix.Read(f.r, buf)
	if err != nil {
		return nil, err
	}
	select {
	case err := <-f.errs:
		return nil, err
	default:
	}
	return buf[:n], nil
}

func (f *fakeSource) Close() error { return unix.Close(f.r) }

// send writes a kernel uevent for devpath.
func (f *fakeSource) send(t *testing.T, action, devpath, subsystem string, env ...string) {
	t.Helper()
	msg := action + "@" + devpath + "\x00ACTION=" + action + "\x00DEVPATH=" + devpath + "\x00SUBSYSTEM=" + subsystem + "\x00"
	for _, e := range env {
		msg += e + "\x00"
	}
	if _, err := unix.Write(f.w, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// startSample starts a driver on the sample host.
func startSample(t *testing.T) (*Driver, *fakeSys, *fakeSource, *recorder) {
	t.Helper()
	f, udev := sampleHost(t)
	src := newFakeSource(t)
	rec := newRecorder()
	d, err := start(config{sysRoot: f.root, udevData: udev, privileged: true, hostUUID: "6c3cdc3f-3ed2-4f0b-9a2b-3f7c6a0d3e11"}, src, rec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, f, src, rec
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", name, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, wl, gl)
		}
	}
	return ""
}

// TestSampleHostXML checks every device of the sample host against the XML libvirt's
// udev backend gives for such devices.
func TestSampleHostXML(t *testing.T) {
	d, _, _, _ := startSample(t)
	var b strings.Builder
	for _, dev := range d.reg.list(nil) {
		x, err := d.currentXML(dev.def.Name)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(x)
	}
	golden(t, "sample.golden", b.String())
}

// A daemon's driver reads sysfs only once a call needs the devices (or after its
// start-up delay); the call that needs them waits for the enumeration.
func TestEnumerationWaitsForFirstUse(t *testing.T) {
	f, udev := sampleHost(t)
	d, err := newDriver(config{sysRoot: f.root, udevData: udev, privileged: true}, newRecorder(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.background(newFakeSource(t), time.Hour); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	select {
	case <-d.ready:
		t.Fatal("devices enumerated before any call needed them")
	case <-time.After(20 * time.Millisecond):
	}
	if n := len(d.reg.list(func(*device) bool { return true })); n != 1 {
		t.Fatalf("%d devices known before enumeration, want only the computer", n)
	}
	ret, err := d.ConnectListAllNodeDevices(context.Background(), libvirt.ConnectListAllNodeDevicesArgs{NeedResults: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ret.Devices) < 2 {
		t.Fatalf("first listing found %d devices, want the sample host's", len(ret.Devices))
	}
}

// Closing a driver whose enumeration has not started does not wait for the delay.
func TestCloseBeforeEnumeration(t *testing.T) {
	f, udev := sampleHost(t)
	d, err := newDriver(config{sysRoot: f.root, udevData: udev}, newRecorder(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.background(newFakeSource(t), time.Hour); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { d.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the enumeration delay")
	}
}

package nodedev

import (
	"encoding/binary"
	"strings"
	"testing"
)

// udevMessage builds a libudev monitor message ("libudev\0" header, magic, properties
// offset) carrying props.
func udevMessage(props ...string) []byte {
	payload := strings.Join(props, "\x00") + "\x00"
	hdr := make([]byte, 40)
	copy(hdr, "libudev\x00")
	binary.BigEndian.PutUint32(hdr[8:], 0xfeedcafe)
	binary.NativeEndian.PutUint32(hdr[12:], 40)
	binary.NativeEndian.PutUint32(hdr[16:], 40)
	binary.NativeEndian.PutUint32(hdr[20:], uint32(len(payload)))
	return append(hdr, payload...)
}

func TestParseUEvent(t *testing.T) {
	for _, tc := range []struct {
		name, msg           string
		action, path, subsy string
		env                 map[string]string
	}{
		{
			name:   "kernel add",
			msg:    "add@/devices/virtual/net/veth0\x00ACTION=add\x00DEVPATH=/devices/virtual/net/veth0\x00SUBSYSTEM=net\x00INTERFACE=veth0\x00IFINDEX=7\x00SEQNUM=1234\x00",
			action: "add", path: "/devices/virtual/net/veth0", subsy: "net",
			env: map[string]string{"INTERFACE": "veth0", "IFINDEX": "7"},
		},
		{
			name:   "value with '='",
			msg:    "change@/devices/pci0000:00/0000:00:02.0\x00ACTION=change\x00DEVPATH=/devices/pci0000:00/0000:00:02.0\x00SUBSYSTEM=pci\x00MODALIAS=x=y=z\x00",
			action: "change", path: "/devices/pci0000:00/0000:00:02.0", subsy: "pci",
			env: map[string]string{"MODALIAS": "x=y=z"},
		},
		{
			// go-udev splits the header on every '@' and rejects this message.
			name:   "devpath with '@'",
			msg:    "add@/devices/platform/soc@0/3000000.mmc\x00ACTION=add\x00DEVPATH=/devices/platform/soc@0/3000000.mmc\x00SUBSYSTEM=platform\x00",
			action: "add", path: "/devices/platform/soc@0/3000000.mmc", subsy: "platform",
		},
		{
			// go-udev drops the whole message for one field without '='.
			name:   "field without '='",
			msg:    "remove@/devices/virtual/net/veth0\x00ACTION=remove\x00DEVPATH=/devices/virtual/net/veth0\x00SUBSYSTEM=net\x00garbage\x00",
			action: "remove", path: "/devices/virtual/net/veth0", subsy: "net",
		},
		{
			name:   "header only fields",
			msg:    "add@/devices/virtual/misc/tun\x00SUBSYSTEM=misc\x00",
			action: "add", path: "/devices/virtual/misc/tun", subsy: "misc",
		},
		{
			name:   "udev event",
			msg:    string(udevMessage("ACTION=add", "DEVPATH=/devices/virtual/block/loop0", "SUBSYSTEM=block", "ID_FS_UUID=a=b")),
			action: "add", path: "/devices/virtual/block/loop0", subsy: "block",
			env: map[string]string{"ID_FS_UUID": "a=b"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseUEvent([]byte(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			if e.Action != tc.action || e.DevPath != tc.path || e.Subsystem != tc.subsy {
				t.Errorf("got %q %q %q, want %q %q %q", e.Action, e.DevPath, e.Subsystem, tc.action, tc.path, tc.subsy)
			}
			for k, v := range tc.env {
				if e.Env[k] != v {
					t.Errorf("%s = %q, want %q", k, e.Env[k], v)
				}
			}
		})
	}
}

func TestParseUEventRejects(t *testing.T) {
	for name, msg := range map[string][]byte{
		"empty":            nil,
		"no action":        []byte("@/devices/x\x00"),
		"relative devpath": []byte("add@devices/x\x00ACTION=add\x00DEVPATH=devices/x\x00"),
		"dot-dot devpath":  []byte("add@/devices/../etc\x00ACTION=add\x00DEVPATH=/devices/../etc\x00"),
		"bad udev header":  append([]byte("libudev\x00"), make([]byte, 40)...),
		"oversized":        make([]byte, maxUEvent+1),
	} {
		if e, err := parseUEvent(msg); err == nil {
			t.Errorf("%s: accepted as %+v", name, e)
		}
	}
}

// FuzzParseUEvent checks that any message either parses into an event with an action
// and a safe absolute devpath, or is refused; never a panic.
func FuzzParseUEvent(f *testing.F) {
	f.Add([]byte("add@/devices/virtual/net/veth0\x00ACTION=add\x00DEVPATH=/devices/virtual/net/veth0\x00SUBSYSTEM=net\x00"))
	f.Add([]byte("add@/devices/platform/soc@0/x\x00SUBSYSTEM=platform\x00A=b=c\x00junk\x00"))
	f.Add(udevMessage("ACTION=remove", "DEVPATH=/devices/x", "SUBSYSTEM=block"))
	f.Add([]byte("libudev\x00"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := parseUEvent(msg)
		if err != nil {
			return
		}
		if e.Action == "" || !validDevPath(e.DevPath) || !strings.HasPrefix(e.Path(), "/sys/") {
			t.Fatalf("accepted %q as %+v", msg, e)
		}
	})
}

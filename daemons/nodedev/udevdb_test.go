package nodedev

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseUdevRecord(t *testing.T) {
	r, err := parseUdevRecord([]byte("S:disk/by-id/ata-X\nS:disk/by-path/pci-0000:00:17.0-ata-1\nW:3\nI:1234567\nE:ID_SERIAL=X_123\nE:ID_FS_UUID=a=b\nE:=nokey\nE:NOVALUE\nG:systemd\nQ:systemd\nV:1\nbogus\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	wantProps := map[string]string{"ID_SERIAL": "X_123", "ID_FS_UUID": "a=b"}
	if !reflect.DeepEqual(r.Props, wantProps) {
		t.Errorf("props %v, want %v", r.Props, wantProps)
	}
	wantLinks := []string{"/dev/disk/by-id/ata-X", "/dev/disk/by-path/pci-0000:00:17.0-ata-1"}
	if !reflect.DeepEqual(r.Links, wantLinks) {
		t.Errorf("links %v, want %v", r.Links, wantLinks)
	}
	if _, err := parseUdevRecord(make([]byte, maxUdevRecord+1)); err == nil {
		t.Error("oversized record accepted")
	}
}

func TestRecordID(t *testing.T) {
	for _, tc := range []struct {
		subsystem, sysname string
		props              map[string]string
		want               string
	}{
		{"block", "sda", map[string]string{"MAJOR": "8", "MINOR": "0"}, "b8:0"},
		{"drm", "card0", map[string]string{"MAJOR": "226", "MINOR": "0"}, "c226:0"},
		{"net", "eth0", map[string]string{"IFINDEX": "2"}, "n2"},
		{"pci", "0000:00:1f.6", map[string]string{}, "+pci:0000:00:1f.6"},
	} {
		if got := recordID(tc.subsystem, tc.sysname, tc.props); got != tc.want {
			t.Errorf("recordID(%s, %s) = %s, want %s", tc.subsystem, tc.sysname, got, tc.want)
		}
	}
}

func TestUdevDBLookup(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "n2"), []byte("E:ID_NET_NAME_PATH=enp0s31f6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := udevDB{dir: dir}
	r, ok, err := db.lookup("net", "eth0", map[string]string{"IFINDEX": "2"})
	if err != nil || !ok || r.Props["ID_NET_NAME_PATH"] != "enp0s31f6" {
		t.Fatalf("lookup: %v %v %v", r, ok, err)
	}
	if _, ok, err := db.lookup("net", "eth1", map[string]string{"IFINDEX": "3"}); ok || err != nil {
		t.Fatalf("missing record: %v %v", ok, err)
	}
	if _, ok, err := db.lookup("x", "../../etc/passwd", nil); ok || err != nil {
		t.Fatalf("path in sysname: %v %v", ok, err)
	}
	if _, ok, err := (udevDB{}).lookup("net", "eth0", nil); ok || err != nil {
		t.Fatalf("no udevd: %v %v", ok, err)
	}
}

// FuzzParseUdevRecord checks that any database file parses without panicking and
// yields only well-formed properties and absolute links.
func FuzzParseUdevRecord(f *testing.F) {
	f.Add([]byte("S:disk/by-id/x\nE:A=b=c\nI:1\nV:1\n"))
	f.Add([]byte("E:\nS:\n:\nE:=x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseUdevRecord(data)
		if err != nil {
			return
		}
		for k := range r.Props {
			if k == "" {
				t.Fatalf("empty property name from %q", data)
			}
		}
		for _, l := range r.Links {
			if len(l) <= len("/dev/") || l[:5] != "/dev/" {
				t.Fatalf("link %q from %q", l, data)
			}
		}
	})
}

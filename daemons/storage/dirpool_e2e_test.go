package storage_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestDirPool drives every pool and volume command virsh has against a dir pool of
// virtstoraged, comparing XML with libvirtd 9.0's and errors with its messages.
func TestDirPool(t *testing.T) {
	t.Parallel()
	d := startStoraged(t, daemontest.Options{})
	target := filepath.Join(poolDir(t), "gp")
	v := func(args ...string) string { return d.Virsh(t, args...) }

	v("pool-define-as", "gp", "dir", "--target", target)
	wantContains(t, "pool-list --inactive", v("pool-list", "--inactive"), "gp")
	v("pool-build", "gp")
	if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o711 {
		t.Fatalf("pool-build made %v (%v), want a 0711 directory", st, err)
	}
	wantFails(t, d, "No source device specified when formatting pool 'gp'", "pool-build", "gp", "--no-overwrite")
	v("pool-start", "gp")
	wantFails(t, d, "Requested operation is not valid: storage pool 'gp' is already active", "pool-start", "gp")
	wantGolden(t, "pool-dir.xml", v("pool-dumpxml", "gp"), target)
	wantContains(t, "pool-info", v("pool-info", "gp"), "State:          running", "Persistent:     yes", "Autostart:      no")

	// Definitions and links on disk, as libvirt keeps them.
	etc := filepath.Join(d.Dir, "system", "etc", "storage")
	if st, err := os.Stat(filepath.Join(etc, "gp.xml")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config file: %v %v", st, err)
	}
	v("pool-autostart", "gp")
	if l, err := os.Readlink(filepath.Join(etc, "autostart", "gp.xml")); err != nil || l != "/etc/libvirt/storage/gp.xml" {
		t.Errorf("autostart link = %q, %v", l, err)
	}
	if _, err := os.Stat(filepath.Join(d.Dir, "system", "run", "libvirt", "storage", "gp.xml")); err != nil {
		t.Errorf("no state file of the active pool: %v", err)
	}

	// pool-list filters.
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"--all"}, true}, {nil, true}, {[]string{"--inactive"}, false},
		{[]string{"--persistent"}, true}, {[]string{"--transient"}, false}, {[]string{"--autostart"}, true},
		{[]string{"--no-autostart"}, false}, {[]string{"--type", "dir"}, true}, {[]string{"--type", "fs,logical"}, false},
	} {
		if got := strings.Contains(v(append([]string{"pool-list"}, c.args...)...), "gp"); got != c.want {
			t.Errorf("pool-list %v lists gp: %v, want %v", c.args, got, c.want)
		}
	}

	// Volumes: qcow2 by qemu-img, qcow2 with features and preallocation, an overlay.
	v("vol-create-as", "gp", "q", "10M", "--format", "qcow2")
	wantGolden(t, "vol-qcow2-created.xml", v("vol-dumpxml", "--pool", "gp", "q"), target)
	v("vol-create", "gp", writeFile(t, `<volume><name>lazy.qcow2</name><capacity>10737418</capacity><allocation>0</allocation><target><format type="qcow2"/><features><lazy_refcounts/></features></target></volume>`), "--prealloc-metadata")
	info := qemuImgInfo(t, filepath.Join(target, "lazy.qcow2"))
	wantContains(t, "qemu-img info", info, "(10737664 bytes)", "compat: 1.1", "lazy refcounts: true")
	v("vol-create", "gp", writeFile(t, `<volume><name>ovl</name><capacity unit='M'>10</capacity><target><format type='qcow2'/></target><backingStore><path>`+target+`/q</path><format type='qcow2'/></backingStore></volume>`))
	wantGolden(t, "vol-overlay-created.xml", v("vol-dumpxml", "--pool", "gp", "ovl"), target)
	wantContains(t, "overlay's header", qemuImgInfo(t, filepath.Join(target, "ovl")), "backing file: "+target+"/q", "backing file format: qcow2")
	v("pool-refresh", "gp")
	wantGolden(t, "vol-lazy-refreshed.xml", v("vol-dumpxml", "--pool", "gp", "lazy.qcow2"), target)
	wantGolden(t, "vol-overlay-refreshed.xml", v("vol-dumpxml", "--pool", "gp", "ovl"), target)
	wantGolden(t, "vol-qcow2-refreshed.xml", v("vol-dumpxml", "--pool", "gp", "q"), target)

	// Raw volumes, made by the driver: allocated, or sparse.
	v("vol-create-as", "gp", "r", "4M")
	v("vol-create-as", "gp", "s", "4M", "--allocation", "0")
	wantContains(t, "vol-info r", v("vol-info", "--pool", "gp", "r"), "Capacity:       4.00 MiB", "Allocation:     4.00 MiB")
	wantContains(t, "vol-info s", v("vol-info", target+"/s"), "Capacity:       4.00 MiB", "Allocation:     0.00 B")

	// Clones, in the same format and across formats.
	v("vol-clone", "--pool", "gp", "q", "qclone")
	wantContains(t, "clone", qemuImgInfo(t, filepath.Join(target, "qclone")), "file format: qcow2", "(10485760 bytes)")
	v("vol-create-from", "gp", writeFile(t, `<volume><name>fromq.raw</name><capacity>1</capacity><target><format type='raw'/></target></volume>`), "--inputpool", "gp", "q")
	wantContains(t, "conversion", qemuImgInfo(t, filepath.Join(target, "fromq.raw")), "file format: raw", "(10485760 bytes)")
	v("vol-clone", "--pool", "gp", "r", "rclone")

	// Resize, with libvirt's rules for shrinking.
	v("vol-resize", "--pool", "gp", "r", "8M")
	wantFails(t, d, "invalid argument: can't shrink capacity below existing allocation", "vol-resize", "--pool", "gp", "r", "2M", "--shrink")
	wantFails(t, d, "invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly specified", "vol-resize", "--pool", "gp", "s", "2M")
	v("vol-resize", "--pool", "gp", "s", "2M", "--shrink")
	v("vol-resize", "--pool", "gp", "q", "20M")
	wantContains(t, "resized qcow2", qemuImgInfo(t, filepath.Join(target, "q")), "(20971520 bytes)")
	v("vol-resize", "--pool", "gp", "q", "--delta", "4M")
	wantContains(t, "grown qcow2", qemuImgInfo(t, filepath.Join(target, "q")), "(25165824 bytes)")

	// Wipe writes zeros over the data.
	os.WriteFile(filepath.Join(target, "r"), bytes.Repeat([]byte{0xa5}, 4<<20), 0o600)
	v("vol-wipe", "--pool", "gp", "r")
	if b, _ := os.ReadFile(filepath.Join(target, "r")); len(b) != 4<<20 || bytes.Count(b, []byte{0}) != len(b) {
		t.Errorf("after vol-wipe the volume holds %d bytes, not all zero", len(b))
	}
	wantFails(t, d, "argument unsupported: 'trim' algorithm not supported", "vol-wipe", "--pool", "gp", "r", "--algorithm", "trim")

	// Lookups by name, key and path.
	wantContains(t, "vol-key", v("vol-key", "--pool", "gp", "q"), target+"/q")
	wantContains(t, "vol-path", v("vol-path", "--pool", "gp", "q"), target+"/q")
	wantContains(t, "vol-pool", v("vol-pool", target+"/q"), "gp")
	wantContains(t, "vol-name", v("vol-name", target+"/q"), "q")
	wantFails(t, d, "Storage volume not found: no storage vol with matching path '/nonexistent'", "vol-info", "/nonexistent")
	wantFails(t, d, "Storage pool not found: no storage pool with matching name 'nope'", "pool-info", "nope")

	// A file copied in by hand appears after a refresh, with its format.
	os.Link(filepath.Join(target, "q"), filepath.Join(target, "copied"))
	if strings.Contains(v("vol-list", "gp"), "copied") {
		t.Error("a file copied in is listed before a refresh")
	}
	v("pool-refresh", "gp")
	wantContains(t, "refreshed copy", v("vol-dumpxml", "--pool", "gp", "copied"), "<format type='qcow2'/>")

	badInput(t, d, target)
	capabilitiesAndOtherTypes(t, d)

	// Delete volumes, then the pool.
	v("vol-delete", "--pool", "gp", "copied")
	if _, err := os.Lstat(filepath.Join(target, "copied")); err == nil {
		t.Error("vol-delete left the file")
	}
	wantFails(t, d, "Requested operation is not valid: storage pool 'gp' is still active", "pool-delete", "gp")
	v("pool-destroy", "gp")
	wantFails(t, d, "Requested operation is not valid: storage pool 'gp' is not active", "vol-list", "gp")
	wantFails(t, d, "failed to remove pool '"+target+"': Directory not empty", "pool-delete", "gp")
	ents, _ := os.ReadDir(target)
	for _, e := range ents {
		os.Remove(filepath.Join(target, e.Name()))
	}
	v("pool-delete", "gp")
	if _, err := os.Stat(target); err == nil {
		t.Error("pool-delete left the target directory")
	}
	v("pool-undefine", "gp")
	if _, err := os.Lstat(filepath.Join(etc, "autostart", "gp.xml")); err == nil {
		t.Error("pool-undefine left the autostart link")
	}
	if out := v("pool-list", "--all"); strings.Contains(out, "gp") {
		t.Errorf("undefined pool still listed:\n%s", out)
	}
}

// badInput feeds the pool what libvirt refuses: each gets libvirt's error, and nothing
// is written, inside the pool or out.
func badInput(t *testing.T, d *daemontest.Daemon, target string) {
	t.Helper()
	before := listDir(t, target)
	outside := filepath.Join(filepath.Dir(target), "outside")
	for _, c := range []struct {
		want string
		args []string
	}{
		{"Requested operation is not valid: volume name 'bad/name' cannot contain '/'", []string{"vol-create-as", "gp", "bad/name", "1M"}},
		{"Requested operation is not valid: volume target path '" + target + "/..' already exists", []string{"vol-create-as", "gp", "..", "1M"}},
		{"storage volume 'q' exists already", []string{"vol-create-as", "gp", "q", "1M"}},
		{"unsupported configuration: unknown volume format type bogus", []string{"vol-create-as", "gp", "c2", "1M", "--format", "bogus"}},
		{"internal error: Child process (/usr/bin/qemu-img create -f cow " + target + "/c1 1024K) unexpected exit status 1: qemu-img: " + target + "/c1: Unknown file format 'cow'", []string{"vol-create-as", "gp", "c1", "1M", "--format", "cow"}},
		{"XML error: missing capacity element", []string{"vol-create", "gp", writeFile(t, "<volume><name>nocap</name></volume>")}},
		{"XML error: malformed capacity element", []string{"vol-create", "gp", writeFile(t, "<volume><name>neg</name><capacity>-1</capacity></volume>")}},
		{"invalid argument: unknown suffix 'zz'", []string{"vol-create", "gp", writeFile(t, "<volume><name>u</name><capacity unit='zz'>1</capacity></volume>")}},
		{"XML error: expecting root element of 'volume', not 'pool'", []string{"vol-create", "gp", writeFile(t, "<pool/>")}},
		{"unsupported configuration: metadata preallocation is not supported for raw volumes", []string{"vol-create-as", "gp", "pr", "1M", "--prealloc-metadata"}},
		{"unsupported configuration: compatibility option only available with qcow2", []string{"vol-create", "gp", writeFile(t, "<volume><name>cr</name><capacity>1</capacity><target><format type='vmdk'/><compat>1.1</compat></target></volume>")}},
		{"operation failed: pool 'gp' already exists with uuid", []string{"pool-define-as", "gp", "dir", "--target", outside}},
		{"operation failed: Storage source conflict with pool: 'gp'", []string{"pool-define-as", "gp2", "dir", "--target", target}},
		{"XML error: Invalid value for attribute 'type' in element 'pool': 'bogus'.", []string{"pool-define-as", "p3", "bogus", "--target", outside}},
		{"XML error: name a/b cannot contain '/'", []string{"pool-define", writeFile(t, "<pool type='dir'><name>a/b</name><target><path>/x</path></target></pool>")}},
		{"XML error: missing storage pool target path", []string{"pool-define", writeFile(t, "<pool type='dir'><name>np</name></pool>")}},
		{"XML error: malformed octal mode", []string{"pool-define", writeFile(t, "<pool type='dir'><name>m</name><target><path>/x</path><permissions><mode>999</mode></permissions></target></pool>")}},
		{"internal error: missing backend for pool type 3 (logical)", []string{"pool-define-as", "lv", "logical", "--source-name", "vg", "--target", "/dev/vg"}},
		{"internal error: missing backend for pool type 2 (netfs)", []string{"pool-create-as", "nf", "netfs", "--source-host", "h", "--source-path", "/x", "--target", outside}},
		{"this function is not supported by the connection driver: pool type 'dir' does not support source discovery", []string{"find-storage-pool-sources-as", "dir"}},
	} {
		wantFails(t, d, c.want, c.args...)
	}
	// A target path given in the volume's XML is ignored: the volume is in the pool.
	d.Virsh(t, "vol-create", "gp", writeFile(t, "<volume><name>placed</name><capacity>1024</capacity><target><path>"+outside+"</path></target></volume>"))
	wantContains(t, "vol-path", d.Virsh(t, "vol-path", "--pool", "gp", "placed"), target+"/placed")
	d.Virsh(t, "vol-delete", "--pool", "gp", "placed")
	if _, err := os.Lstat(outside); err == nil {
		t.Errorf("%s was created outside the pool", outside)
	}
	if after := listDir(t, target); after != before {
		t.Errorf("bad input changed the pool directory:\nbefore %s\nafter  %s", before, after)
	}
}

func listDir(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// capabilitiesAndOtherTypes checks pool-capabilities against libvirt 9.0's: the same
// document, with the types virtunit refuses marked unsupported.
func capabilitiesAndOtherTypes(t *testing.T, d *daemontest.Daemon) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata", "libvirt9", "pool-capabilities.xml"))
	if err != nil {
		t.Fatal(err)
	}
	exp := string(want)
	for _, typ := range []string{"netfs", "logical", "disk", "iscsi", "scsi", "mpath"} {
		exp = strings.Replace(exp, "<pool type='"+typ+"' supported='yes'>", "<pool type='"+typ+"' supported='no'>", 1)
	}
	if got := d.Virsh(t, "pool-capabilities"); strings.TrimSpace(got) != strings.TrimSpace(exp) {
		t.Errorf("pool-capabilities:\n%s\nwant:\n%s", got, exp)
	}
}

package storage

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func image(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Fatal("qemu-img is not installed: the probe is tested on its images")
	}
	out, err := exec.Command("qemu-img", append([]string{"create", "-q"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("qemu-img create %v: %v\n%s", args, err, out)
	}
	return args[len(args)-2]
}

// TestProbe reads images qemu-img made, as a pool refresh does.
func TestProbe(t *testing.T) {
	dir := t.TempDir()
	base := image(t, "-f", "raw", filepath.Join(dir, "base.raw"), "1M")
	v2 := image(t, "-f", "qcow2", "-o", "compat=0.10", filepath.Join(dir, "v2.qcow2"), "3M")
	lazy := image(t, "-f", "qcow2", "-o", "compat=1.1,lazy_refcounts=on", filepath.Join(dir, "lazy.qcow2"), "5M")
	ovl := image(t, "-f", "qcow2", "-b", "base.raw", "-F", "raw", filepath.Join(dir, "ovl.qcow2"), "2M")
	vmdk := image(t, "-f", "vmdk", filepath.Join(dir, "d.vmdk"), "4M")
	vdi := image(t, "-f", "vdi", filepath.Join(dir, "d.vdi"), "6M")
	for _, c := range []struct {
		path     string
		format   int
		capacity uint64
		compat   string
		lazy     bool
	}{
		{base, fmtRaw, 1 << 20, "", false},
		{v2, fmtQcow2, 3 << 20, "", false},
		{lazy, fmtQcow2, 5 << 20, "1.1", true},
		{ovl, fmtQcow2, 2 << 20, "1.1", false},
		{vmdk, 16, 4 << 20, "", false},
		{vdi, 8, 6 << 20, "", false},
	} {
		v, err := probeVol(c.path, filepath.Base(c.path))
		if err != nil {
			t.Fatal(err)
		}
		tg := v.Target
		if tg.Format != c.format || tg.Capacity != c.capacity || tg.Compat != c.compat || tg.hasFeature(0) != c.lazy {
			t.Errorf("%s: format %s capacity %d compat %q lazy %v", filepath.Base(c.path), fileFormats[tg.Format], tg.Capacity, tg.Compat, tg.hasFeature(0))
		}
	}
	v, err := probeVol(ovl, "ovl.qcow2")
	if err != nil || v.Backing == nil || v.Backing.Path != base || v.Backing.Format != fmtRaw || v.Backing.Capacity != 1<<20 {
		t.Errorf("overlay's backing store: %+v %v", v.Backing, err)
	}
	if _, err := probeVol(filepath.Join(dir, "nonexistent"), "x"); err != errSkip {
		t.Errorf("a missing file: %v", err)
	}
	os.Symlink("nowhere", filepath.Join(dir, "dangling"))
	if _, err := probeVol(filepath.Join(dir, "dangling"), "dangling"); err != errSkip {
		t.Errorf("a dangling link: %v", err)
	}
}

// FuzzProbe: any header is read without a panic or a read out of bounds.
func FuzzProbe(f *testing.F) {
	f.Add([]byte("QFI\xfb\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x70\x00\x00\x00\x05"))
	f.Add([]byte("KDMV\x01\x00\x00\x00"))
	f.Add(append(bytes.Repeat([]byte{0}, 0x200), []byte(`parentFileNameHint="x`)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		info := readImage(newHeader(bytes.NewReader(b), int64(len(b))))
		if info.format < 0 || info.format >= len(fileFormats) {
			t.Fatalf("format %d", info.format)
		}
		headerCapacity(newHeader(bytes.NewReader(b), int64(len(b))), info.format)
	})
}

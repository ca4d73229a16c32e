package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// TestScanHead reads name and UUID the way a full decode does, from files as libvirt
// writes them (the quick path) and from any other well-formed layout (the tokenizer).
func TestScanHead(t *testing.T) {
	const u = "0e8f4a4c-0c47-4d38-9c33-2d6ff1d0b401"
	cases := []struct {
		doc, name, uuid string
		quick           bool
	}{
		{fmt.Sprintf(configHeader, "a") + "<domain type='qemu'>\n  <name>a</name>\n  <uuid>" + u + "</uuid>\n  <os/></domain>\n", "a", u, true},
		{"<?xml version='1.0'?>\n<domain type=\"kvm\" id='3'><uuid>" + u + "</uuid><name>b c</name></domain>", "b c", u, true},
		{"<domain type='qemu'><name>a&amp;b</name><uuid>" + u + "</uuid></domain>", "a&b", u, false},
		{"<domain type='qemu'><name><![CDATA[x]]></name><uuid>" + u + "</uuid></domain>", "x", u, false},
		{"<domain type='qemu'><metadata><name>not</name></metadata><name>real</name><devices/><uuid>" + u + "</uuid></domain>", "real", u, false},
		{"<domain\n type='qemu'>\r\n<name>crlf</name>\r\n<uuid>" + u + "</uuid></domain>", "crlf", u, true},
		{"<domain type='qemu'><name>cr\r</name><uuid>" + u + "</uuid></domain>", "cr\n", u, false},
	}
	for _, c := range cases {
		name, uuid, err := scanHead(c.doc)
		if err != nil || name != c.name || uuid != c.uuid {
			t.Errorf("scanHead(%q) = %q, %q, %v; want %q, %q", c.doc, name, uuid, err, c.name, c.uuid)
		}
		if _, _, ok := quickHead(c.doc); ok != c.quick {
			t.Errorf("quickHead(%q) ok = %v, want %v", c.doc, ok, c.quick)
		}
	}
	for _, bad := range []string{
		"",
		"<network><name>n</name><uuid>" + u + "</uuid></network>",
		"<domain type='qemu'><name>broken",
		"<domain type='qemu'><name>x</name></domain>",
		"<domain type='qemu'><devices><name>x</name><uuid>" + u + "</uuid></devices></domain>",
		"<domain type='qemu'/>",
	} {
		if name, uuid, err := scanHead(bad); err == nil {
			t.Errorf("scanHead(%q) = %q, %q, want an error", bad, name, uuid)
		}
	}
}

// TestScanHeadMatchesDecode: on every definition in testdata the head is what a full
// decode finds.
func TestScanHeadMatchesDecode(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.defined")
	more, _ := filepath.Glob("testdata/*/*.xml")
	files = append(files, more...)
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		def, err := decodeDomain(string(data))
		if err != nil || def.UUID == "" {
			continue // not a complete domain definition
		}
		n++
		name, uuid, err := scanHead(string(data))
		if err != nil || name != def.Name || uuid != def.UUID {
			t.Errorf("%s: head %q %q %v, decode %q %q", f, name, uuid, err, def.Name, def.UUID)
		}
	}
	if n < 5 {
		t.Fatalf("only %d definitions with a UUID in testdata", n)
	}
}

// TestReadSmall reads files of every size whole, and /proc files whose size stat
// reports as 0.
func TestReadSmall(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 4095, 4096, 70000} {
		want := strings.Repeat("x", size)
		path := filepath.Join(dir, fmt.Sprint(size))
		if err := os.WriteFile(path, []byte(want), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := readSmall(path); err != nil || got != want {
			t.Errorf("size %d: %d bytes, %v", size, len(got), err)
		}
	}
	if _, err := readSmall(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	got, err := readSmall("/proc/self/stat")
	if err != nil || !strings.Contains(got, ") ") {
		t.Errorf("/proc/self/stat: %q, %v", got, err)
	}
	if !processAlive(os.Getpid()) {
		t.Error("processAlive says this process is not alive")
	}
}

// TestStoredDefinitions: start-up registers every definition from its head; the first
// call that needs one decodes it, and a file that turns out not to decode is dropped
// then, logged, and left on disk, as a full decode at start-up would have skipped it.
func TestStoredDefinitions(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	d := &Driver{doms: newRegistry(), log: slog.New(slog.NewTextHandler(&logs, nil))}
	d.dirs.config, d.dirs.autostart = dir, filepath.Join(dir, "autostart")
	good, err := os.ReadFile("testdata/virtinst/import-generic.defined")
	if err != nil {
		t.Fatal(err)
	}
	goodDef, err := decodeDomain(string(good))
	if err != nil {
		t.Fatal(err)
	}
	const badUUID = "5f6c1c6e-5d1e-4f3a-9d55-0a7b1c2d3e4f"
	files := map[string]string{
		goodDef.Name + ".xml": string(good),
		"half.xml":            "<domain type='qemu'><name>half</name><uuid>" + badUUID + "</uuid></domain>",
		"other.xml":           "<domain type='qemu'><name>misnamed</name><uuid>" + badUUID + "</uuid></domain>",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(d.dirs.autostart, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, goodDef.Name+".xml"), filepath.Join(d.dirs.autostart, goodDef.Name+".xml")); err != nil {
		t.Fatal(err)
	}
	d.loadConfigs()
	if !strings.Contains(logs.String(), "other.xml") {
		t.Errorf("a file whose name does not match is not skipped at start:\n%s", logs.String())
	}
	var names []string
	for _, dom := range d.doms.all() {
		if dom.def != nil || dom.stored == nil || !dom.persistent {
			t.Errorf("%s after start: def %v, stored %v, persistent %v", dom.name, dom.def != nil, dom.stored != nil, dom.persistent)
		}
		names = append(names, dom.name)
	}
	if strings.Join(names, " ") != goodDef.Name+" half" {
		t.Fatalf("registered %v", names)
	}
	g := d.doms.byNameOf(goodDef.Name)
	if !g.autostart || d.doms.byNameOf("half").autostart {
		t.Error("autostart not read from the autostart directory")
	}
	if _, err := d.find(g.ref()); err != nil || g.def != nil {
		t.Errorf("find decoded the definition (%v)", err)
	}
	dom, err := d.get(g.ref())
	if err != nil || dom.def == nil || dom.stored != nil || dom.def.UUID != goodDef.UUID || len(dom.def.Devices.Disks) != len(goodDef.Devices.Disks) {
		t.Fatalf("get: %v", err)
	}
	h := d.doms.byNameOf("half")
	_, err = d.get(h.ref())
	var verr *virerror.Error
	if !errors.As(err, &verr) || verr.Code != libvirt.ErrNoDomain {
		t.Errorf("get of an undecodable definition: %v", err)
	}
	if d.doms.byNameOf("half") != nil {
		t.Error("undecodable definition still registered")
	}
	if !strings.Contains(logs.String(), "skipping domain config that cannot be loaded") || !strings.Contains(logs.String(), "half.xml") {
		t.Errorf("log lacks the skipped file:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "half.xml")); err != nil {
		t.Errorf("undecodable file removed: %v", err)
	}
}

// TestCheckStored checks the decode soon after start-up: an undecodable file goes,
// logged, and a good definition stays stored, undecoded.
func TestCheckStored(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	d := &Driver{doms: newRegistry(), log: slog.New(slog.NewTextHandler(&logs, nil))}
	d.ctx, d.cancel = context.WithCancel(t.Context())
	defer d.cancel()
	d.dirs.config, d.dirs.autostart = dir, filepath.Join(dir, "autostart")
	good, err := os.ReadFile("testdata/virtinst/import-generic.defined")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gen.xml"), good, 0o600); err != nil {
		t.Fatal(err)
	}
	half := "<domain type='qemu'><name>half</name><uuid>5f6c1c6e-5d1e-4f3a-9d55-0a7b1c2d3e4f</uuid></domain>"
	if err := os.WriteFile(filepath.Join(dir, "half.xml"), []byte(half), 0o600); err != nil {
		t.Fatal(err)
	}
	d.loadConfigs()
	if d.doms.byNameOf("half") == nil || d.doms.byNameOf("gen") == nil {
		t.Fatal("definitions not registered at start")
	}
	d.wg.Add(1)
	d.checkStored(0)
	if d.doms.byNameOf("half") != nil {
		t.Error("undecodable definition still registered after the check")
	}
	if !strings.Contains(logs.String(), "half.xml") {
		t.Errorf("log lacks the skipped file:\n%s", logs.String())
	}
	g := d.doms.byNameOf("gen")
	if g == nil || g.stored == nil || g.def != nil {
		t.Errorf("good definition after the check: %+v", g)
	}
}

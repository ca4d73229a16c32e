package qemu_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestDefinedDomains drives everything that needs no running guest through virsh:
// define, list, lookups, dominfo, domstate, dumpxml, autostart, undefine, and the
// events they cause.
func TestDefinedDomains(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	ev := watchEvents(t, d)
	wantContains(t, "virsh version", d.Virsh(t, "version"), "Running hypervisor: QEMU ")
	caps := d.Virsh(t, "capabilities")
	wantContains(t, "capabilities", caps, "<os_type>hvm</os_type>", "<arch name='x86_64'>",
		"<emulator>/usr/bin/qemu-system-x86_64</emulator>", "canonical='pc-i440fx-", "<domain type='qemu'/>")
	if strings.Contains(caps, "<domain type='kvm'/>") {
		t.Errorf("capabilities offer kvm on a host without usable KVM (the session user cannot open /dev/kvm)")
	}

	define(t, d, domainXML("vm1", ""))
	ev.expect(t, "event 'lifecycle' for domain 'vm1': Defined Added")
	// The same name again without a UUID gets a new UUID, which clashes.
	wantContains(t, "second define", virshFails(t, d, "define", xmlFile(t, domainXML("vm1", ""))), "already exists with uuid")
	if out := d.Virsh(t, "list", "--all"); !regexp.MustCompile(`-\s+vm1\s+shut off`).MatchString(out) {
		t.Errorf("list --all: %q", out)
	}
	if out := d.Virsh(t, "list"); strings.Contains(out, "vm1") {
		t.Errorf("inactive domain in plain list: %q", out)
	}
	uuid := strings.TrimSpace(d.Virsh(t, "domuuid", "vm1"))
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(uuid) {
		t.Errorf("domuuid %q", uuid)
	}
	if n := strings.TrimSpace(d.Virsh(t, "domname", uuid)); n != "vm1" {
		t.Errorf("domname %s = %q", uuid, n)
	}
	if id := strings.TrimSpace(d.Virsh(t, "domid", "vm1")); id != "-" {
		t.Errorf("domid of an inactive domain = %q", id)
	}
	info := d.Virsh(t, "dominfo", "vm1")
	for _, re := range []string{`Id:\s+-`, `Name:\s+vm1`, `OS Type:\s+hvm`, `State:\s+shut off`, `CPU\(s\):\s+1`,
		`Max memory:\s+32768 KiB`, `Persistent:\s+yes`, `Autostart:\s+disable`, `Security model:\s+none`} {
		if !regexp.MustCompile(re).MatchString(info) {
			t.Errorf("dominfo lacks %s:\n%s", re, info)
		}
	}
	// No NUMA placement: libvirt's defaults for a guest without <numatune>, and a
	// change refused as the definition would be.
	wantContains(t, "numatune", d.Virsh(t, "numatune", "vm1"), "numa_mode      : strict", "numa_nodeset   : \n")
	wantContains(t, "numatune --nodeset", virshFails(t, d, "numatune", "vm1", "--config", "--nodeset", "0"),
		"NUMA placement (<numatune>, <cpu><numa>) is not supported by virtunit yet")
	if st := strings.TrimSpace(d.Virsh(t, "domstate", "--reason", "vm1")); st != "shut off (unknown)" {
		t.Errorf("domstate --reason = %q", st)
	}
	xml := d.Virsh(t, "dumpxml", "vm1")
	wantContains(t, "dumpxml", xml, "<uuid>"+uuid+"</uuid>", "<memory unit='KiB'>32768</memory>",
		"<currentMemory unit='KiB'>32768</currentMemory>", "machine='pc-i440fx-", "<on_poweroff>destroy</on_poweroff>",
		"<emulator>/usr/bin/qemu-system-x86_64</emulator>", "<memballoon model='none'/>")
	if inactive := d.Virsh(t, "dumpxml", "--inactive", "vm1"); inactive != xml {
		t.Errorf("dumpxml --inactive of an inactive domain differs:\n%s\n%s", inactive, xml)
	}

	d.Virsh(t, "autostart", "vm1")
	if out := d.Virsh(t, "list", "--all", "--autostart", "--name"); strings.TrimSpace(out) != "vm1" {
		t.Errorf("list --autostart: %q", out)
	}
	link := filepath.Join(d.Dir, "config", "libvirt", "qemu", "autostart", "vm1.xml")
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("autostart link: %v", err)
	}
	d.Virsh(t, "autostart", "--disable", "vm1")
	if out := d.Virsh(t, "list", "--all", "--no-autostart", "--name"); strings.TrimSpace(out) != "vm1" {
		t.Errorf("list --no-autostart: %q", out)
	}

	// Redefining with the same UUID updates.
	define(t, d, strings.Replace(domainXML("vm1", ""), "<name>", "<uuid>"+uuid+"</uuid><name>", 1))
	ev.expect(t, "event 'lifecycle' for domain 'vm1': Defined Updated")

	d.Virsh(t, "undefine", "vm1")
	ev.expect(t, "event 'lifecycle' for domain 'vm1': Undefined Removed")
	if out := d.Virsh(t, "list", "--all", "--name"); strings.TrimSpace(out) != "" {
		t.Errorf("list after undefine: %q", out)
	}
	if _, err := os.Stat(filepath.Join(d.Dir, "config", "libvirt", "qemu", "vm1.xml")); !os.IsNotExist(err) {
		t.Errorf("config file after undefine: %v", err)
	}
}

// TestDefineErrors checks libvirt's codes and texts for definitions and lookups that
// must fail, and that the read-only connection refuses every change.
func TestDefineErrors(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	define(t, d, domainXML("vm1", ""))
	uuid := strings.TrimSpace(d.Virsh(t, "domuuid", "vm1"))
	cases := []struct {
		name, xml, want string
	}{
		{"not well-formed", "<domain type='qemu'><name>x</name>", "(domain_definition):1:"},
		{"wrong root", "<network/>", "XML error: expecting root element of 'domain', not 'network'"},
		{"no name", "<domain type='qemu'><memory>1024</memory><os><type>hvm</type></os></domain>", "missing name information"},
		{"slash", domainXML("a/b", ""), "XML error: name a/b cannot contain '/'"},
		{"dotdot", domainXML("..", ""), "XML error: name .. cannot be '.' or '..'"},
		{"dash", domainXML("-x", ""), "XML error: name -x cannot start with '-'"},
		{"control", domainXML("a\tb", ""), "cannot contain control characters"},
		{"bad uuid", strings.Replace(domainXML("u", ""), "<name>", "<uuid>zz</uuid><name>", 1), "internal error: malformed uuid element"},
		{"bad memory", strings.Replace(domainXML("m", ""), "32", "lots", 1), "XML error: Invalid value 'lots'"},
		{"no memory", strings.Replace(domainXML("m", ""), "<memory unit='MiB'>32</memory>", "", 1), "Memory size must be specified"},
		{"xen", strings.Replace(domainXML("x", ""), "type='qemu'", "type='xen'", 1), "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'xen'"},
		{"kvm", strings.Replace(domainXML("k", ""), "type='qemu'", "type='kvm'", 1), "does not support virt type 'kvm'"},
		{"machine", strings.Replace(domainXML("k", ""), "machine='pc'", "machine='virt'", 1), "does not support machine type 'virt'"},
		{"duplicate name", domainXML("vm1", ""), "operation failed: domain 'vm1' already exists with uuid " + uuid},
		{"duplicate uuid", strings.Replace(domainXML("vm2", ""), "<name>", "<uuid>"+uuid+"</uuid><name>", 1), "operation failed: domain 'vm1' is already defined with uuid " + uuid},
	}
	for _, c := range cases {
		if errOut := virshFails(t, d, "define", xmlFile(t, c.xml)); !strings.Contains(errOut, c.want) {
			t.Errorf("%s: error %q, want %q", c.name, errOut, c.want)
		}
	}
	for args, want := range map[string]string{
		// virsh replaces the lookup error by its own words; the python test checks ours.
		"dominfo nope": "failed to get domain 'nope'",
		"dominfo 42":   "failed to get domain '42'",
		"domstate 0e8f4a4c-0c47-4d38-9c33-2d6ff1d0b4a1": "failed to get domain '0e8f4a4c-0c47-4d38-9c33-2d6ff1d0b4a1'",
		"undefine --nvram --keep-nvram vm1":             "",
	} {
		errOut := virshFails(t, d, strings.Fields(args)...)
		if want != "" && !strings.Contains(errOut, want) {
			t.Errorf("virsh %s: %q, want %q", args, errOut, want)
		}
	}

	// Read-only connections may look but not touch.
	ro := func(args ...string) (string, error) {
		_, errOut, err := daemontest.Run(t.Context(), append(os.Environ(), "LIBVIRT_AUTOSTART=0"),
			"virsh", append([]string{"-r", "-q", "-c", d.URI("")}, args...)...)
		return errOut, err
	}
	if errOut, err := ro("dominfo", "vm1"); err != nil {
		t.Errorf("read-only dominfo: %v %s", err, errOut)
	}
	for _, args := range [][]string{{"define", xmlFile(t, domainXML("vm3", ""))}, {"undefine", "vm1"},
		{"autostart", "vm1"}, {"start", "vm1"}, {"create", xmlFile(t, domainXML("vm4", ""))}, {"destroy", "vm1"},
		{"shutdown", "vm1"}, {"reboot", "vm1"}, {"reset", "vm1"}, {"suspend", "vm1"}, {"resume", "vm1"}} {
		errOut, err := ro(args...)
		if err == nil || !strings.Contains(errOut, "operation forbidden: read only access prevents") {
			t.Errorf("read-only %v: %v %q", args, err, errOut)
		}
	}
}

// TestConfigsSurviveRestart defines domains, restarts the daemon and finds them again;
// a corrupt file among them is logged and skipped, and left in place.
func TestConfigsSurviveRestart(t *testing.T) {
	t.Parallel()
	d := startQemud(t, daemontest.Options{})
	define(t, d, domainXML("keep1", ""))
	define(t, d, domainXML("keep2", ""))
	d.Virsh(t, "autostart", "keep2")
	bad := filepath.Join(d.Dir, "config", "libvirt", "qemu", "broken.xml")
	daemontest.WriteFileAs(t, bad, "<domain type='qemu'><name>broken")
	d = restart(t, d, daemontest.Options{})
	if out := d.Virsh(t, "list", "--all", "--name"); strings.Fields(out)[0] != "keep1" || len(strings.Fields(out)) != 2 {
		t.Errorf("after restart: %q", out)
	}
	if out := d.Virsh(t, "list", "--all", "--autostart", "--name"); strings.TrimSpace(out) != "keep2" {
		t.Errorf("autostart after restart: %q", out)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Errorf("corrupt file was removed: %v", err)
	}
	wantContains(t, "daemon log", d.Log(), "skipping domain config that cannot be loaded", "broken.xml")
}

// TestBadQemuConf: a qemu.conf error stops the daemon at start, naming file and line,
// as a bad daemon config does.
func TestBadQemuConf(t *testing.T) {
	t.Parallel()
	daemontest.RequireTool(t, "virsh")
	dir := daemontest.ScratchDir(t)
	daemontest.MkdirAs(t, filepath.Join(dir, "config")) // MkdirAs hands over only the last level
	daemontest.WriteFileAs(t, filepath.Join(dir, "config", "libvirt", "qemu.conf"), "user = \"x\"\nmax_files = \"many\"\n")
	d := startDaemon(t, "virtqemud", daemontest.Options{Dir: dir, NoWait: true})
	code, err := d.Wait(10 * time.Second)
	if err != nil || code == 0 {
		t.Fatalf("daemon with a bad qemu.conf: exit %d, %v", code, err)
	}
	wantContains(t, "daemon log", d.Log(), "qemu.conf:2: expected an unsigned integer for 'max_files' parameter")
}

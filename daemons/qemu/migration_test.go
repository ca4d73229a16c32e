package qemu_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// migrationHost is one of the two hosts of the migration tests: a network
// namespace, its own mount namespace and state, and libvirtd -l serving qemu+tcp.
type migrationHost struct {
	ns   *netnstest.NS
	d    *daemontest.Daemon
	addr string
	ev   *eventWatcher
}

// URI is how the other host and the client reach this one.
func (h *migrationHost) URI() string { return "qemu+tcp://" + h.addr + "/system" }

// virsh runs stock virsh inside the host's network namespace, over TCP.
func (h *migrationHost) virsh(args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return daemontest.Run(ctx, append(os.Environ(), "LIBVIRT_AUTOSTART=0"),
		"ip", append([]string{"netns", "exec", h.ns.Name, "virsh", "-q", "-c", h.URI()}, args...)...)
}

func (h *migrationHost) mustVirsh(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := h.virsh(args...)
	if err != nil {
		t.Fatalf("virsh -c %s %s: %v\nstdout: %s\nstderr: %s", h.URI(), strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// startMigrationHosts makes two hosts joined by a veth pair, 198.51.100.2 and .3.
func startMigrationHosts(t *testing.T) (*migrationHost, *migrationHost) {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "qemu-img", "ip")
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: two system-mode daemons in network namespaces")
	}
	a, b := &migrationHost{ns: netnstest.New(t), addr: "198.51.100.2"}, &migrationHost{ns: netnstest.New(t), addr: "198.51.100.3"}
	a.ns.MustRun(t, "ip", "link", "add", "vumig0", "type", "veth", "peer", "name", "vumig1", "netns", b.ns.Name)
	for i, h := range []*migrationHost{a, b} {
		dev := fmt.Sprintf("vumig%d", i)
		h.ns.MustRun(t, "ip", "addr", "add", h.addr+"/24", "dev", dev)
		h.ns.MustRun(t, "ip", "link", "set", dev, "up")
		dir := daemontest.ScratchDir(t)
		// qemu.conf tells a source which address reaches this host's QEMU: the
		// host name resolves to nothing between these namespaces.
		etc := filepath.Join(dir, "system", "etc")
		if err := os.MkdirAll(etc, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(etc, "qemu.conf"), []byte(fmt.Sprintf("migration_host = %q\n", h.addr)), 0o644); err != nil {
			t.Fatal(err)
		}
		h.d = startDaemon(t, "libvirtd", daemontest.Options{System: true, NetNS: h.ns.Name, Dir: dir, Args: []string{"-l"},
			Config: fmt.Sprintf("listen_tls = 0\nlisten_tcp = 1\nauth_tcp = \"none\"\nhost_uuid = \"8f1c2a3e-0000-4000-8000-00000000000%d\"\n", i+1)})
		h.ev = watchEvents(t, h.d)
	}
	return a, b
}

// hostHas reports what of guest name a host still has: its QEMU, its status file,
// its private directory.
func hostHas(h *migrationHost, name string) []string {
	var left []string
	if qemuPid(h.d, name) != 0 {
		left = append(left, "a QEMU process")
	}
	run := filepath.Join(h.d.Dir, "system", "run", "libvirt", "qemu")
	if _, err := os.Stat(filepath.Join(run, name+".xml")); err == nil {
		left = append(left, "a status file")
	}
	if m, _ := filepath.Glob(filepath.Join(run, "*-"+name)); len(m) > 0 {
		left = append(left, "a private directory")
	}
	return left
}

// TestMigration moves a Linux guest between two hosts with stock virsh over
// qemu+tcp: peer to peer and back directly (its shell answering on each arrival), the
// job's statistics and events on both sides, offline migration of a definition,
// domjobabort, and the refusals after which the source guest runs on untouched and
// the destination keeps nothing.
func TestMigration(t *testing.T) {
	a, b := startMigrationHosts(t)
	kernel, initrd := qemutest.LinuxGuest(t)
	dir, err := os.MkdirTemp("", "vu-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	disk := filepath.Join(dir, "disk.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", disk, "16M")
	guestXML := fmt.Sprintf(`<domain type='qemu'>
  <name>mig</name>
  <uuid>5a1d0c77-5c4b-4d39-9d1e-2b7f3c1a0e01</uuid>
  <memory unit='MiB'>%d</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>%s</cmdline></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`, qemutest.LinuxMemoryMiB, kernel, initrd, qemutest.LinuxCmdline, disk)
	define(t, a.d, guestXML)
	a.d.Virsh(t, "start", "--paused", "mig")
	con := virshConsole(t, a.d, "mig")
	con.expect(t, "Escape character is ^]")
	a.d.Virsh(t, "resume", "mig")
	con.expect(t, qemutest.LinuxReady)

	// answers checks the guest's shell on host h: the state came along.
	answers := func(t *testing.T, h *migrationHost, n int) {
		t.Helper()
		c := virshConsole(t, h.d, "mig")
		c.expect(t, "Escape character is ^]")
		c.waitRaw(t)
		c.master.Write([]byte(fmt.Sprintf("echo $((%d*7))-answer\r", n)))
		c.expect(t, fmt.Sprintf("%d-answer", n*7))
		c.quit(t)
	}

	t.Run("p2p", func(t *testing.T) {
		pid := qemuPid(a.d, "mig")
		a.mustVirsh(t, "migrate", "--live", "--p2p", "--persistent", "--undefinesource", "mig", b.URI())
		wantState(t, b.d, "mig", "running (migrated)")
		if out, _, err := a.d.VirshErr("domstate", "mig"); err == nil {
			t.Errorf("the source still has the guest after --undefinesource: %s", out)
		}
		if pid == 0 || qemuPid(a.d, "mig") != 0 {
			t.Errorf("the source's QEMU (pid %d) is still there", pid)
		}
		if left := hostHas(a, "mig"); len(left) > 0 {
			t.Errorf("the source kept %v", left)
		}
		wantContains(t, "destination's dominfo", b.d.Virsh(t, "dominfo", "mig"), "Persistent:     yes")
		a.ev.expect(t, "'mig': Suspended Migrated", "'mig': Stopped Migrated", "'mig': Undefined Removed")
		b.ev.expect(t, "'mig': Started Migrated", "'mig': Resumed Migrated", "'mig': Defined Added")
		job := b.d.Virsh(t, "domjobinfo", "--completed", "mig")
		wantMatch(t, "destination's completed job", job, `Job type:\s+Completed`, `Operation:\s+Incoming migration`,
			`Memory processed:\s+[1-9]`, `Total downtime:\s+\d+\s+ms`)
		answers(t, b, 6)
	})

	t.Run("direct", func(t *testing.T) {
		b.mustVirsh(t, "migrate", "--live", "--bandwidth", "1000", "mig", a.URI(), "--migrateuri", "tcp://"+a.addr)
		wantState(t, a.d, "mig", "running (migrated)")
		wantState(t, b.d, "mig", "shut off (migrated)")
		wantContains(t, "the arrived guest's dominfo", a.d.Virsh(t, "dominfo", "mig"), "Persistent:     no")
		job := b.d.Virsh(t, "domjobinfo", "--completed", "mig")
		wantMatch(t, "source's completed job", job, `Job type:\s+Completed`, `Operation:\s+Outgoing migration`, `Memory processed:\s+[1-9]`)
		answers(t, a, 9)
	})

	t.Run("refused", func(t *testing.T) {
		// The destination runs a guest of that name already.
		b.d.Virsh(t, "undefine", "mig")
		define(t, b.d, domainXML("mig", ""))
		b.d.Virsh(t, "start", "mig")
		pid := qemuPid(a.d, "mig")
		_, errOut, err := a.virsh("migrate", "--live", "--p2p", "mig", b.URI())
		if err == nil || !strings.Contains(errOut, "domain 'mig' already exists with uuid") {
			t.Errorf("migration onto a running namesake: %v %s", err, errOut)
		}
		b.d.Virsh(t, "destroy", "mig")
		b.d.Virsh(t, "undefine", "mig")
		wantState(t, a.d, "mig", "running (migrated)")
		if got := qemuPid(a.d, "mig"); got != pid {
			t.Errorf("the source's QEMU changed from %d to %d", pid, got)
		}

		// A disk that exists only on the source: each host's /var/lib/libvirt is
		// its own.
		images := filepath.Join(a.d.Dir, "system", "lib", "images")
		if err := os.MkdirAll(images, 0o755); err != nil {
			t.Fatal(err)
		}
		qemuImg(t, "create", "-q", "-f", "raw", filepath.Join(images, "local.raw"), "1M")
		define(t, a.d, domainXML("local", `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/local.raw'/><target dev='vda' bus='virtio'/></disk>`))
		a.d.Virsh(t, "start", "local")
		lpid := qemuPid(a.d, "local")
		_, errOut, err = a.virsh("migrate", "--live", "--p2p", "local", b.URI())
		if err == nil || !strings.Contains(errOut, "local.raw") {
			t.Errorf("migration with a disk missing on the destination: %v %s", err, errOut)
		}
		wantState(t, a.d, "local", "running (booted)")
		if got := qemuPid(a.d, "local"); got != lpid || got == 0 {
			t.Errorf("the source's QEMU changed from %d to %d", lpid, got)
		}
		if out := b.d.Virsh(t, "list", "--all", "--name"); strings.TrimSpace(out) != "" {
			t.Errorf("the destination kept domains:\n%s", out)
		}
		if left := hostHas(b, "local"); len(left) > 0 {
			t.Errorf("the destination kept %v", left)
		}

		// The same host: refused from the cookie.
		_, errOut, err = a.virsh("migrate", "--live", "--p2p", "local", a.URI())
		if err == nil || !strings.Contains(errOut, "Attempt to migrate guest to the same host") {
			t.Errorf("migration to the same host: %v %s", err, errOut)
		}
		wantState(t, a.d, "local", "running (booted)")
	})

	t.Run("abort", func(t *testing.T) {
		a.d.Virsh(t, "migrate-setspeed", "mig", "1")
		wantContains(t, "migrate-getspeed", a.d.Virsh(t, "migrate-getspeed", "mig"), "1")
		a.d.Virsh(t, "migrate-setmaxdowntime", "mig", "500")
		wantContains(t, "migrate-getmaxdowntime", a.d.Virsh(t, "migrate-getmaxdowntime", "mig"), "500")
		done := make(chan error, 1)
		var errOut string
		go func() {
			var err error
			_, errOut, err = a.virsh("migrate", "--live", "--p2p", "mig", b.URI())
			done <- err
		}()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(a.d.Virsh(t, "domjobinfo", "mig"), "Unbounded") {
			if time.Now().After(deadline) {
				t.Fatal("domjobinfo never showed the migration")
			}
			time.Sleep(50 * time.Millisecond)
		}
		wantMatch(t, "domjobinfo during the migration", a.d.Virsh(t, "domjobinfo", "mig"), `Operation:\s+Outgoing migration`, `Memory total:\s+[1-9]`)
		a.d.Virsh(t, "domjobabort", "mig")
		if err := <-done; err == nil || !strings.Contains(errOut, "operation aborted: migration out: canceled by client") {
			t.Errorf("aborted migration: %v %s", err, errOut)
		}
		wantState(t, a.d, "mig", "running (migrated)")
		wantContains(t, "domjobinfo after the abort", a.d.Virsh(t, "domjobinfo", "mig"), "None")
		if left := hostHas(b, "mig"); len(left) > 0 {
			t.Errorf("the destination kept %v", left)
		}
		if out := b.d.Virsh(t, "list", "--all", "--name"); strings.TrimSpace(out) != "" {
			t.Errorf("the destination kept domains:\n%s", out)
		}
		a.d.Virsh(t, "migrate-setspeed", "mig", "8796093022207")
		answers(t, a, 11)
	})

	t.Run("offline", func(t *testing.T) {
		a.d.Virsh(t, "destroy", "local")
		_, errOut, err := a.virsh("migrate", "--offline", "local", b.URI())
		if err == nil || !strings.Contains(errOut, "offline migration must be specified with the persistent flag set") {
			t.Errorf("offline without --persistent: %v %s", err, errOut)
		}
		a.mustVirsh(t, "migrate", "--offline", "--persistent", "local", b.URI())
		wantState(t, b.d, "local", "shut off (unknown)")
		wantState(t, a.d, "local", "shut off (destroyed)")
		if out := b.d.Virsh(t, "dumpxml", "local"); !strings.Contains(out, "local.raw") {
			t.Errorf("the destination's definition:\n%s", out)
		}
	})

	// Non-shared disks: each host's /var/lib/libvirt/images is its own. A pattern
	// written into the image before the start, and one the guest's QEMU writes on
	// the destination, must be in the copies.
	t.Run("copy-storage", func(t *testing.T) {
		daemontest.RequireTool(t, "qemu-io")
		aImg, bImg := filepath.Join(imagesOf(t, a), "store.qcow2"), filepath.Join(imagesOf(t, b), "store.qcow2")
		qemuImg(t, "create", "-q", "-f", "qcow2", aImg, "8M")
		qemuImg(t, "create", "-q", "-f", "qcow2", bImg, "8M")
		qemuIO(t, aImg, "write -P 0xab 1M 1M")
		define(t, a.d, domainXML("store", storeDisk("store.qcow2", "qcow2", "hda", "ide")))
		a.d.Virsh(t, "start", "store")
		a.mustVirsh(t, "migrate", "--live", "--p2p", "--copy-storage-all", "--persistent", "--undefinesource", "store", b.URI())
		wantState(t, b.d, "store", "running (migrated)")
		if left := hostHas(a, "store"); len(left) > 0 {
			t.Errorf("the source kept %v", left)
		}
		job := b.d.Virsh(t, "domjobinfo", "--completed", "store")
		wantMatch(t, "destination's completed job", job, `Operation:\s+Incoming migration`)
		// The guest's QEMU writes on the destination (through the IDE disk's own
		// block backend); the copy back is incremental and direct, through the client.
		out := b.d.Virsh(t, "qemu-monitor-command", "--hmp", "store", `qemu-io -d ide0-0-0 "write -P 0xcd 2M 1M"`)
		if strings.Contains(out, "rror") {
			t.Fatalf("qemu-io in the guest's QEMU: %s", out)
		}
		b.mustVirsh(t, "migrate", "--live", "--copy-storage-inc", "store", a.URI(), "--migrateuri", "tcp://"+a.addr)
		wantState(t, a.d, "store", "running (migrated)")
		wantState(t, b.d, "store", "shut off (migrated)")
		a.d.Virsh(t, "destroy", "store")
		qemuIO(t, aImg, "read -P 0xab 1M 1M")
		qemuIO(t, aImg, "read -P 0xcd 2M 1M")
		qemuImg(t, "compare", "-q", aImg, bImg)
		if left := hostHas(b, "store"); len(left) > 0 {
			t.Errorf("the first destination kept %v", left)
		}
	})

	t.Run("copy-storage-precreate", func(t *testing.T) {
		// The image is missing on the destination: refused in the storage
		// driver's words without a pool there, precreated in the pool with one.
		aImg := filepath.Join(imagesOf(t, a), "fresh.raw")
		bImg := filepath.Join(imagesOf(t, b), "fresh.raw")
		qemuImg(t, "create", "-q", "-f", "raw", aImg, "4M")
		qemuIO(t, aImg, "write -P 0x5a 0 64k")
		define(t, a.d, domainXML("fresh", storeDisk("fresh.raw", "raw", "vda", "virtio")))
		a.d.Virsh(t, "start", "fresh")
		pid := qemuPid(a.d, "fresh")
		_, errOut, err := a.virsh("migrate", "--live", "--p2p", "--copy-storage-all", "fresh", b.URI())
		if err == nil || !strings.Contains(errOut, "no storage pool with matching target path '/var/lib/libvirt/images'") {
			t.Errorf("copy to a missing image without a pool: %v %s", err, errOut)
		}
		wantState(t, a.d, "fresh", "running (booted)")
		if got := qemuPid(a.d, "fresh"); got != pid {
			t.Errorf("the source's QEMU changed from %d to %d", pid, got)
		}
		if left := hostHas(b, "fresh"); len(left) > 0 {
			t.Errorf("the destination kept %v", left)
		}
		_, errOut, err = a.virsh("migrate", "--live", "--p2p", "--copy-storage-inc", "fresh", b.URI())
		if err == nil || !strings.Contains(errOut, "pre-creation of storage targets for incremental storage migration is not supported") {
			t.Errorf("incremental copy to a missing image: %v %s", err, errOut)
		}
		_, errOut, err = a.virsh("migrate", "--live", "--p2p", "--copy-storage-all", "--migrate-disks", "vdz", "fresh", b.URI())
		if err == nil || !strings.Contains(errOut, "disk target vdz not found") {
			t.Errorf("--migrate-disks naming no disk: %v %s", err, errOut)
		}
		b.d.Virsh(t, "pool-define-as", "images", "dir", "--target", "/var/lib/libvirt/images")
		b.d.Virsh(t, "pool-start", "images")
		a.mustVirsh(t, "migrate", "--live", "--p2p", "--copy-storage-all", "--migrate-disks", "vda", "fresh", b.URI())
		wantState(t, b.d, "fresh", "running (migrated)")
		wantContains(t, "the precreated volume", b.d.Virsh(t, "vol-info", "--pool", "images", "fresh.raw"), "4.00 MiB")
		b.d.Virsh(t, "destroy", "fresh")
		qemuIO(t, bImg, "read -P 0x5a 0 64k")
		b.d.Virsh(t, "pool-destroy", "images")
		b.d.Virsh(t, "pool-undefine", "images")
	})

	t.Run("copy-storage-abort", func(t *testing.T) {
		// domjobabort while the mirror copies: the source's guest and image stay,
		// the destination keeps nothing.
		m := startSlowStorageCopy(t, a, b, "slow", 0x11)
		time.Sleep(time.Second)
		wantMatch(t, "domjobinfo during the copy", a.d.Virsh(t, "domjobinfo", "slow"), `File total:\s+32\.000 MiB`)
		a.d.Virsh(t, "domjobabort", "slow")
		if err := <-m.done; err == nil || !strings.Contains(m.errOut, "operation aborted: migration out: canceled by client") {
			t.Errorf("aborted storage copy: %v %s", err, m.errOut)
		}
		if left := hostHas(b, "slow"); len(left) > 0 {
			t.Errorf("the destination kept %v", left)
		}
		m.sourceIntact(t)
	})

	t.Run("timeout", func(t *testing.T) {
		// Post-copy is not supported: --timeout-postcopy (which needs --postcopy)
		// is refused for the flag.
		_, errOut, err := a.virsh("migrate", "--live", "--p2p", "--postcopy", "--timeout", "1", "--timeout-postcopy", "mig", b.URI())
		if err == nil || !strings.Contains(errOut, "unsupported flags (0x8000)") {
			t.Errorf("--timeout-postcopy: %v %s", err, errOut)
		}
		// virsh suspends the guest when the timeout passes (virDomainSuspend during
		// the job); the migration then converges and the guest runs on there.
		pid := qemuPid(a.d, "mig")
		done := make(chan error, 1)
		go func() {
			var err error
			_, errOut, err = a.virsh("migrate", "--live", "--p2p", "--bandwidth", "8", "--timeout", "2", "mig", b.URI())
			done <- err
		}()
		sawPaused := false
		for finished := false; !finished; {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("migrate --timeout: %v %s", err, errOut)
				}
				finished = true
			case <-time.After(200 * time.Millisecond):
				st, _, _ := a.d.VirshErr("domstate", "--reason", "mig")
				job, _, _ := a.d.VirshErr("domjobinfo", "mig")
				if strings.Contains(st, "paused (migrating)") && strings.Contains(job, "Unbounded") {
					sawPaused = true
				}
			}
		}
		if !sawPaused {
			t.Error("the guest was never paused while its migration ran")
		}
		wantState(t, b.d, "mig", "running (migrated)")
		if pid == 0 || qemuPid(a.d, "mig") != 0 {
			t.Errorf("the source's QEMU (pid %d) is still there", pid)
		}
		answers(t, b, 13)
	})

	t.Run("network-cut", func(t *testing.T) {
		// The link to the destination goes down while the guest streams out: the
		// stream's socket times out, the source's guest runs on in its unit, and
		// the destination's keepalive drops what it prepared.
		pid := qemuPid(b.d, "mig")
		done := make(chan error, 1)
		var errOut string
		go func() {
			var err error
			_, errOut, err = b.virsh("migrate", "--live", "--p2p", "--bandwidth", "1", "mig", a.URI())
			done <- err
		}()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(b.d.Virsh(t, "domjobinfo", "mig"), "Unbounded") {
			if time.Now().After(deadline) {
				t.Fatal("domjobinfo never showed the migration")
			}
			time.Sleep(50 * time.Millisecond)
		}
		for len(hostHas(a, "mig")) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		a.ns.MustRun(t, "ip", "link", "set", "vumig0", "down")
		cut := time.Now()
		linkUp := func() { a.ns.MustRun(t, "ip", "link", "set", "vumig0", "up") }
		select {
		case err := <-done:
			// Whichever sees it first: the probes of the destination, or the
			// stream's socket.
			if err == nil || !cutError.MatchString(errOut) {
				t.Errorf("migration over a cut link: %v %s", err, errOut)
			}
			t.Logf("the migration failed %v after the cut: %s", time.Since(cut).Round(time.Second), strings.TrimSpace(errOut))
		case <-time.After(2 * time.Minute):
			linkUp()
			t.Fatal("the migration over a cut link did not end within 2 minutes")
		}
		if st := state(t, b.d, "mig"); !strings.HasPrefix(st, "running") {
			t.Errorf("the source's guest after the cut: %s", st)
		}
		if got := qemuPid(b.d, "mig"); got != pid || got == 0 {
			t.Errorf("the source's QEMU changed from %d to %d", pid, got)
		}
		wantContains(t, "domjobinfo after the cut", b.d.Virsh(t, "domjobinfo", "mig"), "None")
		// The destination notices alone, the link still down.
		deadline = time.Now().Add(time.Minute)
		for len(hostHas(a, "mig")) > 0 || strings.TrimSpace(a.d.Virsh(t, "list", "--name")) != "" {
			if time.Now().After(deadline) {
				linkUp()
				t.Fatalf("the destination kept %v: %s", hostHas(a, "mig"), a.d.Virsh(t, "list", "--name"))
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Logf("the destination was clean %v after the cut", time.Since(cut).Round(time.Second))
		linkUp()
		answers(t, b, 15)
	})

	t.Run("network-cut-storage", func(t *testing.T) {
		// The link goes down while a disk is mirrored: the source notices the
		// destination is gone, ends the mirror and runs on; the destination drops
		// what it prepared.
		m := startSlowStorageCopy(t, a, b, "cut", 0x22)
		b.ns.MustRun(t, "ip", "link", "set", "vumig1", "down")
		cut := time.Now()
		linkUp := func() { b.ns.MustRun(t, "ip", "link", "set", "vumig1", "up") }
		defer linkUp()
		select {
		case err := <-m.done:
			if err == nil || !cutError.MatchString(m.errOut) {
				t.Errorf("storage copy over a cut link: %v %s", err, m.errOut)
			}
			t.Logf("the storage copy failed %v after the cut: %s", time.Since(cut).Round(time.Second), strings.TrimSpace(m.errOut))
		case <-time.After(3 * time.Minute):
			t.Fatal("the storage copy over a cut link did not end within 3 minutes")
		}
		deadline := time.Now().Add(time.Minute)
		for len(hostHas(b, "cut")) > 0 || strings.Contains(b.d.Virsh(t, "list", "--all", "--name"), "cut") {
			if time.Now().After(deadline) {
				t.Fatalf("the destination kept %v", hostHas(b, "cut"))
			}
			time.Sleep(200 * time.Millisecond)
		}
		m.sourceIntact(t)
	})

}

// slowStorageCopy is a --copy-storage-all migration at 1 MiB/s of a guest whose
// 32 MiB raw disk holds pattern in its first 16 MiB, for the tests that break one
// off mid-copy.
type slowStorageCopy struct {
	a       *migrationHost
	name    string
	img     string
	pattern byte
	pid     int
	done    chan error
	errOut  string // virsh's stderr, once done has delivered
}

// startSlowStorageCopy starts the guest and its migration to b, and returns once
// domjobinfo shows the disk being copied.
func startSlowStorageCopy(t *testing.T, a, b *migrationHost, name string, pattern byte) *slowStorageCopy {
	t.Helper()
	m := &slowStorageCopy{a: a, name: name, img: filepath.Join(imagesOf(t, a), name+".raw"), pattern: pattern, done: make(chan error, 1)}
	qemuImg(t, "create", "-q", "-f", "raw", m.img, "32M")
	qemuImg(t, "create", "-q", "-f", "raw", filepath.Join(imagesOf(t, b), name+".raw"), "32M")
	qemuIO(t, m.img, fmt.Sprintf("write -P 0x%02x 0 16M", pattern))
	define(t, a.d, domainXML(name, storeDisk(name+".raw", "raw", "vda", "virtio")))
	a.d.Virsh(t, "start", name)
	m.pid = qemuPid(a.d, name)
	go func() {
		var err error
		_, m.errOut, err = a.virsh("migrate", "--live", "--p2p", "--copy-storage-all", "--bandwidth", "1", name, b.URI())
		m.done <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(a.d.Virsh(t, "domjobinfo", name), "File total") {
		if time.Now().After(deadline) {
			t.Fatal("domjobinfo never showed the storage copy")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return m
}

// sourceIntact checks, after the copy failed, that the source's guest runs on in
// the same QEMU without block jobs and its image kept its data; then removes it.
func (m *slowStorageCopy) sourceIntact(t *testing.T) {
	t.Helper()
	d := m.a.d
	wantState(t, d, m.name, "running (booted)")
	if got := qemuPid(d, m.name); got != m.pid {
		t.Errorf("the source's QEMU changed from %d to %d", m.pid, got)
	}
	if out := d.Virsh(t, "qemu-monitor-command", m.name, `{"execute":"query-block-jobs"}`); !strings.Contains(out, `"return":[]`) {
		t.Errorf("block jobs left on the source: %s", out)
	}
	d.Virsh(t, "destroy", m.name)
	d.Virsh(t, "undefine", m.name)
	qemuIO(t, m.img, fmt.Sprintf("read -P 0x%02x 0 16M", m.pattern))
}

// imagesOf is the host's own /var/lib/libvirt/images, as seen from outside it.
func imagesOf(t *testing.T, h *migrationHost) string {
	t.Helper()
	dir := filepath.Join(h.d.Dir, "system", "lib", "images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// storeDisk is a file disk in /var/lib/libvirt/images.
func storeDisk(name, format, dev, bus string) string {
	return fmt.Sprintf(`<disk type='file' device='disk'><driver name='qemu' type='%s'/><source file='/var/lib/libvirt/images/%s'/><target dev='%s' bus='%s'/></disk>`, format, name, dev, bus)
}

// cutError is how a migration over a cut link fails: the destination stopped
// answering (libvirt's words), or the stream's or a mirror's socket timed out.
var cutError = regexp.MustCompile(`operation failed: (Lost connection to destination host|migration out: Unable to write to socket|migration of disk \w+ failed)`)

// qemuIO runs one qemu-io command on an image and fails the test on an error,
// a pattern mismatch included.
func qemuIO(t *testing.T, image, command string) {
	t.Helper()
	format := "raw"
	if strings.HasSuffix(image, ".qcow2") {
		format = "qcow2"
	}
	out, err := exec.Command("qemu-io", "-f", format, "-c", command, image).CombinedOutput()
	if err != nil || strings.Contains(string(out), "Pattern verification failed") || strings.Contains(string(out), "failed") {
		t.Fatalf("qemu-io -c %q %s: %v\n%s", command, image, err, out)
	}
}

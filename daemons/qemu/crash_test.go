package qemu_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestSIGKILLDuringDefinesLeavesNoDebris kills virtqemud again and again while a client
// defines and undefines domains: afterwards every definition in /etc/libvirt/qemu
// parses, the daemon lists exactly those, and no temporary file of an interrupted
// write is left, in the configuration or the status directory.
func TestSIGKILLDuringDefinesLeavesNoDebris(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64")
	d := startDaemon(t, "virtqemud", daemontest.Options{System: true})
	const kills = 50
	state := filepath.Join(d.Dir, "system")
	dirs := []string{filepath.Join(state, "etc", "qemu"), filepath.Join(state, "run", "libvirt", "qemu")}
	for i := range kills {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			churn(d.RW, i, stop)
		}()
		time.Sleep(time.Duration(20+rand.IntN(60)) * time.Millisecond)
		d.Signal(syscall.SIGKILL)
		d.Wait(10 * time.Second)
		close(stop)
		<-done
		if i == kills-1 {
			// A kill between a temporary file's creation and its rename is rare
			// enough that the loop may not hit one: leave the debris such a kill
			// leaves (of a writer that is gone, and of an earlier version's naming).
			for _, dir := range dirs {
				for _, n := range []string{".crash-x.xml.tmp-" + strconv.Itoa(d.Pid()) + "-1234", ".crash-y.xml.tmp5678"} {
					if err := os.WriteFile(filepath.Join(dir, n), []byte("<dom"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		d = startDaemon(t, "virtqemud", daemontest.Options{System: true, Dir: d.Dir})
	}

	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.Contains(e.Name(), ".tmp") {
				t.Errorf("debris of an interrupted write left in %s: %s", dir, e.Name())
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(state, "etc", "qemu", "*.xml"))
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var dom libvirtxml.Domain
		if err := dom.Unmarshal(string(b)); err != nil {
			t.Errorf("%s does not parse: %v", f, err)
			continue
		}
		names = append(names, dom.Name)
	}
	slices.Sort(names)
	listed := strings.Fields(d.Virsh(t, "list", "--all", "--name"))
	slices.Sort(listed)
	if strings.Join(listed, " ") != strings.Join(names, " ") {
		t.Errorf("daemon lists %v, the configuration directory holds %v", listed, names)
	}
}

// churn defines and undefines domains through d's socket until stop closes or the
// daemon goes away.
func churn(sock string, round int, stop <-chan struct{}) {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock)))
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		return
	}
	defer l.Disconnect()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		dom, err := l.DomainDefineXML(domainXML(fmt.Sprintf("crash-%d-%d", round, n%4), ""))
		if err != nil {
			return
		}
		if n%2 == 0 {
			if err := l.DomainUndefine(dom); err != nil {
				return
			}
		}
	}
}

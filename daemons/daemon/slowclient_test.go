package daemon_test

import (
	"bytes"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// TestClientsThatDoNotRead: five clients send calls and never read the replies; another
// client's virsh dumpxml is answered all the same, and the daemon drops the five, with
// a log line, once they have read nothing for the keepalive period.
func TestClientsThatDoNotRead(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64")
	d := daemontest.Start(t, "virtqemud", daemontest.Options{
		Config: "max_workers = 2\nmin_workers = 2\nkeepalive_interval = 1\nkeepalive_count = 2\n"})
	xml := t.TempDir() + "/dom.xml"
	daemontest.WriteFileAs(t, xml, `<domain type='qemu'><name>slow</name><memory unit='MiB'>32</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices><controller type='usb' model='none'/><memballoon model='none'/></devices></domain>`)
	d.Virsh(t, "define", xml)
	var uuid libvirt.UUID
	hexUUID, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(d.Virsh(t, "domuuid", "slow")), "-", ""))
	if err != nil || len(hexUUID) != len(uuid) {
		t.Fatalf("domuuid: %v", err)
	}
	copy(uuid[:], hexUUID)

	var calls bytes.Buffer
	open, _ := rpc.EncodePacket(rpc.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.ConnectOpen), Type: rpc.Call},
		libvirt.ConnectOpenArgs{Name: libvirt.OptString{"qemu:///session"}})
	calls.Write(open)
	for i := uint32(1); i <= 20000; i++ {
		pkt, err := rpc.EncodePacket(rpc.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.DomainGetXMLDesc), Type: rpc.Call, Serial: i},
			libvirt.DomainGetXMLDescArgs{Dom: libvirt.Domain{Name: "slow", UUID: uuid}})
		if err != nil {
			t.Fatal(err)
		}
		calls.Write(pkt)
	}
	for range 5 {
		c, err := net.Dial("unix", d.RW)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go c.Write(calls.Bytes()) // stalls once the daemon stops reading it; never read
	}
	time.Sleep(500 * time.Millisecond)

	done := make(chan error, 1)
	go func() {
		_, _, err := d.VirshErr("dumpxml", "slow")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("virsh dumpxml beside clients that do not read: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("virsh dumpxml hangs while other clients do not read their replies")
	}

	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(d.Log(), "client has read nothing for the keepalive period") < 5 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := strings.Count(d.Log(), "client has read nothing for the keepalive period"); n != 5 {
		t.Errorf("%d of 5 silent clients dropped:\n%s", n, d.Log())
	}
}

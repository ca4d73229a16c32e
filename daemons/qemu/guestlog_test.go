package qemu

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestGuestLogAddsUUID: a record naming a known guest gets its UUID, whether the name
// came on the call or through With; others are left alone.
func TestGuestLogAddsUUID(t *testing.T) {
	doms := newRegistry()
	uuid, _ := parseUUID("9a7e1c3e-2f1d-4f5e-8b1a-0c2d3e4f5a6b")
	if err := doms.add(&domain{uuid: uuid, name: "vm1", id: -1}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(newGuestLog(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
				return slog.Attr{}
			}
			return a
		}}), doms))
	log.Info("started", "domain", "vm1")
	log.With("domain", "vm1").Info("stopped")
	log.Info("other", "domain", "vm2")
	log.Info("plain")
	want := []string{
		"msg=started domain=vm1 domain_uuid=9a7e1c3e-2f1d-4f5e-8b1a-0c2d3e4f5a6b",
		"msg=stopped domain=vm1 domain_uuid=9a7e1c3e-2f1d-4f5e-8b1a-0c2d3e4f5a6b",
		"msg=other domain=vm2",
		"msg=plain",
	}
	if got := strings.Split(strings.TrimSpace(buf.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

package daemon

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/fallback"
)

func TestUnitBackendConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "virtqemud.conf")
	os.WriteFile(p, []byte("unit_backend = \"launchd\"\n"), 0o644)
	if _, err := loadConfig(p, true, false); err == nil || !strings.Contains(err.Error(), ":1: unit_backend must be") {
		t.Errorf("bad unit_backend: %v", err)
	}
	os.WriteFile(p, []byte("unit_backend = \"self\"\n"), 0o644)
	c, err := loadConfig(p, true, false)
	if err != nil || c.UnitBackend != backendSelf {
		t.Fatalf("unit_backend = self: %+v, %v", c, err)
	}
	r, err := newRealizer(t.Context(), c.UnitBackend, driver.Paths{RunDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.(*fallback.Realizer); !ok {
		t.Errorf("unit_backend = self gave %T", r)
	}
}

package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/fallback"
	"github.com/virtunit/virtunit/transient"
	"github.com/virtunit/virtunit/units"
)

// The values of the unit_backend config key.
const (
	backendAuto    = "auto"    // systemd when it runs the host, else self
	backendSystemd = "systemd" // transient units of the systemd manager
	backendSelf    = "self"    // the daemon supervises the processes itself
)

// newRealizer chooses how the drivers' units are realized, as unit_backend says. The
// fallback realizer keeps its state in RunDir/units, shared by the daemons of a host so
// that any of them adopts what another started.
func newRealizer(ctx context.Context, backend string, paths driver.Paths, log *slog.Logger) (units.Realizer, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	topts := transient.Options{Logger: log}
	useSystemd := false
	switch backend {
	case backendSystemd:
		useSystemd = true
	case backendAuto:
		if err := transient.Available(ctx, topts); err != nil {
			log.Info("supervising units in the daemon: systemd is not available", "why", err)
		} else {
			useSystemd = true
		}
	case backendSelf:
	default: // config validation refuses anything else
		return nil, fmt.Errorf("unknown unit_backend %q", backend)
	}
	if useSystemd {
		r, err := transient.New(ctx, topts)
		if err != nil {
			return nil, fmt.Errorf("connect to systemd: %w", err)
		}
		log.Info("units are transient systemd units")
		return r, nil
	}
	dir := filepath.Join(paths.RunDir, "units")
	r, err := fallback.New(dir, fallback.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	log.Info("units are supervised by the daemon", "state", dir)
	return r, nil
}

package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
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
	switch backend {
	case backendSystemd, backendAuto:
		// auto tries the manager straight away rather than probing first: one bus
		// connection less on the way to a socket-activated daemon's first answer.
		if fi, err := os.Stat("/run/systemd/system"); backend == backendAuto && (err != nil || !fi.IsDir()) {
			log.Info("supervising units in the daemon: systemd does not run this host")
			break
		}
		r, err := transient.New(ctx, topts)
		if err == nil {
			log.Info("units are transient systemd units")
			return r, nil
		}
		if backend == backendSystemd {
			return nil, fmt.Errorf("connect to systemd: %w", err)
		}
		log.Info("supervising units in the daemon: systemd is not available", "why", err)
	case backendSelf:
	default: // config validation refuses anything else
		return nil, fmt.Errorf("unknown unit_backend %q", backend)
	}
	dir := filepath.Join(paths.RunDir, "units")
	r, err := fallback.New(dir, fallback.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	log.Info("units are supervised by the daemon", "state", dir)
	return r, nil
}

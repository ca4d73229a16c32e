package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/remote"
)

// startDrivers builds the daemon's drivers in order. On error the drivers built so far
// are returned too, for closing.
func (d *Daemon) startDrivers(ctx context.Context, env *driver.Env) ([]driver.Driver, error) {
	var drivers []driver.Driver
	log := env.Logger("daemon")
	for _, f := range d.Drivers {
		start := time.Now()
		drv, err := f(ctx, env)
		if err != nil {
			return drivers, fmt.Errorf("Driver state initialization failed: %w", err)
		}
		log.Debug("driver started", "driver", fmt.Sprintf("%T", drv), "took", time.Since(start))
		drivers = append(drivers, drv)
	}
	return drivers, nil
}

// closeDrivers closes drivers in reverse order of creation.
func closeDrivers(drivers []driver.Driver, log *slog.Logger) {
	for i := len(drivers) - 1; i >= 0; i-- {
		if c, ok := drivers[i].(closer); ok {
			if err := c.Close(); err != nil {
				log.Warn("driver close failed", "err", err)
			}
		}
	}
}

// frontend builds the main server's program: the REMOTE program, open for the
// drivers' procedures (AddDrivers) once they are up, or the daemon's own frontend.
func (d *Daemon) frontend(ctx context.Context, env *driver.Env, sockDir string, privileged bool, auth *remote.Auth) (Frontend, error) {
	if d.Frontend != nil {
		return d.Frontend(ctx, env, sockDir, auth)
	}
	return remote.New(remote.Config{
		Schemes:     d.Schemes,
		Privileged:  privileged,
		Host:        env.Host,
		Hub:         env.Events,
		LateDrivers: true,
		Auth:        auth,
		Log:         env.Logger("remote"),
	})
}

package fallback

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/virtunit/virtunit/units"
)

// The dependencies systemd would enforce between units are enforced here too, for the
// pattern drivers use: a service BindsTo (or is PartOf) a oneshot that sets the host up,
// and is ordered After it. Such a unit starts only while its BindsTo units are up, and
// stops before the unit it is bound to stops, or as soon as that one ends.

// checkBindsTo fails if a unit that spec is bound to is not up, as starting spec would
// fail under systemd (a transient unit cannot be started by dependency).
func (r *Realizer) checkBindsTo(ctx context.Context, spec *units.Spec) error {
	for _, target := range spec.BindsTo {
		st, err := r.Status(ctx, target)
		if err != nil || !st.State.Up() {
			return fmt.Errorf("bound to %s, which is not running", target)
		}
	}
	return nil
}

// stopBound stops the units, supervised or only recorded, that are bound to or part of
// name.
func (r *Realizer) stopBound(ctx context.Context, name string) error {
	names, err := r.recorded()
	if err != nil {
		return err
	}
	for _, dep := range names {
		rec, err := r.load(dep)
		if err != nil || !slices.Contains(rec.Spec.BindsTo, name) && !slices.Contains(rec.Spec.PartOf, name) {
			continue
		}
		if _, err := r.Stop(ctx, dep); err != nil && !errors.Is(err, units.ErrNotFound) {
			return fmt.Errorf("stop %s, bound to %s: %w", dep, name, err)
		}
	}
	return nil
}

// endedBound stops, in the background, the units bound to a unit that ended by itself.
func (r *Realizer) endedBound(name string) {
	go func() {
		if r.closed() {
			return
		}
		if err := r.stopBound(r.ctx, name); err != nil {
			r.log.Warn("stop bound units", "unit", name, "err", err)
		}
	}()
}

package fallback

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/units"
	"github.com/virtunit/virtunit/units/launch"
)

// record is what the state file of a unit holds.
type record struct {
	Spec     units.Spec      `json:"spec"`  // without Files
	Files    int             `json:"files"` // how many fds the process was given
	PID      int             `json:"pid,omitempty"`
	Identity launch.Identity `json:"identity"`
	State    string          `json:"state"`
	Restarts int             `json:"restarts"`
	Exit     *units.Exit     `json:"exit,omitempty"`
	Result   string          `json:"result,omitempty"`
	Updated  time.Time       `json:"updated"`
}

const recordSuffix = ".json"

func (r *Realizer) recordPath(name string) string { return filepath.Join(r.dir, name+recordSuffix) }

// save writes the record of a unit atomically (atomicfile), so an adopting daemon
// finds either the old record or the new one.
func (r *Realizer) save(rec *record) error {
	rec.Updated = time.Now().UTC()
	data, err := json.MarshalIndent(rec, "", "\t")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(r.recordPath(rec.Spec.Name), data, 0o600); err != nil {
		return fmt.Errorf("save state of %s: %w", rec.Spec.Name, err)
	}
	return nil
}

// load reads the record of a unit; fs.ErrNotExist if there is none.
func (r *Realizer) load(name string) (*record, error) {
	data, err := os.ReadFile(r.recordPath(name))
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("state of %s: %w", name, err)
	}
	return &rec, nil
}

// forget removes the record of a unit.
func (r *Realizer) forget(name string) {
	if err := atomicfile.Remove(r.recordPath(name)); err != nil {
		r.log.Warn("remove unit state", "unit", name, "err", err)
	}
}

// recorded lists the names of the units that have a record.
func (r *Realizer) recorded() ([]string, error) {
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), recordSuffix); ok && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	return names, nil
}

package helper

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/virtunit/virtunit/daemons/network/bridge"
	"github.com/virtunit/virtunit/daemons/network/firewall"
	"github.com/virtunit/virtunit/internal/atomicfile"
)

// Plan is what "up" and "down" do for one network.
type Plan struct {
	Network string        `json:"network"`
	Bridge  bridge.Config `json:"bridge"`
	// Firewall is the network's rules; its BridgeIndex is filled in once the bridge
	// exists. Nil for a network without rules.
	Firewall *firewall.Spec `json:"firewall,omitempty"`
	// RemovalFile receives the removal list of the installed rules.
	RemovalFile string `json:"removalFile"`
	// NetNS is the daemon's network namespace (NetNSID); the helper refuses to run in
	// another.
	NetNS string `json:"netns,omitempty"`
	// LockFile serializes firewall changes across helpers (the shared chains' jumps
	// are added once).
	LockFile string `json:"lockFile"`
}

// WritePlan saves p atomically.
func WritePlan(path string, p *Plan) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o600)
}

// ReadPlan loads a plan.
func ReadPlan(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	p := &Plan{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	if p.Bridge.Name == "" || p.RemovalFile == "" || p.LockFile == "" {
		return nil, fmt.Errorf("read plan %s: incomplete", path)
	}
	return p, nil
}

// ReadRemoval loads a saved removal list; ok is false when none was saved.
func ReadRemoval(path string) (r firewall.Removal, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("read removal list: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, false, fmt.Errorf("read removal list %s: %w", path, err)
	}
	return r, true, nil
}

package helper

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/network/bridge"
	"github.com/virtunit/virtunit/daemons/network/firewall"
	"github.com/virtunit/virtunit/internal/atomicfile"
)

// Up builds the network of p: the bridge, then its firewall rules, whose removal list
// it saves. On failure it removes what it made.
func Up(p *Plan, log io.Writer) (err error) {
	if err := checkNetNS(p); err != nil {
		return err
	}
	unlock, err := lock(p.LockFile)
	if err != nil {
		return err
	}
	defer unlock()
	if bridge.Exists(p.Bridge.Name) {
		return fmt.Errorf("network %s: interface %s already exists", p.Network, p.Bridge.Name)
	}
	index, err := bridge.Create(p.Bridge)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			bridge.Delete(p.Bridge.Name)
		}
	}()
	if p.Firewall == nil {
		return nil
	}
	fw, err := firewall.New()
	if err != nil {
		return err
	}
	spec := *p.Firewall
	spec.BridgeIndex = index
	rm, err := fw.Apply(spec)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(rm, "", "  ")
	if err == nil {
		err = atomicfile.WriteFile(p.RemovalFile, append(b, '\n'), 0o600)
	}
	if err != nil {
		fw.Remove(rm)
		return fmt.Errorf("save firewall removal list: %w", err)
	}
	fmt.Fprintf(log, "network %s: bridge %s up, %d firewall rules\n", p.Network, p.Bridge.Name, len(rm.Rules))
	return nil
}

// Down removes what Up made: the rules of the saved removal list (or, if none was
// saved, the rules tagged for the network), then the bridge. It is safe to repeat.
func Down(p *Plan, log io.Writer) error {
	if err := checkNetNS(p); err != nil {
		return err
	}
	unlock, err := lock(p.LockFile)
	if err != nil {
		return err
	}
	defer unlock()
	var errs []error
	if p.Firewall != nil {
		rm, ok, err := ReadRemoval(p.RemovalFile)
		if err != nil {
			errs = append(errs, err)
		}
		if !ok {
			rm = firewall.Removal{Tag: p.Firewall.Tag}
		}
		fw, err := firewall.New()
		if err == nil {
			var strays []firewall.Rule
			strays, err = fw.Remove(rm)
			if len(strays) > 0 {
				fmt.Fprintf(log, "network %s: removed %d tagged rules missing from the removal list\n", p.Network, len(strays))
			}
		}
		errs = append(errs, err)
	}
	errs = append(errs, bridge.Delete(p.Bridge.Name))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.Remove(p.RemovalFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintf(log, "network %s: bridge %s down\n", p.Network, p.Bridge.Name)
	return nil
}

// lock takes an exclusive lock on path, waiting for it.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("firewall lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("firewall lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

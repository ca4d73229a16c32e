package iface

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/internal/atomicfile"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// store keeps the persistent interface definitions, one NAME.xml per interface in dir
// (/etc/libvirt/interface for the system daemon), as libvirt keeps other drivers'
// configurations.
type store struct {
	dir string

	mu   sync.RWMutex
	defs map[string]*libvirtxml.Interface
}

// openStore loads the definitions in dir, creating it if needed. A file that does not
// parse is skipped with a warning, so one bad file does not keep the daemon down.
func openStore(dir string, log *slog.Logger) (*store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("interface definitions: %w", err)
	}
	if err := atomicfile.Sweep(dir); err != nil {
		log.Warn("cannot remove what interrupted writes left", "err", err)
	}
	s := &store{dir: dir, defs: map[string]*libvirtxml.Interface{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("interface definitions: %w", err)
		}
		def, err := parseDefinition(string(data))
		if err == nil && def.Name+".xml" != filepath.Base(f) {
			err = fmt.Errorf("defines interface '%s'", def.Name)
		}
		if err != nil {
			log.Warn("skipping interface definition", "file", f, "err", err)
			continue
		}
		s.defs[def.Name] = def
	}
	return s, nil
}

func (s *store) path(name string) string { return filepath.Join(s.dir, name+".xml") }

// get returns the definition of name.
func (s *store) get(name string) (*libvirtxml.Interface, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	def, ok := s.defs[name]
	return def, ok
}

// names lists the defined interfaces, sorted.
func (s *store) names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.defs))
	for n := range s.defs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// put writes def and makes it the definition of its interface.
func (s *store) put(def *libvirtxml.Interface) error {
	x, err := xmlstyle.Marshal(def)
	if err != nil {
		return fmt.Errorf("format interface %s: %w", def.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := atomicfile.WriteFile(s.path(def.Name), []byte(x), 0o600); err != nil {
		return err
	}
	s.defs[def.Name] = def
	return nil
}

// remove deletes the definition of name.
func (s *store) remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path(name)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove interface definition: %w", err)
	}
	delete(s.defs, name)
	return atomicfile.SyncDir(s.dir)
}

// snapshot returns every definition's XML by name, for a checkpoint.
func (s *store) snapshot() (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]string, len(s.defs))
	for n, def := range s.defs {
		x, err := xmlstyle.Marshal(def)
		if err != nil {
			return nil, fmt.Errorf("format interface %s: %w", n, err)
		}
		out[n] = x
	}
	return out, nil
}

// restore makes the definitions exactly those of a snapshot.
func (s *store) restore(snap map[string]string) error {
	var errs []string
	for _, name := range s.names() {
		if _, keep := snap[name]; !keep {
			if err := s.remove(name); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	for name, x := range snap {
		def, err := parseDefinition(x)
		if err == nil {
			err = s.put(def)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("definition of %s: %v", name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("restore definitions: %s", strings.Join(errs, "; "))
	}
	return nil
}

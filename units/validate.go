package units

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// SpecError says which field of which spec is wrong. It matches ErrInvalid.
type SpecError struct {
	Unit   string // the spec's name, possibly invalid itself
	Field  string // "Name", "Argv", "StopTimeout", ...
	Reason string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("invalid unit spec %q: %s %s", e.Unit, e.Field, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (e *SpecError) Unwrap() error { return ErrInvalid }

// Validate reports the first thing wrong with s as a *SpecError, or nil. It checks only the
// spec itself; whether Argv[0] exists is checked when a realizer starts the unit.
func (s *Spec) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &SpecError{Unit: s.Name, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if s.Kind < Scope || s.Kind > Oneshot {
		return bad("Kind", "is %d, not Scope, Service or Oneshot", int(s.Kind))
	}
	if why := checkName(s.Name); why != "" {
		return bad("Name", "%s", why)
	}
	if !strings.HasSuffix(s.Name, s.Kind.suffix()) {
		return bad("Name", "must end in %s for a %s", s.Kind.suffix(), s.Kind)
	}
	if why := checkText(s.Description); why != "" {
		return bad("Description", "%s", why)
	}
	if why := checkArgv(s.Argv); why != "" {
		return bad("Argv", "%s", why)
	}
	if s.StopArgv != nil {
		if s.Kind != Oneshot {
			return bad("StopArgv", "is only for a Oneshot, not a %s", s.Kind)
		}
		if why := checkArgv(s.StopArgv); why != "" {
			return bad("StopArgv", "%s", why)
		}
	}
	for _, kv := range s.Env {
		if why := checkEnv(kv); why != "" {
			return bad("Env", "entry %q %s", kv, why)
		}
	}
	if s.Dir != "" && !filepath.IsAbs(s.Dir) {
		return bad("Dir", "%q is not an absolute path", s.Dir)
	}
	if s.LogFile != "" && !filepath.IsAbs(s.LogFile) {
		return bad("LogFile", "%q is not an absolute path", s.LogFile)
	}
	if err := s.validateLimits(bad); err != nil {
		return err
	}
	for i, f := range s.Files {
		if f == nil {
			return bad("Files", "entry %d is nil", i)
		}
	}
	if s.Slice != "" {
		if why := checkName(s.Slice); why != "" {
			return bad("Slice", "%q %s", s.Slice, why)
		}
		if !strings.HasSuffix(s.Slice, ".slice") {
			return bad("Slice", "%q does not end in .slice", s.Slice)
		}
	}
	deps := []struct {
		field string
		names []string
	}{{"BindsTo", s.BindsTo}, {"PartOf", s.PartOf}, {"After", s.After}, {"Before", s.Before}}
	for _, d := range deps {
		for _, n := range d.names {
			if why := checkName(n); why != "" {
				return bad(d.field, "entry %q %s", n, why)
			}
		}
	}
	return s.validatePolicy(bad)
}

// validatePolicy checks restart, kill and timeout settings and the kind-specific fields.
func (s *Spec) validatePolicy(bad func(string, string, ...any) error) error {
	switch s.Restart {
	case RestartNo, RestartOnFailure, RestartAlways:
	default:
		return bad("Restart", "is %q, not \"\", %q or %q", s.Restart, RestartOnFailure, RestartAlways)
	}
	if s.Restart != RestartNo && s.Kind != Service {
		return bad("Restart", "is only for a Service, not a %s", s.Kind)
	}
	switch s.KillMode {
	case KillControlGroup, KillMixed, KillProcess:
	default:
		return bad("KillMode", "is %q, not \"\", %q or %q", s.KillMode, KillMixed, KillProcess)
	}
	if s.StopTimeout < 0 || s.StopTimeout > MaxTimeout {
		return bad("StopTimeout", "is %v, outside 0 (the default, %v) to %v", s.StopTimeout, DefaultStopTimeout, MaxTimeout)
	}
	if s.RestartDelay < 0 || s.RestartDelay > MaxTimeout {
		return bad("RestartDelay", "is %v, outside 0 to %v", s.RestartDelay, MaxTimeout)
	}
	if s.Delegate && s.Kind == Oneshot {
		return bad("Delegate", "makes no sense for a Oneshot")
	}
	if m := s.Machine; m != nil {
		if s.Kind != Scope {
			return bad("Machine", "is only for a Scope, not a %s", s.Kind)
		}
		if why := checkMachineName(m.Name); why != "" {
			return bad("Machine", "name %q %s", m.Name, why)
		}
		if want := MachineScope(m.Name); s.Name != want {
			return bad("Name", "must be %q for machine %q", want, m.Name)
		}
		if m.Class != "" && m.Class != "vm" && m.Class != "container" {
			return bad("Machine", "class %q is not \"vm\" or \"container\"", m.Class)
		}
	}
	return s.validateResources(bad)
}

func (s *Spec) validateResources(bad func(string, string, ...any) error) error {
	r := s.Resources
	switch r.DevicePolicy {
	case "", "closed", "strict":
	default:
		return bad("Resources", "device policy %q is not \"\", \"closed\" or \"strict\"", r.DevicePolicy)
	}
	for _, d := range r.DeviceAllow {
		if d.Path == "" || strings.ContainsAny(d.Path, " \t\n") || d.Access == "" || strings.Trim(d.Access, "rwm") != "" {
			return bad("Resources", "device access %q %q is not a device and some of r, w, m", d.Path, d.Access)
		}
	}
	if r.CPUWeight > 10000 {
		return bad("Resources", "CPU weight %d is outside 1 to 10000", r.CPUWeight)
	}
	if r.CPUQuota < 0 || r.CPUQuotaPeriod < 0 || r.CPUQuotaPeriod > time.Second {
		return bad("Resources", "CPU quota %v per %v is out of range", r.CPUQuota, r.CPUQuotaPeriod)
	}
	return nil
}

func (s *Spec) validateLimits(bad func(string, string, ...any) error) error {
	seen := map[Resource]bool{}
	for _, l := range s.Rlimits {
		if l.Resource.String() == "" {
			return bad("Rlimits", "resource %d is unknown", int(l.Resource))
		}
		if seen[l.Resource] {
			return bad("Rlimits", "set %s twice", l.Resource)
		}
		seen[l.Resource] = true
		if l.Soft > l.Hard {
			return bad("Rlimits", "%s soft limit %d exceeds the hard limit %d", l.Resource, l.Soft, l.Hard)
		}
	}
	return nil
}

func checkArgv(argv []string) string {
	if len(argv) == 0 || argv[0] == "" {
		return "is empty"
	}
	for _, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return "contains a NUL byte"
		}
	}
	return ""
}

func checkEnv(kv string) string {
	k, _, ok := strings.Cut(kv, "=")
	if !ok {
		return "is not KEY=VALUE"
	}
	if k == "" || '0' <= k[0] && k[0] <= '9' {
		return "has an invalid name"
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return "has an invalid name"
		}
	}
	if strings.IndexByte(kv, 0) >= 0 {
		return "contains a NUL byte"
	}
	return ""
}

// checkText rejects control characters, which would garble systemctl's output.
func checkText(s string) string {
	for _, c := range s {
		if c < ' ' || c == 0x7f {
			return "contains a control character"
		}
	}
	return ""
}

// checkMachineName applies machined's rule: a hostname, at most 64 characters.
func checkMachineName(name string) string {
	if name == "" || len(name) > 64 {
		return "must be 1 to 64 characters"
	}
	if name[0] == '-' || name[0] == '.' || name[len(name)-1] == '-' || name[len(name)-1] == '.' {
		return "may not start or end with '-' or '.'"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "may hold only letters, digits, '-', '_' and '.'"
		}
	}
	return ""
}

package units

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func good() Spec {
	return Spec{
		Name: "virtnetwork-default-dnsmasq.service", Kind: Service,
		Argv: []string{"dnsmasq", "--keep-in-foreground"}, Env: []string{"VIR_BRIDGE_NAME=virbr0"},
		Restart: RestartOnFailure, RestartDelay: time.Second, StopTimeout: 5 * time.Second,
		BindsTo: []string{"virtnetwork-default.service"}, After: []string{"virtnetwork-default.service"},
	}
}

func TestValidateAccepts(t *testing.T) {
	scope := Spec{
		Name: MachineScope("qemu-1-vm1"), Kind: Scope, Argv: []string{"/usr/bin/qemu-system-x86_64"},
		Slice: "machine.slice", Delegate: true, TasksMax: 4096, Files: []*os.File{os.Stdin},
		User:    &Credential{UID: 64055, GID: 64055, Groups: []uint32{108}},
		Rlimits: []Rlimit{{RlimitNOFILE, 1024, 4096}, {RlimitMEMLOCK, 1 << 26, 1 << 26}},
		Machine: &Machine{Name: "qemu-1-vm1", Service: "libvirt-qemu", Class: "vm"},
	}
	oneshot := Spec{Name: "virtnetwork-default.service", Kind: Oneshot, Argv: []string{"/bin/true"}, StopArgv: []string{"/bin/true"}}
	for _, s := range []Spec{good(), scope, oneshot} {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Spec)
		want   string // in the message
	}{
		{"empty argv", func(s *Spec) { s.Argv = nil }, "Argv is empty"},
		{"empty argv0", func(s *Spec) { s.Argv = []string{""} }, "Argv is empty"},
		{"NUL in argv", func(s *Spec) { s.Argv = []string{"a\x00b"} }, "NUL"},
		{"slash in name", func(s *Spec) { s.Name = "a/b.service" }, "contains '/'"},
		{"newline in name", func(s *Spec) { s.Name = "a\nb.service" }, "control character"},
		{"empty name", func(s *Spec) { s.Name = "" }, "Name is empty"},
		{"no suffix", func(s *Spec) { s.Name = "dnsmasq" }, "no unit type suffix"},
		{"wrong suffix", func(s *Spec) { s.Name = "x.scope" }, "must end in .service"},
		{"unknown suffix", func(s *Spec) { s.Name = "x.exe" }, "unknown unit type"},
		{"template", func(s *Spec) { s.Name = "x@1.service" }, "'@'"},
		{"space in name", func(s *Spec) { s.Name = "a b.service" }, `" "`},
		{"long name", func(s *Spec) { s.Name = strings.Repeat("a", 250) + ".service" }, "longer than 255"},
		{"no kind", func(s *Spec) { s.Kind = 0 }, "Kind is 0"},
		{"negative stop timeout", func(s *Spec) { s.StopTimeout = -time.Second }, "StopTimeout is -1s"},
		{"absurd stop timeout", func(s *Spec) { s.StopTimeout = 1000 * time.Hour }, "StopTimeout is 1000h0m0s"},
		{"absurd restart delay", func(s *Spec) { s.RestartDelay = 48 * time.Hour }, "RestartDelay"},
		{"bad restart", func(s *Spec) { s.Restart = "sometimes" }, `Restart is "sometimes"`},
		{"bad kill mode", func(s *Spec) { s.KillMode = "none" }, "KillMode"},
		{"bad env", func(s *Spec) { s.Env = []string{"NOEQUALS"} }, "not KEY=VALUE"},
		{"bad env name", func(s *Spec) { s.Env = []string{"A-B=1"} }, "invalid name"},
		{"relative dir", func(s *Spec) { s.Dir = "tmp" }, "not an absolute path"},
		{"relative log", func(s *Spec) { s.LogFile = "qemu.log" }, "LogFile"},
		{"bad slice", func(s *Spec) { s.Slice = "machine" }, "Slice"},
		{"bad dependency", func(s *Spec) { s.After = []string{"x/y.service"} }, "After entry"},
		{"nil file", func(s *Spec) { s.Files = []*os.File{nil} }, "Files entry 0 is nil"},
		{"newline in description", func(s *Spec) { s.Description = "a\nb" }, "Description"},
		{"stopargv on service", func(s *Spec) { s.StopArgv = []string{"x"} }, "only for a Oneshot"},
		{"restart on scope", func(s *Spec) { s.Name, s.Kind = "x.scope", Scope }, "Restart is only for a Service"},
		{"soft above hard", func(s *Spec) { s.Rlimits = []Rlimit{{RlimitNOFILE, 10, 5}} }, "exceeds"},
		{"unknown rlimit", func(s *Spec) { s.Rlimits = []Rlimit{{99, 1, 1}} }, "unknown"},
		{"machine on service", func(s *Spec) { s.Machine = &Machine{Name: "vm"} }, "Machine is only for a Scope"},
		{"machine name mismatch", func(s *Spec) {
			s.Name, s.Kind, s.Restart, s.Machine = "machine-x.scope", Scope, RestartNo, &Machine{Name: "qemu-1-vm1"}
		}, `machine-qemu\\x2d1\\x2dvm1.scope`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good()
			c.mutate(&s)
			err := s.Validate()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %q, want it to mention %q", err, c.want)
			}
		})
	}
}

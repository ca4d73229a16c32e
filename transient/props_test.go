package transient

import (
	"reflect"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/units"
)

// TestServiceProps checks the translation of specs into properties, without a bus.
func TestServiceProps(t *testing.T) {
	dnsmasq := units.Spec{
		Name: "virtnetwork-default-dnsmasq.service", Kind: units.Service, Description: "dnsmasq for default",
		Argv: []string{"dnsmasq", "--keep-in-foreground"}, Env: []string{"VIR_BRIDGE_NAME=virbr0"},
		Restart: units.RestartOnFailure, RestartDelay: 2 * time.Second, KillMode: units.KillMixed,
		BindsTo: []string{"virtnetwork-default.service"}, After: []string{"virtnetwork-default.service"},
	}
	setup := units.Spec{Name: "virtnetwork-default.service", Kind: units.Oneshot,
		Argv: []string{"helper", "up"}, StopArgv: []string{"helper", "down"}, StopTimeout: time.Minute}
	cases := []struct {
		got  []property
		want map[string]any
	}{
		{serviceProps(&dnsmasq, "/usr/sbin/dnsmasq", "", nil), map[string]any{
			"Description": "dnsmasq for default",
			"Type":        "exec",
			"Restart":     "on-failure",
			"RestartUSec": uint64(2e6),
			"KillMode":    "mixed",
			// The flag is "ignore failure", never set: a crash must count as one.
			"ExecStart":        []execCommand{{Path: "/usr/sbin/dnsmasq", Argv: dnsmasq.Argv}},
			"Environment":      []string{"VIR_BRIDGE_NAME=virbr0"},
			"BindsTo":          []string{"virtnetwork-default.service"},
			"After":            []string{"virtnetwork-default.service"},
			"TimeoutStopUSec":  uint64(90e6),
			"CollectMode":      "inactive-or-failed",
			"AddRef":           true,
			"WorkingDirectory": "/",
		}},
		{serviceProps(&setup, "/usr/libexec/helper", "/usr/libexec/helper", nil), map[string]any{
			"Type":            "oneshot",
			"RemainAfterExit": true,
			"ExecStart":       []execCommand{{Path: "/usr/libexec/helper", Argv: setup.Argv}},
			"ExecStop":        []execCommand{{Path: "/usr/libexec/helper", Argv: setup.StopArgv}},
			"TimeoutStopUSec": uint64(60e6),
		}},
	}
	for _, c := range cases {
		got := map[string]any{}
		for _, p := range c.got {
			if _, dup := got[p.Name]; dup {
				t.Errorf("%s sent twice", p.Name)
			}
			got[p.Name] = p.Value.Value()
		}
		for name, want := range c.want {
			if !reflect.DeepEqual(got[name], want) {
				t.Errorf("%s = %#v, want %#v", name, got[name], want)
			}
		}
		if _, ok := got["Restart"]; ok && c.want["Type"] == "oneshot" {
			t.Error("a oneshot got a restart policy")
		}
	}
	if sig := dbus.SignatureOf([]execCommand{}).String(); sig != "a(sasb)" {
		t.Errorf("ExecStart signature %s, want a(sasb)", sig)
	}
}

func TestScopeProps(t *testing.T) {
	spec := units.Spec{Name: units.MachineScope("qemu-1-vm1"), Kind: units.Scope, Argv: []string{"qemu"},
		Slice: "machine.slice", Delegate: true, TasksMax: 16384}
	props := map[string]property{}
	for _, p := range scopeProps(&spec, 7, 4242) {
		props[p.Name] = p
	}
	if p := props["PIDFDs"]; p.instead == nil || p.instead.Name != "PIDs" || !reflect.DeepEqual(p.instead.Value.Value(), []uint32{4242}) {
		t.Errorf("PIDFDs falls back to %+v, want PIDs [4242]", p.instead)
	}
	for name, want := range map[string]any{"KillSignal": int32(18), "Delegate": true, "Slice": "machine.slice", "TasksMax": uint64(16384)} {
		if got := props[name].Value.Value(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	if _, ok := props["Controller"]; ok {
		t.Error("a scope names a Controller, which systemd forgets when the daemon restarts")
	}
	if !props["CollectMode"].optional || props["Slice"].optional || props["KillSignal"].optional {
		t.Error("wrong properties are optional")
	}
}

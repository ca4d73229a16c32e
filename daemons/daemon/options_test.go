package daemon

import (
	"strings"
	"testing"
)

func TestParseOptionsLikeGetopt(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		listen bool
		want   options
	}{
		{[]string{"-dv"}, false, options{daemonize: true, verbose: true}},
		{[]string{"-t5", "-f", "/x.conf"}, false, options{timeout: 5, config: "/x.conf"}},
		{[]string{"--timeout=120", "--pid-file", "/p"}, false, options{timeout: 120, pidFile: "/p"}},
		{[]string{"--time", "7", "--verb"}, false, options{timeout: 7, verbose: true}},
		{[]string{"-V"}, false, options{version: true}},
		{[]string{"--version"}, false, options{version: true}},
		{[]string{"-l"}, true, options{listen: true}},
		{[]string{"-dp/run/x.pid"}, false, options{daemonize: true, pidFile: "/run/x.pid"}},
		{[]string{"--"}, false, options{}},
	} {
		got, err := parseOptions("d", tc.args, tc.listen)
		if err != nil || *got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-x"}, "d: invalid option -- 'x'"},
		{[]string{"-l"}, "d: invalid option -- 'l'"},
		{[]string{"--nope"}, "d: unrecognized option '--nope'"},
		{[]string{"-t"}, "d: option requires an argument -- 't'"},
		{[]string{"--config"}, "d: option '--config' requires an argument"},
		{[]string{"--daemon=1"}, "d: option '--daemon' doesn't allow an argument"},
		{[]string{"-t", "-1"}, "Invalid value for timeout"},
		{[]string{"-t", "99999999999"}, "Invalid value for timeout"},
		{[]string{"stray"}, "d: unexpected, non-option, command line arguments"},
		{[]string{"--", "stray"}, "d: unexpected, non-option, command line arguments"},
	} {
		if _, err := parseOptions("d", tc.args, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestPaths(t *testing.T) {
	p, err := pathsFor("virtqemud", true)
	if err != nil || p.ConfigFile != "/etc/libvirt/virtqemud.conf" || p.PIDFile != "/run/virtqemud.pid" || p.RunDir != "/run/libvirt" {
		t.Errorf("root paths: %+v %v", p, err)
	}
	s := socketsFor("libvirt", p.RunDir, true)
	if s.RW != "/run/libvirt/libvirt-sock" || s.RO != "/run/libvirt/libvirt-sock-ro" || s.Admin != "/run/libvirt/libvirt-admin-sock" {
		t.Errorf("root sockets: %+v", s)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/u")
	p, err = pathsFor("virtnetworkd", false)
	if err != nil || p.ConfigFile != "/home/u/.config/libvirt/virtnetworkd.conf" || p.RunDir != "/home/u/.cache/libvirt" || p.PIDFile != "/home/u/.cache/libvirt/virtnetworkd.pid" {
		t.Errorf("session fallbacks: %+v %v", p, err)
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	p, _ = pathsFor("virtnetworkd", false)
	if p.RunDir != "/run/user/1000/libvirt" || p.ConfigFile != "/cfg/libvirt/virtnetworkd.conf" {
		t.Errorf("session XDG paths: %+v", p)
	}
	if s := socketsFor("virtnetworkd", p.RunDir, false); s.RO != "" || s.RW != "/run/user/1000/libvirt/virtnetworkd-sock" {
		t.Errorf("session sockets: %+v", s)
	}
}

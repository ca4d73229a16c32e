package logging

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFiltersAndOutputs(t *testing.T) {
	fs, err := parseFilters("1:qemu 3:+remote\t4:rpc.server")
	if err != nil || len(fs) != 3 || !fs[1].stack || fs[1].match != "remote" {
		t.Fatalf("filters = %+v, %v", fs, err)
	}
	if got := formatFilters(fs); got != "1:qemu 3:+remote 4:rpc.server" {
		t.Errorf("formatted = %q", got)
	}
	for _, bad := range []string{"0:qemu", "5:x", "x", "1:", "1:[", "qemu:1"} {
		if _, err := parseFilters(bad); err == nil || !strings.Contains(err.Error(), "Failed to parse and define log filter") {
			t.Errorf("filter %q: %v", bad, err)
		}
	}
	path := filepath.Join(t.TempDir(), "sub", "d.log")
	outs, err := parseOutputs("2:stderr 1:file:"+path, "test")
	if err != nil || len(outs) != 2 {
		t.Fatalf("outputs: %v", err)
	}
	defer outs[1].sink.close()
	if got := formatOutputs(outs); got != "2:stderr 1:file:"+path {
		t.Errorf("formatted = %q", got)
	}
	for _, bad := range []string{"1:file", "1:file:relative", "1:teapot", "9:stderr", "1:stderr:x"} {
		if _, err := parseOutputs(bad, "test"); err == nil {
			t.Errorf("output %q accepted", bad)
		}
	}
}

// TestPriorities: the default level applies unless a filter matches the module; each
// output then takes what reaches its own level.
func TestPriorities(t *testing.T) {
	dir := t.TempDir()
	all, warn := filepath.Join(dir, "all.log"), filepath.Join(dir, "warn.log")
	l := New("test", func(Priority) string { return "" })
	if err := l.Apply(Settings{Level: Warning, Filters: "1:rpc", Outputs: "1:file:" + all + " 3:file:" + warn}); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Slog("rpc.server").Debug("rpc debug", "client", 3)
	l.Slog("daemon").Info("daemon info")
	l.Slog("daemon").Warn("daemon warning", "why", "disk full")
	a, _ := os.ReadFile(all)
	w, _ := os.ReadFile(warn)
	if !strings.Contains(string(a), "debug : rpc.server : rpc debug client=3") {
		t.Errorf("filtered module's debug missing:\n%s", a)
	}
	if strings.Contains(string(a), "daemon info") {
		t.Errorf("info logged below the default warning level:\n%s", a)
	}
	if !strings.Contains(string(w), `daemon warning why="disk full"`) || strings.Contains(string(w), "rpc debug") {
		t.Errorf("warning output:\n%s", w)
	}
	if err := l.SetFilters(""); err != nil {
		t.Fatal(err)
	}
	l.Slog("rpc.server").Debug("after clearing filters")
	a, _ = os.ReadFile(all)
	if strings.Contains(string(a), "after clearing filters") {
		t.Errorf("debug logged after filters were cleared")
	}
}

func TestBadSettingsChangeNothing(t *testing.T) {
	l := New("test", func(p Priority) string { return "3:stderr" })
	if err := l.Apply(Settings{Level: Info, Filters: "1:x"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(Settings{Level: Debug, Outputs: "1:nowhere"}); err == nil {
		t.Fatal("bad output accepted")
	}
	if l.Level() != Info || l.Filters() != "1:x" || l.Outputs() != "3:stderr" {
		t.Errorf("settings changed by a failed Apply: %v %q %q", l.Level(), l.Filters(), l.Outputs())
	}
}

// captureSink keeps what reaches it.
type captureSink struct{ got []record }

func (c *captureSink) emit(r record) { c.got = append(c.got, r) }
func (c *captureSink) close()        {}

// TestJournalFields: every attribute, whether given by With or on the call, becomes a
// journal field of its own, named as journalctl matches it; it cannot override the
// fields journald and the sink own.
func TestJournalFields(t *testing.T) {
	l := New("virtqemud", func(Priority) string { return "1:stderr" })
	c := &captureSink{}
	l.state.Store(&state{level: Debug, outputs: []*output{{prio: Debug, raw: "1:journald", sink: c}}})
	log := l.Slog("qemu").With("domain", "vm1")
	log.Info("guest started", "domain_uuid", "9a7e1c3e-2f1d-4f5e-8b1a-0c2d3e4f5a6b", "priority", "x",
		"1st", "dropped", slog.Group("unit", "name", "machine-qemu\\x2d1\\x2dvm1.scope"))
	if len(c.got) != 1 {
		t.Fatalf("records: %+v", c.got)
	}
	vars := journalSink{ident: "virtqemud"}.vars(c.got[0])
	want := map[string]string{
		"SYSLOG_IDENTIFIER": "virtqemud", "LIBVIRT_SOURCE": "file", "CODE_FUNC": "qemu",
		"DOMAIN": "vm1", "DOMAIN_UUID": "9a7e1c3e-2f1d-4f5e-8b1a-0c2d3e4f5a6b",
		"UNIT_NAME": `machine-qemu\x2d1\x2dvm1.scope`,
	}
	if len(vars) != len(want) {
		t.Errorf("fields %v, want %v", vars, want)
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, vars[k], v, vars)
		}
	}
	if msg := c.got[0].msg; !strings.HasPrefix(msg, "guest started domain=vm1 domain_uuid=") {
		t.Errorf("message %q", msg)
	}
}

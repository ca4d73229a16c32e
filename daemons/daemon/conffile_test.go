package daemon

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// settingLine is a commented-out setting of a shipped config file: "#key = value".
var settingLine = regexp.MustCompile(`^#([a-z_]+) ?=(.*)$`)

// TestShippedConfigDocumentsEverySetting: the config file meson installs
// (config/virtd.conf.in) lists every key the daemons know, and nothing else; its
// examples, uncommented, load without warnings.
func TestShippedConfigDocumentsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../config/virtd.conf.in")
	if err != nil {
		t.Fatal(err)
	}
	var uncommented strings.Builder
	documented := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		m := settingLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if documented[m[1]] {
			t.Errorf("%s is documented twice", m[1])
		}
		documented[m[1]] = true
		value := m[2]
		if m[1] == "unix_sock_group" {
			value = ` "root"` // the example's group need not exist here
		}
		uncommented.WriteString(m[1] + " =" + value + "\n")
	}
	var known []string
	strs, uints, ints := defaultConfig(false).settings()
	for k := range strs {
		known = append(known, k)
	}
	for k := range uints {
		known = append(known, k)
	}
	for k := range ints {
		known = append(known, k)
	}
	for k := range ignoredKeys {
		known = append(known, k)
	}
	known = append(known, ipKeys()...)
	for _, k := range known {
		if !documented[k] {
			t.Errorf("config/virtd.conf.in does not document %s", k)
		}
	}
	path := filepath.Join(t.TempDir(), "virtqemud.conf")
	if err := os.WriteFile(path, []byte(uncommented.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, true, false)
	if err != nil {
		t.Fatalf("the documented examples do not load: %v\n%s", err, uncommented.String())
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("documented settings the daemon does not know: %v", cfg.Warnings)
	}
	// The numbers shown are the defaults (log_level's 0 means its documented 3).
	_, gotU, gotI := cfg.settings()
	for k, v := range uints {
		if *gotU[k] != *v && k != "log_level" {
			t.Errorf("%s is documented as %d, its default is %d", k, *gotU[k], *v)
		}
	}
	for k, v := range ints {
		if *gotI[k] != *v {
			t.Errorf("%s is documented as %d, its default is %d", k, *gotI[k], *v)
		}
	}
}

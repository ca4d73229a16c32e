package qemu

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeConf(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "qemu.conf")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigKeys(t *testing.T) {
	c, err := loadConfig(writeConf(t, `# every key virtunit acts on
user = "+0"
group = "+0"
dynamic_ownership = 0
security_driver = [ "none" ]
stdio_handler = "file"
vnc_listen = "0.0.0.0"
vnc_auto_unix_socket = 1
max_processes = 100
max_files = 2048
set_process_name = 1
log_timestamp = 0
auto_start_delay = 500
hugetlbfs_mount = "/dev/hugepages"
spice_listen = "::1"
`), true)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{User: "+0", Group: "+0", UID: 0, GID: 0, SecurityDriver: "none", StdioHandler: "file",
		VNCListen: "0.0.0.0", SpiceListen: "::1", VNCAutoUnixSocket: true, MaxProcesses: 100, MaxFiles: 2048, SetProcessName: true,
		AutoStartDelayMsec: 500, LogMaxSize: defaultLogMaxSize, LogMaxBackups: defaultLogMaxBackups,
		MigrationPortMin: 49152, MigrationPortMax: 49215, Ignored: []string{"hugetlbfs_mount"}}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("got %+v\nwant %+v", *c, want)
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(filepath.Join(t.TempDir(), "missing.conf"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !c.DynamicOwnership || !c.LogTimestamp || c.VNCListen != "127.0.0.1" || c.StdioHandler != "logd" || c.UID != -1 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestConfigErrors(t *testing.T) {
	for content, want := range map[string]string{
		"user = 0\n":                         ":1: expected a string for 'user' parameter",
		"\nmax_files = \"many\"\n":           ":2: expected an unsigned integer for 'max_files' parameter",
		"log_timestamp = 2\n":                "value for 'log_timestamp' parameter must be 0 or 1",
		"stdio_handler = \"syslog\"\n":       ":1: Unknown stdio handler syslog",
		"security_driver = \"selinux\"\n":    ":1: Security driver selinux not enabled",
		"vnc_listen = \"localhost\"\n":       ":1: vnc_listen 'localhost' is not an IP address",
		"user = \"no-such-user-here\"\n":     ":1: Failed to parse user 'no-such-user-here'",
		"user = \"root\"\ngroup = \"nix\"\n": ":2: Failed to parse group 'nix'",
		"user = \"root\"\nuser =\n":          "qemu.conf:2:",
	} {
		_, err := loadConfig(writeConf(t, content), true)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", content, err, want)
		}
	}
}

// TestShippedConfigDocumentsEverySetting: the qemu.conf meson installs lists every
// key the driver acts on, with its default, and its examples load with nothing
// ignored.
func TestShippedConfigDocumentsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../config/qemu.conf")
	if err != nil {
		t.Fatal(err)
	}
	var uncommented strings.Builder
	documented := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		key, value, ok := strings.Cut(strings.TrimPrefix(line, "#"), " = ")
		if !ok || !strings.HasPrefix(line, "#") || strings.ContainsAny(key, " ") {
			continue
		}
		documented[key] = true
		if key == "user" || key == "group" {
			value = `"+0"` // the examples' user need not exist here
		}
		uncommented.WriteString(key + " = " + value + "\n")
	}
	strs, bools, uints := defaultConfig(true).settings()
	for _, keys := range []map[string]bool{keysOf(strs), keysOf(bools), keysOf(uints)} {
		for k := range keys {
			if !documented[k] {
				t.Errorf("config/qemu.conf does not document %s", k)
			}
		}
	}
	c, err := loadConfig(writeConf(t, uncommented.String()), true)
	if err != nil {
		t.Fatalf("the documented examples do not load: %v\n%s", err, uncommented.String())
	}
	if len(c.Ignored) > 0 {
		t.Errorf("documented keys the driver ignores: %v", c.Ignored)
	}
	def := defaultConfig(true)
	_, gotB, gotU := c.settings()
	_, defB, defU := def.settings()
	for k, v := range defB {
		if *gotB[k] != *v {
			t.Errorf("%s is documented as %v, its default is %v", k, *gotB[k], *v)
		}
	}
	for k, v := range defU {
		if *gotU[k] != *v {
			t.Errorf("%s is documented as %d, its default is %d", k, *gotU[k], *v)
		}
	}
	if c.VNCListen != def.VNCListen || c.StdioHandler != def.StdioHandler || c.SecurityDriver != def.SecurityDriver {
		t.Errorf("documented %+v, defaults %+v", c, def)
	}
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

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
		AutoStartDelayMsec: 500, Ignored: []string{"hugetlbfs_mount"}}
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

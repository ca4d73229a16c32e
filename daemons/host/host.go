package host

import (
	"crypto/rand"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
)

// Host answers questions about the machine.
type Host struct {
	root fs

	uuidOnce sync.Once
	uuid     string
	uuidErr  error
	uuidCfg  UUIDConfig
}

// UUIDConfig is how the daemon config picks the host UUID (host_uuid and
// host_uuid_source of libvirtd.conf).
type UUIDConfig struct {
	UUID   string // host_uuid: used as given
	Source string // host_uuid_source: "smbios" (default) or "machine-id"
}

// New returns a Host reading the real /proc and /sys.
func New(cfg UUIDConfig) *Host { return &Host{root: "/", uuidCfg: cfg} }

// NewAt returns a Host reading a copy of /proc and /sys under root, for tests.
func NewAt(root string, cfg UUIDConfig) *Host { return &Host{root: fs(root), uuidCfg: cfg} }

// ValidateUUIDConfig checks the config before the daemon starts, as libvirt refuses to
// start with an invalid host_uuid or source.
func ValidateUUIDConfig(c UUIDConfig) error {
	if c.UUID != "" {
		if _, err := normalizeUUID(c.UUID); err != nil {
			return fmt.Errorf("invalid host UUID: %s", c.UUID)
		}
	}
	switch c.Source {
	case "", "smbios", "machine-id":
		return nil
	}
	return fmt.Errorf("invalid UUID source: %s", c.Source)
}

// Hostname is the host name virConnectGetHostname reports.
func (h *Host) Hostname() (string, error) {
	name, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("cannot get hostname: %w", err)
	}
	return name, nil
}

// UUID is the host's UUID: host_uuid if configured, else the SMBIOS system UUID, else
// (unreadable SMBIOS, as for non-root daemons, or host_uuid_source = "machine-id") the
// systemd machine id. libvirt falls back to a random UUID; the machine id keeps the
// answer stable across restarts. A random one is the last resort.
func (h *Host) UUID() string {
	h.uuidOnce.Do(func() {
		c := h.uuidCfg
		if c.UUID != "" {
			h.uuid, h.uuidErr = normalizeUUID(c.UUID)
			return
		}
		if c.Source != "machine-id" {
			if u, err := normalizeUUID(h.root.read("sys/class/dmi/id/product_uuid")); err == nil && !badSMBIOSUUID(u) {
				h.uuid = u
				return
			}
		}
		if u, err := normalizeUUID(h.root.read("etc/machine-id")); err == nil {
			h.uuid = u
			return
		}
		var b [16]byte
		rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h.uuid = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	})
	return h.uuid
}

var hexDigits = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// normalizeUUID accepts a UUID with or without dashes (machine-id has none) and
// returns the canonical lower-case dashed form.
func normalizeUUID(s string) (string, error) {
	raw := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if !hexDigits.MatchString(raw) {
		return "", fmt.Errorf("not a UUID: %q", s)
	}
	raw = strings.ToLower(raw)
	return raw[0:8] + "-" + raw[8:12] + "-" + raw[12:16] + "-" + raw[16:20] + "-" + raw[20:32], nil
}

// badSMBIOSUUID rejects the placeholder UUIDs firmware ships (all zeros or all ones),
// which libvirt also refuses as a host UUID.
func badSMBIOSUUID(u string) bool {
	raw := strings.ReplaceAll(u, "-", "")
	return strings.Trim(raw, "0") == "" || strings.Trim(raw, "f") == ""
}

package qemu

import (
	"fmt"
	"net"
	"os/user"
	"strconv"
	"strings"

	"github.com/virtunit/virtunit/internal/conf"
)

// Config is qemu.conf: the keys virtunit honours, with libvirt's defaults
// (virQEMUDriverConfigNew, virQEMUDriverConfigLoadFile in src/qemu/qemu_conf.c).
type Config struct {
	// User and Group run the guests (root mode only; session guests run as the
	// daemon's user). Resolved into UID and GID, and Groups, the user's
	// supplementary groups, which QEMU gets too (kvm, for /dev/kvm).
	User, Group string
	UID, GID    int
	Groups      []uint32
	// DynamicOwnership chowns the files a guest needs (disks, kernels) to its user
	// before start.
	DynamicOwnership bool
	// SecurityDriver is "none" or "dac"; both give the security model "none".
	SecurityDriver string
	// StdioHandler is "logd" or "file". virtunit has no virtlogd: both write QEMU's
	// output to the log file.
	StdioHandler string
	VNCListen    string
	SpiceListen  string
	// VNCPassword and SpicePassword are the passwords of graphics servers whose
	// definition gives none.
	VNCPassword        string
	SpicePassword      string
	VNCAutoUnixSocket  bool
	MaxProcesses       uint
	MaxFiles           uint
	SetProcessName     bool
	LogTimestamp       bool
	AutoStartDelayMsec uint
	// LogMaxSize and LogMaxBackups bound each guest log (virtlogd.conf's max_size
	// and max_backups; virtunit has no virtlogd, so qemu.conf takes them).
	LogMaxSize    uint
	LogMaxBackups uint
	// DeviceACL is cgroup_device_acl: the devices every guest may open; nil means
	// libvirt's default list.
	DeviceACL []string
	// MaxThreads is max_threads_per_process, the guest scope's TasksMax; 0 leaves
	// the manager's default.
	MaxThreads uint
	// The incoming side of a migration: MigrationAddress is where QEMU listens
	// (migration_address, the wildcard by default), MigrationHost the host name or
	// address a source is told to connect to (migration_host, the host name by
	// default), and ports come from MigrationPortMin..MigrationPortMax.
	MigrationAddress string
	MigrationHost    string
	MigrationPortMin uint
	MigrationPortMax uint

	// Ignored lists keys libvirt knows that virtunit does not act on, for the log.
	Ignored []string
}

// defaultUser and defaultGroup are who Debian's libvirt runs guests as (its build's
// qemu_user and qemu_group). Like libvirt, a host without them does not run guests at
// all, rather than run them as root: the installed host creates them (sysusers.d).
const (
	defaultUser  = "libvirt-qemu"
	defaultGroup = "libvirt-qemu"
)

func defaultConfig(privileged bool) *Config {
	c := &Config{
		DynamicOwnership: true,
		SecurityDriver:   "none",
		StdioHandler:     "logd",
		VNCListen:        "127.0.0.1",
		SpiceListen:      "127.0.0.1",
		LogTimestamp:     true,
		UID:              -1,
		GID:              -1,
		LogMaxSize:       defaultLogMaxSize,
		LogMaxBackups:    defaultLogMaxBackups,
		MigrationPortMin: 49152,
		MigrationPortMax: 49215,
	}
	if privileged {
		c.User, c.Group = defaultUser, defaultGroup
	}
	return c
}

// loadConfig reads qemu.conf at path over the defaults. A missing file means the
// defaults; a syntax or type error names the file and line and stops the driver, as
// a bad daemon config stops the daemon.
func loadConfig(path string, privileged bool) (*Config, error) {
	c := defaultConfig(privileged)
	f, err := conf.ReadFile(path)
	if err != nil && !conf.IsNotExist(err) {
		return nil, err
	}
	if err == nil {
		if err := c.apply(f); err != nil {
			return nil, err
		}
	}
	if err := c.resolve(privileged, f); err != nil {
		return nil, err
	}
	return c, nil
}

// settings are the keys the driver acts on, by type, with where each value goes.
func (c *Config) settings() (strs map[string]*string, bools map[string]*bool, uints map[string]*uint) {
	strs = map[string]*string{
		"user": &c.User, "group": &c.Group, "security_driver": &c.SecurityDriver,
		"stdio_handler": &c.StdioHandler, "vnc_listen": &c.VNCListen, "spice_listen": &c.SpiceListen,
		"vnc_password": &c.VNCPassword, "spice_password": &c.SpicePassword,
		"migration_address": &c.MigrationAddress, "migration_host": &c.MigrationHost,
	}
	bools = map[string]*bool{
		"dynamic_ownership": &c.DynamicOwnership, "vnc_auto_unix_socket": &c.VNCAutoUnixSocket,
		"set_process_name": &c.SetProcessName, "log_timestamp": &c.LogTimestamp,
	}
	uints = map[string]*uint{
		"max_processes": &c.MaxProcesses, "max_files": &c.MaxFiles,
		"auto_start_delay": &c.AutoStartDelayMsec,
		"max_size":         &c.LogMaxSize, "max_backups": &c.LogMaxBackups, "max_threads_per_process": &c.MaxThreads,
		"migration_port_min": &c.MigrationPortMin, "migration_port_max": &c.MigrationPortMax,
	}
	return strs, bools, uints
}

func (c *Config) apply(f *conf.File) error {
	strs, bools, uints := c.settings()
	for _, k := range f.Keys() {
		var err error
		switch {
		case k == "security_driver":
			err = c.securityDriver(f)
		case k == "cgroup_device_acl":
			c.DeviceACL = []string{}
			err = f.StringList(k, false, &c.DeviceACL)
		case strs[k] != nil:
			err = f.String(k, strs[k])
		case bools[k] != nil:
			err = f.Bool(k, bools[k])
		case uints[k] != nil:
			err = f.UInt(k, uints[k])
		default:
			c.Ignored = append(c.Ignored, k)
		}
		if err != nil {
			return err
		}
	}
	at := func(key, format string, args ...any) error {
		return &conf.Error{File: f.Name, Line: f.Line(key), Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	switch c.StdioHandler {
	case "logd", "file":
	default:
		return at("stdio_handler", "Unknown stdio handler %s", c.StdioHandler)
	}
	if net.ParseIP(c.SpiceListen) == nil {
		return at("spice_listen", "spice_listen '%s' is not an IP address", c.SpiceListen)
	}
	if net.ParseIP(c.VNCListen) == nil {
		return at("vnc_listen", "vnc_listen '%s' is not an IP address", c.VNCListen)
	}
	// libvirt's checks and words (virQEMUDriverConfigLoadNetworkEntry).
	if c.MigrationPortMin == 0 {
		return at("migration_port_min", "%s: migration_port_min: port must be greater than 0", f.Name)
	}
	if c.MigrationPortMax > 65535 || c.MigrationPortMax < c.MigrationPortMin {
		return at("migration_port_max", "%s: migration_port_max: port must be between the minimal port %d and 65535", f.Name, c.MigrationPortMin)
	}
	if c.MigrationHost != "" && (c.MigrationHost == "localhost" || strings.HasPrefix(c.MigrationHost, "localhost.") || c.MigrationHost == "127.0.0.1" || c.MigrationHost == "::1") {
		return at("migration_host", "migration_host must not be the address of the local machine: %s", c.MigrationHost)
	}
	return nil
}

// securityDriver reads security_driver, a string or a list. virtunit labels nothing,
// so only the drivers that label nothing are accepted: "none" and "dac" (which, with
// dynamic_ownership, is the chown virtunit does). Anything else would promise
// confinement the guests would not get.
func (c *Config) securityDriver(f *conf.File) error {
	var list []string
	if err := f.StringList("security_driver", true, &list); err != nil {
		return err
	}
	c.SecurityDriver = "none"
	for _, d := range list {
		switch d {
		case "none", "dac":
		default:
			return &conf.Error{File: f.Name, Line: f.Line("security_driver"), Key: "security_driver",
				Msg: fmt.Sprintf("Security driver %s not enabled", d)}
		}
	}
	return nil
}

// resolve turns user and group names (or +N numbers, as libvirt allows) into ids.
func (c *Config) resolve(privileged bool, f *conf.File) error {
	if !privileged {
		return nil
	}
	at := func(key, format string, args ...any) error {
		if f == nil {
			return fmt.Errorf(format, args...)
		}
		return &conf.Error{File: f.Name, Line: f.Line(key), Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	uid, err := lookupID(c.User, func(n string) (string, error) {
		u, err := user.Lookup(n)
		if err != nil {
			return "", err
		}
		return u.Uid, nil
	})
	if err != nil {
		return at("user", "Failed to parse user '%s'", c.User)
	}
	gid, err := lookupID(c.Group, func(n string) (string, error) {
		g, err := user.LookupGroup(n)
		if err != nil {
			return "", err
		}
		return g.Gid, nil
	})
	if err != nil {
		return at("group", "Failed to parse group '%s'", c.Group)
	}
	c.UID, c.GID = uid, gid
	c.Groups = supplementaryGroups(uid, gid)
	return nil
}

// supplementaryGroups are the groups the user uid belongs to besides gid, as
// initgroups(3) would set them; none for a uid the host does not list.
func supplementaryGroups(uid, gid int) []uint32 {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return nil
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil
	}
	var out []uint32
	for _, id := range ids {
		if n, err := strconv.ParseUint(id, 10, 32); err == nil && int(n) != gid {
			out = append(out, uint32(n))
		}
	}
	return out
}

func lookupID(s string, byName func(string) (string, error)) (int, error) {
	if len(s) > 1 && s[0] == '+' {
		return strconv.Atoi(s[1:])
	}
	id, err := byName(s)
	if err != nil {
		if n, nerr := strconv.Atoi(s); nerr == nil {
			return n, nil
		}
		return -1, err
	}
	return strconv.Atoi(id)
}

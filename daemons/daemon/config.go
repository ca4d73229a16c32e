package daemon

import (
	"fmt"
	"os/user"
	"strconv"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/internal/conf"
	"github.com/virtunit/virtunit/internal/logging"
)

// Config is a daemon's config file (libvirtd.conf and its modular siblings), with
// libvirt's defaults (daemonConfigNew in src/remote/remote_daemon_config.c).
type Config struct {
	UnixSockGroup      string
	UnixSockROPerms    string
	UnixSockRWPerms    string
	UnixSockAdminPerms string
	UnixSockDir        string
	AuthUnixRO         string
	AuthUnixRW         string

	MaxClients          uint
	MaxQueuedClients    uint
	MaxAnonymousClients uint
	MinWorkers          uint
	MaxWorkers          uint
	PrioWorkers         uint
	MaxClientRequests   uint
	KeepaliveInterval   int
	KeepaliveCount      uint

	AdminMinWorkers        uint
	AdminMaxWorkers        uint
	AdminMaxClients        uint
	AdminMaxQueuedClients  uint
	AdminMaxClientRequests uint
	AdminKeepaliveInterval int
	AdminKeepaliveCount    uint

	LogLevel   uint
	LogFilters string
	LogOutputs string

	HostUUID       string
	HostUUIDSource string

	// UnitBackend chooses who runs the drivers' units: "auto", "systemd" or "self".
	UnitBackend string

	// IP are the TCP/TLS settings (libvirtd and virtproxyd).
	IP IPConfig

	// Warnings are non-fatal findings (unknown keys), for the log.
	Warnings []string
	// sockGID is UnixSockGroup resolved; -1 when unset.
	sockGID int
}

// defaultConfig is libvirt's daemonConfigNew; listenTLS is listen_tls's default,
// 1 for libvirtd (which listens only with -l anyway), 0 for virtproxyd.
func defaultConfig(listenTLS bool) *Config {
	return &Config{
		IP:                     defaultIPConfig(listenTLS),
		UnixSockROPerms:        "0777",
		UnixSockRWPerms:        "0700",
		UnixSockAdminPerms:     "0700",
		AuthUnixRO:             "none",
		AuthUnixRW:             "none",
		MaxClients:             5000,
		MaxQueuedClients:       1000,
		MaxAnonymousClients:    20,
		MinWorkers:             5,
		MaxWorkers:             20,
		PrioWorkers:            5,
		MaxClientRequests:      5,
		KeepaliveInterval:      5,
		KeepaliveCount:         5,
		AdminMinWorkers:        1,
		AdminMaxWorkers:        5,
		AdminMaxClients:        5000,
		AdminMaxQueuedClients:  20,
		AdminMaxClientRequests: 5,
		AdminKeepaliveInterval: 5,
		AdminKeepaliveCount:    5,
		UnitBackend:            backendAuto,
		sockGID:                -1,
	}
}

// ignoredKeys are libvirt daemon settings that are valid but have no effect in
// virtunit (auditing, mDNS and ACL drivers are not implemented); they are accepted so
// an existing libvirtd.conf loads unchanged.
var ignoredKeys = map[string]bool{
	"mdns_adv": true, "mdns_name": true, "access_drivers": true,
	"audit_level": true, "audit_logging": true,
	"keepalive_required": true, "admin_keepalive_required": true, "ovs_timeout": true,
}

// loadConfig reads path on top of the defaults. A missing file is fine when the path
// is the implicit default; an explicit -f file must exist.
func loadConfig(path string, explicit, listenTLS bool) (*Config, error) {
	c := defaultConfig(listenTLS)
	f, err := conf.ReadFile(path)
	if err != nil {
		if conf.IsNotExist(err) && !explicit {
			return c, nil
		}
		return nil, err
	}
	if err := c.apply(f); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) apply(f *conf.File) error {
	strs, uints, ints := c.settings()
	for _, k := range f.Keys() {
		known, err := c.applyIP(f, k)
		if err != nil {
			return err
		}
		switch {
		case known:
		case strs[k] != nil:
			err = f.String(k, strs[k])
		case uints[k] != nil:
			err = f.UInt(k, uints[k])
		case ints[k] != nil:
			err = f.Int(k, ints[k])
		case ignoredKeys[k]:
		default:
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s:%d: unknown setting '%s' ignored", f.Name, f.Line(k), k))
		}
		if err != nil {
			return err
		}
	}
	return c.validate(f)
}

// settings are the keys the daemon acts on, by type, with where each value goes.
func (c *Config) settings() (strs map[string]*string, uints map[string]*uint, ints map[string]*int) {
	strs = map[string]*string{
		"unix_sock_group": &c.UnixSockGroup, "unix_sock_ro_perms": &c.UnixSockROPerms,
		"unix_sock_rw_perms": &c.UnixSockRWPerms, "unix_sock_admin_perms": &c.UnixSockAdminPerms,
		"unix_sock_dir": &c.UnixSockDir, "auth_unix_ro": &c.AuthUnixRO, "auth_unix_rw": &c.AuthUnixRW,
		"log_filters": &c.LogFilters, "log_outputs": &c.LogOutputs,
		"host_uuid": &c.HostUUID, "host_uuid_source": &c.HostUUIDSource,
		"unit_backend": &c.UnitBackend,
	}
	uints = map[string]*uint{
		"max_clients": &c.MaxClients, "max_queued_clients": &c.MaxQueuedClients,
		"max_anonymous_clients": &c.MaxAnonymousClients, "min_workers": &c.MinWorkers,
		"max_workers": &c.MaxWorkers, "prio_workers": &c.PrioWorkers,
		"max_client_requests": &c.MaxClientRequests, "keepalive_count": &c.KeepaliveCount,
		"admin_min_workers": &c.AdminMinWorkers, "admin_max_workers": &c.AdminMaxWorkers,
		"admin_max_clients": &c.AdminMaxClients, "admin_max_queued_clients": &c.AdminMaxQueuedClients,
		"admin_max_client_requests": &c.AdminMaxClientRequests, "admin_keepalive_count": &c.AdminKeepaliveCount,
		"log_level": &c.LogLevel,
	}
	ints = map[string]*int{
		"keepalive_interval": &c.KeepaliveInterval, "admin_keepalive_interval": &c.AdminKeepaliveInterval,
	}
	return strs, uints, ints
}

// validate checks values whose type was right but whose content is not, naming the
// place in the file.
func (c *Config) validate(f *conf.File) error {
	at := func(key, format string, args ...any) error {
		return &conf.Error{File: f.Name, Line: f.Line(key), Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	for key, v := range map[string]string{"unix_sock_ro_perms": c.UnixSockROPerms,
		"unix_sock_rw_perms": c.UnixSockRWPerms, "unix_sock_admin_perms": c.UnixSockAdminPerms} {
		if _, err := parseMode(v); err != nil {
			return at(key, "Failed to parse mode '%s'", v)
		}
	}
	for key, v := range map[string]string{"auth_unix_ro": c.AuthUnixRO, "auth_unix_rw": c.AuthUnixRW} {
		if _, ok := rpc.ParseAuth(v); !ok {
			return at(key, "%s: unsupported auth %s", key, v)
		}
	}
	if err := c.validateIP(f); err != nil {
		return err
	}
	if c.LogLevel != 0 {
		if _, err := logging.ParseLevel(int(c.LogLevel)); err != nil {
			return at("log_level", "%v", err)
		}
	}
	if c.UnixSockGroup != "" {
		g, err := user.LookupGroup(c.UnixSockGroup)
		if err != nil {
			return at("unix_sock_group", "Failed to find group record for name '%s'", c.UnixSockGroup)
		}
		c.sockGID, _ = strconv.Atoi(g.Gid)
	}
	switch c.UnitBackend {
	case backendAuto, backendSystemd, backendSelf:
	default:
		return at("unit_backend", "unit_backend must be %q, %q or %q, not %q", backendAuto, backendSystemd, backendSelf, c.UnitBackend)
	}
	if c.MaxWorkers == 0 {
		return at("max_workers", "max_workers must be greater than 0")
	}
	if c.MinWorkers > c.MaxWorkers {
		return at("min_workers", "min_workers (%d) must not exceed max_workers (%d)", c.MinWorkers, c.MaxWorkers)
	}
	return nil
}

// parseMode parses an octal permission string such as "0770".
func parseMode(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o7777 {
		return 0, fmt.Errorf("invalid mode %q", s)
	}
	return uint32(n), nil
}

// logSettings are the config's logging keys.
func (c *Config) logSettings() logging.Settings {
	return logging.Settings{Level: logging.Priority(c.LogLevel), Filters: c.LogFilters, Outputs: c.LogOutputs}
}

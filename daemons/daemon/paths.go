package daemon

import (
	"fmt"
	"os"
	"path/filepath"
)

// Paths are where a daemon keeps things, per libvirt's man pages: system paths for root,
// XDG paths (with $HOME/.config and $HOME/.cache fallbacks) for everyone else.
type Paths struct {
	Privileged bool
	// ConfigDir holds NAME.conf and the drivers' persistent config
	// (/etc/libvirt, $XDG_CONFIG_HOME/libvirt).
	ConfigDir string
	// RunDir holds sockets and live state (/run/libvirt, $XDG_RUNTIME_DIR/libvirt).
	RunDir string
	// StateDir holds long-lived state such as dnsmasq files (/var/lib/libvirt,
	// $XDG_CONFIG_HOME/libvirt as libvirt's session drivers use).
	StateDir string
	// CacheDir holds caches (/var/cache/libvirt, $XDG_CACHE_HOME/libvirt).
	CacheDir string
	// LogDir holds log files (/var/log/libvirt, $XDG_CACHE_HOME/libvirt).
	LogDir string
	// PIDFile is the default PID file (/run/NAME.pid, $XDG_RUNTIME_DIR/libvirt/NAME.pid).
	PIDFile string
	// ConfigFile is the default config file (ConfigDir/NAME.conf).
	ConfigFile string
}

// pathsFor computes the paths of daemon name for the current user.
func pathsFor(name string, privileged bool) (Paths, error) {
	if privileged {
		return Paths{
			Privileged: true,
			ConfigDir:  "/etc/libvirt",
			RunDir:     "/run/libvirt",
			StateDir:   "/var/lib/libvirt",
			CacheDir:   "/var/cache/libvirt",
			LogDir:     "/var/log/libvirt",
			PIDFile:    "/run/" + name + ".pid",
			ConfigFile: "/etc/libvirt/" + name + ".conf",
		}, nil
	}
	home := os.Getenv("HOME")
	xdg := func(env, fallback string) (string, error) {
		if v := os.Getenv(env); v != "" {
			return v, nil
		}
		if home == "" {
			return "", fmt.Errorf("neither $%s nor $HOME is set", env)
		}
		return filepath.Join(home, fallback), nil
	}
	config, err := xdg("XDG_CONFIG_HOME", ".config")
	if err != nil {
		return Paths{}, err
	}
	cache, err := xdg("XDG_CACHE_HOME", ".cache")
	if err != nil {
		return Paths{}, err
	}
	runtime := os.Getenv("XDG_RUNTIME_DIR")
	if runtime == "" {
		runtime = cache // as glib's g_get_user_runtime_dir, which libvirt uses
	}
	p := Paths{
		ConfigDir: filepath.Join(config, "libvirt"),
		RunDir:    filepath.Join(runtime, "libvirt"),
		StateDir:  filepath.Join(config, "libvirt"),
		CacheDir:  filepath.Join(cache, "libvirt"),
		LogDir:    filepath.Join(cache, "libvirt"),
	}
	p.PIDFile = filepath.Join(p.RunDir, name+".pid")
	p.ConfigFile = filepath.Join(p.ConfigDir, name+".conf")
	return p, nil
}

// socketPaths are the three unix sockets of a daemon; RO is empty in session mode.
type socketPaths struct {
	RW, RO, Admin string
}

// socketsFor places the sockets of prefix in dir (unix_sock_dir or RunDir). libvirt
// gives a session daemon no -ro socket. It also gives a session daemon with
// unix_sock_dir no admin socket, an accident of its code that would leave virt-admin
// unusable; virtunit keeps the admin socket there.
func socketsFor(prefix, dir string, privileged bool) socketPaths {
	s := socketPaths{
		RW:    filepath.Join(dir, prefix+"-sock"),
		Admin: filepath.Join(dir, prefix+"-admin-sock"),
	}
	if privileged {
		s.RO = filepath.Join(dir, prefix+"-sock-ro")
	}
	return s
}

package daemon

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/virtunit/virtunit/daemons/driver"
)

// pathsFor computes the paths of daemon name for the current user.
func pathsFor(name string, privileged bool) (driver.Paths, error) {
	if privileged {
		return driver.Paths{
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
		return driver.Paths{}, err
	}
	cache, err := xdg("XDG_CACHE_HOME", ".cache")
	if err != nil {
		return driver.Paths{}, err
	}
	runtime := os.Getenv("XDG_RUNTIME_DIR")
	if runtime == "" {
		runtime = cache // as glib's g_get_user_runtime_dir, which libvirt uses
	}
	p := driver.Paths{
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

// Command virtproxyd is libvirt's proxy daemon, as virtproxyd(8) describes it: it
// listens on the legacy libvirt-sock sockets and relays each connection to the modular
// daemon serving the connection's URI.
package main

import (
	"context"
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/proxy"
	"github.com/virtunit/virtunit/daemons/remote"
)

func main() {
	d := daemon.Daemon{
		Name:         "virtproxyd",
		SocketPrefix: "libvirt",
		Schemes:      []string{"qemu", "network", "interface", "nodedev"},
		Description:  "libvirt proxy daemon",
		// TCP and TLS by virtproxyd.conf alone: virtproxyd has no -l.
		IP: daemon.IPByConfig,
		Frontend: func(ctx context.Context, env *driver.Env, sockDir string, auth *remote.Auth) (daemon.Frontend, error) {
			return proxy.New(sockDir, env.Paths.Privileged, auth, env.Logger("proxy"))
		},
	}
	os.Exit(d.Main(os.Args[1:]))
}

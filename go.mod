module github.com/virtunit/virtunit

go 1.26

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	github.com/davecgh/go-xdr v0.0.0-20161123171359-e6a2ba005892
	github.com/digitalocean/go-libvirt v0.0.0-20260217163227-273eaa321819
	github.com/digitalocean/go-qemu v0.0.0-20250212194115-ee9b0668d242
	github.com/godbus/dbus/v5 v5.2.4
	github.com/vishvananda/netlink v1.3.1
	golang.org/x/sys v0.41.0
	libvirt.org/go/libvirtxml v1.11002.0
)

require (
	github.com/vishvananda/netns v0.0.5 // indirect
	golang.org/x/crypto v0.48.0 // indirect
)

// Package dbusapi serves libvirt-dbus's org.libvirt D-Bus API from inside the daemon
// that serves the QEMU connection (virtqemud, or libvirtd on a monolithic host), as a
// second front end over the same driver API the REMOTE program calls: a D-Bus method
// call becomes one driver call in process, with the driver's checks and errors, and
// the drivers' events (from the daemon's event hub, or from the modular daemons a
// virtqemud forwards to) become D-Bus signals.
//
// What a client sees follows libvirt-dbus 1.4.1 (src/gdbus.c, src/connect.c,
// src/domain.c, ...): the object /org/libvirt/QEMU, sub-objects whose path is the
// object's identity (CONNECT/domain/_UUID, CONNECT/nodedev/ENCODED_NAME), GetAll values
// wrapped in a second variant, org.libvirt.Error carrying libvirt's message, GDBus's
// own errors for wrong signatures and unknown members, and introspection generated
// from the tables in dbusapi/spec. Beyond libvirt-dbus: an ObjectManager on the
// connection object, PropertiesChanged when an object's state changes, and each
// running guest's and network's systemd unit (org.virtunit.Domain, .Network).
//
// Files: server.go (the Server), daemon.go (a daemon's drivers to a Server),
// dispatch.go (paths to objects, members to handlers), objects.go (a kind of object
// from its tables), args.go (checked arguments), errors.go (the bus's one place for
// errors), paths.go (object path encodings), properties.go, introspect.go,
// connect.go/domain.go/network.go/iface.go/nodedev.go (one table per interface),
// guest.go (a guest's devices, resources, statistics and saved state), snapshot.go
// (DomainSnapshot), storage.go (StoragePool, StorageVol), typedparams.go (typed
// parameters as a{sv}), unsupported.go (the subtrees without a driver), events.go
// (driver events to signals), watch.go (object manager and PropertiesChanged),
// units.go.
package dbusapi

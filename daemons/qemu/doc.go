// Package qemu is the QEMU driver of virtqemud and libvirtd: domains defined from
// libvirt's domain XML, kept as libvirt keeps them (persistent XML in the config
// directory, live status beside the sockets), and run as QEMU processes, each one a
// unit of its own, driven over QMP.
//
// It mirrors libvirt's src/qemu (qemu_driver.c for the API, qemu_command.c for the
// command line, qemu_process.c for start, stop and reconnect, qemu_conf.c for
// qemu.conf) closely enough that virsh and python3-libvirt cannot tell the difference
// in what they see: procedures, states and reasons, events, error codes and texts.
//
// Layout: driver.go builds the driver and procedures.go is its dispatch table.
// Definitions: xml.go and definition.go read, check and complete domain XML; domain.go
// and registry.go hold the domains; config.go and status.go are their files; define.go,
// lookup.go, list.go and info.go answer for them. Running guests: command.go, devices.go
// and disks.go build QEMU's command line; start.go, unit.go and tap.go start a guest as a
// unit; lifecycle.go and stop.go change its state; watch.go follows its QMP events;
// reconnect.go and autostart.go run at daemon start; console.go streams its serial
// console. conf.go reads qemu.conf; host.go and emucache.go probe the emulator and KVM;
// events.go publishes lifecycle events. Package qmp is the monitor, package qemutest
// builds the test guests.
package qemu

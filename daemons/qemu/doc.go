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
// Layout: driver.go builds the driver, procedures.go is the dispatch table; the domain
// objects and their files live in domain.go, registry.go, config.go and status.go;
// xml.go reads and checks domain XML; command.go turns a definition into QEMU's argv;
// conf.go reads qemu.conf; host.go probes the emulator and KVM; events.go publishes
// lifecycle events. Package qmp is the monitor.
package qemu

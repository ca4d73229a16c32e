// Package nodedev is the node-device driver of virtnodedevd and libvirtd: the host's
// devices as libvirt's udev backend (src/node_device/node_device_udev.c) shows them,
// read from sysfs and, where udevd runs, from its database under /run/udev/data, kept
// current by kernel (or udevd) uevents, and reported to virsh's nodedev-* commands and
// to node-device event callbacks.
//
// The driver owns a registry of devices keyed by sysfs path and by libvirt's device
// name (pci_0000_00_1f_2, net_eth0_52_54_00_12_34_56, computer). A device's XML is
// rebuilt from sysfs when asked for, so dumpxml shows the current driver, link state
// and sizes, as libvirt refreshes them in nodeDeviceGetXMLDesc. PCI devices can be
// handed to vfio-pci and back (nodedev-detach, nodedev-reattach) through the kernel's
// driver_override, as libvirt's virPCIDeviceDetach does.
package nodedev

// Package host describes the machine the daemons run on, as libvirt reports it: the
// node info of virNodeGetInfo, the SMBIOS sysinfo of virConnectGetSysinfo, and the host
// part of the capabilities XML. Everything is read from /proc and /sys on demand, so a
// daemon pays nothing for it at start-up.
package host

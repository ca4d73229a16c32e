// Package admin is libvirt's ADMIN program (src/admin/admin_protocol.x), served on the
// -admin-sock for virt-admin: servers and their clients, thread pools and client
// limits, logging outputs and filters, and the daemon's idle timeout.
package admin

// Package remote is libvirt's REMOTE program: the procedure numbers of
// remote_protocol.x, the connection-level procedures every daemon answers (auth,
// open/close, features, type and versions, host information, event and close-callback
// registration), and the assembly of the drivers' procedure tables into one program.
//
// Drivers contribute procedures through the Driver interface; dispatch is by procedure
// number, so in libvirtd every driver's procedures sit side by side in one table, as
// libvirt's own drivers do behind one virConnect.
package remote

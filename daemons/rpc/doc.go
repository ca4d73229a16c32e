// Package rpc is libvirt's RPC transport, server side: message framing and XDR, the
// connection loop with keepalive, dispatch of calls to the procedures a program
// registers, read-only enforcement, per-client request limits, the worker pool, and
// event delivery to registered callbacks.
//
// It knows nothing of domains or networks. A program (REMOTE, ADMIN) is a table of
// Procedures built with Handle; the daemon puts programs into a Server and hands it
// listeners. Wire facts follow libvirt's src/rpc/virnetprotocol.x and
// src/rpc/virnetserver*.c.
package rpc

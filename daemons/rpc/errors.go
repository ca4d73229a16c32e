package rpc

import (
	"errors"
	"log/slog"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// remoteError is virNetMessageError (identical to remote_error), the payload of every
// reply with StatusError. Optional fields are XDR pointers: empty slices are "absent".
type remoteError struct {
	Code    int32
	Domain  int32
	Message []string
	Level   int32
	Dom     []libvirt.Domain
	Str1    []string
	Str2    []string
	Str3    []string
	Int1    int32
	Int2    int32
	Net     []libvirt.Network
}

// errLevelError is VIR_ERR_ERROR.
const errLevelError = 2

// wireError is the one place a Go error becomes remote_error. An error that is not a
// *virerror.Error escaped a handler unclassified: that is a bug, so it is logged, and
// still answered as libvirt answers the unexpected, as an internal error.
func wireError(log *slog.Logger, err error) remoteError {
	var ve *virerror.Error
	if !errors.As(err, &ve) {
		log.Error("unclassified error reached the wire", "err", err)
		ve = virerror.As(err, virerror.FromRPC)
	}
	msg := ve.Error()
	return remoteError{
		Code:    int32(ve.Code),
		Domain:  int32(ve.Domain),
		Message: []string{msg},
		Level:   errLevelError,
		Str1:    []string{msg},
	}
}

// rpcError is an error of the RPC layer itself (VIR_ERR_RPC from VIR_FROM_RPC).
func rpcError(format string, args ...any) *virerror.Error {
	return virerror.New(libvirt.ErrRPC, virerror.FromRPC, format, args...)
}

package remote

import (
	"slices"
	"strconv"
	"strings"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The REMOTE program's number and version (REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION).
const (
	Program = 0x20008086
	Version = 1
)

// Proc is a procedure number of the REMOTE program.
type Proc int32

// String is the constant's name, or the number for a procedure virtunit does not know.
func (p Proc) String() string {
	if n, ok := procNames[p]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

// API is the public libvirt function the procedure carries, as named in libvirt's own
// messages ("read only access prevents virDomainCreate").
func (p Proc) API() string { return "vir" + p.String() }

// ErrorDomain is the component libvirt reports the API's own errors from: the file the
// public function lives in (libvirt-domain.c reports VIR_FROM_DOMAIN, and so on).
func (p Proc) ErrorDomain() virerror.Domain {
	n := p.String()
	switch {
	case strings.HasPrefix(n, "Domain"), strings.HasPrefix(n, "ConnectDomain"):
		return virerror.FromDomain
	case strings.HasPrefix(n, "NetworkPort"):
		return virerror.FromNetwork
	case strings.HasPrefix(n, "Network"), strings.HasPrefix(n, "ConnectNetwork"):
		return virerror.FromNetwork
	case strings.HasPrefix(n, "Interface"), strings.HasPrefix(n, "ConnectInterface"):
		return virerror.FromInterface
	case strings.HasPrefix(n, "NodeDevice"), strings.HasPrefix(n, "ConnectNodeDevice"):
		return virerror.FromNodeDev
	case strings.HasPrefix(n, "Storage"), strings.Contains(n, "StoragePool"):
		return virerror.FromStorage
	}
	return virerror.FromNone
}

// Procs lists every procedure number virtunit knows, in numeric order.
func Procs() []Proc {
	ps := make([]Proc, 0, len(procNames))
	for p := range procNames {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

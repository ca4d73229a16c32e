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
func (p Proc) API() string {
	n := p.String()
	if s, ok := apiSpelling[n]; ok {
		return "vir" + s
	}
	return "vir" + strings.ReplaceAll(n, "Nwfilter", "NWFilter")
}

// apiSpelling are the APIs whose capitals libvirt places where the procedure's
// name, derived from REMOTE_PROC_*, cannot tell.
var apiSpelling = map[string]string{
	"DomainFstrim":               "DomainFSTrim",
	"DomainFsfreeze":             "DomainFSFreeze",
	"DomainFsthaw":               "DomainFSThaw",
	"DomainGetFsinfo":            "DomainGetFSInfo",
	"DomainPmSuspendForDuration": "DomainPMSuspendForDuration",
	"DomainPmWakeup":             "DomainPMWakeup",
	"DomainAuthorizedSshKeysGet": "DomainAuthorizedSSHKeysGet",
	"DomainAuthorizedSshKeysSet": "DomainAuthorizedSSHKeysSet",
}

// ErrorDomain is the component libvirt reports the API's own errors from: the file the
// public function lives in (libvirt-domain.c reports VIR_FROM_DOMAIN, libvirt-host.c
// VIR_FROM_NONE, and so on). Connection-level calls about one kind of object
// (virConnectListAllDomains, virConnectNetworkEventRegisterAny) live in that object's
// file.
func (p Proc) ErrorDomain() virerror.Domain {
	n := strings.TrimPrefix(p.String(), "Connect")
	for _, f := range []struct {
		prefix, word string
		dom          virerror.Domain
	}{
		{"DomainSnapshot", "", virerror.FromDomainSnapshot},
		{"DomainCheckpoint", "", virerror.FromDomainCheckpoint},
		{"Domain", "Domain", virerror.FromDomain},
		{"Network", "Network", virerror.FromNetwork},
		{"Interface", "Interface", virerror.FromInterface},
		{"NodeDevice", "NodeDevice", virerror.FromNodeDev},
		{"NodeNumOfDevices", "", virerror.FromNodeDev},
		{"NodeListDevices", "", virerror.FromNodeDev},
		{"StoragePool", "StoragePool", virerror.FromStorage},
		{"StorageVol", "", virerror.FromStorage},
		{"Secret", "Secret", virerror.FromSecret},
		{"Nwfilter", "Nwfilter", virerror.FromNWFilter},
	} {
		if strings.HasPrefix(n, f.prefix) || (f.word != "" && n != p.String() && strings.Contains(n, f.word)) {
			return f.dom
		}
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

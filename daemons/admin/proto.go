package admin

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// Program and version of the ADMIN program.
const (
	Program = 0x06900690
	Version = 1
)

// Proc is a procedure number of the ADMIN program.
type Proc int32

// The admin procedures (admin_procedure in admin_protocol.x).
const (
	ConnectOpen               Proc = 1
	ConnectClose              Proc = 2
	ConnectGetLibVersion      Proc = 3
	ConnectListServers        Proc = 4
	ConnectLookupServer       Proc = 5
	ServerGetThreadpoolParams Proc = 6
	ServerSetThreadpoolParams Proc = 7
	ServerListClients         Proc = 8
	ServerLookupClient        Proc = 9
	ClientGetInfo             Proc = 10
	ClientClose               Proc = 11
	ServerGetClientLimits     Proc = 12
	ServerSetClientLimits     Proc = 13
	ConnectGetLoggingOutputs  Proc = 14
	ConnectGetLoggingFilters  Proc = 15
	ConnectSetLoggingOutputs  Proc = 16
	ConnectSetLoggingFilters  Proc = 17
	ServerUpdateTLSFiles      Proc = 18
	ConnectSetDaemonTimeout   Proc = 19
)

var apis = map[Proc]string{
	ConnectOpen:               "virAdmConnectOpen",
	ConnectClose:              "virAdmConnectClose",
	ConnectGetLibVersion:      "virAdmConnectGetLibVersion",
	ConnectListServers:        "virAdmConnectListServers",
	ConnectLookupServer:       "virAdmConnectLookupServer",
	ServerGetThreadpoolParams: "virAdmServerGetThreadPoolParameters",
	ServerSetThreadpoolParams: "virAdmServerSetThreadPoolParameters",
	ServerListClients:         "virAdmServerListClients",
	ServerLookupClient:        "virAdmServerLookupClient",
	ClientGetInfo:             "virAdmClientGetInfo",
	ClientClose:               "virAdmClientClose",
	ServerGetClientLimits:     "virAdmServerGetClientLimits",
	ServerSetClientLimits:     "virAdmServerSetClientLimits",
	ConnectGetLoggingOutputs:  "virAdmConnectGetLoggingOutputs",
	ConnectGetLoggingFilters:  "virAdmConnectGetLoggingFilters",
	ConnectSetLoggingOutputs:  "virAdmConnectSetLoggingOutputs",
	ConnectSetLoggingFilters:  "virAdmConnectSetLoggingFilters",
	ServerUpdateTLSFiles:      "virAdmServerUpdateTlsFiles",
	ConnectSetDaemonTimeout:   "virAdmConnectSetDaemonTimeout",
}

// API is the libvirt-admin function the procedure carries.
func (p Proc) API() string { return apis[p] }

// ErrorDomain: admin errors come from VIR_FROM_ADMIN.
func (p Proc) ErrorDomain() virerror.Domain { return virerror.FromAdmin }

// The wire structs of admin_protocol.x; go-libvirt covers only the REMOTE program.

type server struct{ Name string }

type client struct {
	Srv       server
	ID        uint64
	Timestamp int64
	Transport uint32
}

type openArgs struct{ Flags uint32 }

type libVersionRet struct{ LibVer uint64 }

type listServersArgs struct{ NeedResults, Flags uint32 }

type listServersRet struct {
	Servers []server
	Ret     uint32
}

type lookupServerArgs struct {
	Name  string
	Flags uint32
}

type lookupServerRet struct{ Srv server }

type serverArgs struct {
	Srv   server
	Flags uint32
}

type paramsRet struct{ Params []libvirt.TypedParam }

type listClientsArgs struct {
	Srv         server
	NeedResults uint32
	Flags       uint32
}

type listClientsRet struct {
	Clients []client
	Ret     uint32
}

type lookupClientArgs struct {
	Srv   server
	ID    uint64
	Flags uint32
}

type lookupClientRet struct{ Clnt client }

type clientArgs struct {
	Clnt  client
	Flags uint32
}

type flagsArgs struct{ Flags uint32 }

type loggingOutputsRet struct {
	Outputs  string
	NOutputs uint32
}

type loggingFiltersRet struct {
	Filters  []string
	NFilters uint32
}

type setLoggingArgs struct {
	Value []string
	Flags uint32
}

type setTimeoutArgs struct{ Timeout, Flags uint32 }

package admin

import (
	"context"
	"os/user"
	"strconv"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Daemon is what the admin program manages.
type Daemon interface {
	// Servers are the daemon's servers, the main one first, then "admin".
	Servers() []*rpc.Server
	// LogOutputs and LogFilters are the current settings in libvirt's syntax.
	LogOutputs() string
	LogFilters() string
	// SetLogOutputs and SetLogFilters apply new settings at once; "" restores the
	// default outputs or clears the filters.
	SetLogOutputs(string) error
	SetLogFilters(string) error
	// SetTimeout changes the idle timeout (-t); 0 disables it.
	SetTimeout(seconds uint32) error
	// UpdateTLS loads the TLS files of the named server again.
	UpdateTLS(server string) error
}

// Admin serves the ADMIN program of one daemon.
type Admin struct {
	d          Daemon
	libVersion uint64
}

// New builds the admin program for d. libVersion is what virt-admin version shows.
func New(d Daemon, libVersion uint64) *Admin { return &Admin{d: d, libVersion: libVersion} }

type session struct {
	mu     sync.Mutex
	opened bool
}

func (s *session) Close() {}

// NewSession is the admin server's per-client state.
func (a *Admin) NewSession(*rpc.Client) rpc.Session { return &session{} }

// Program is the ADMIN program.
func (a *Admin) Program() (*rpc.Program, error) {
	prog, err := rpc.NewProgram(Program, Version, a.procedures())
	if err != nil {
		return nil, err
	}
	prog.Check = func(ctx context.Context, p *rpc.Procedure) error {
		if p.Num == int32(ConnectOpen) || p.Num == int32(ConnectClose) {
			return nil
		}
		s := rpc.ClientFrom(ctx).Session().(*session)
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.opened {
			return virerror.New(libvirt.ErrInternalError, virerror.FromAdmin, "connection not open")
		}
		return nil
	}
	return prog, nil
}

func (a *Admin) procedures() []rpc.Procedure {
	return []rpc.Procedure{
		rpc.Handle(ConnectOpen, a.open),
		rpc.Handle(ConnectClose, a.close),
		rpc.Handle(ConnectGetLibVersion, a.libVer),
		rpc.Handle(ConnectListServers, a.listServers),
		rpc.Handle(ConnectLookupServer, a.lookupServer),
		rpc.Handle(ServerGetThreadpoolParams, a.threadpoolParams),
		rpc.HandleRaw(ServerSetThreadpoolParams, a.setThreadpoolParams),
		rpc.Handle(ServerListClients, a.listClients),
		rpc.Handle(ServerLookupClient, a.lookupClient),
		rpc.Handle(ClientGetInfo, a.clientInfo),
		rpc.Handle(ClientClose, a.clientClose),
		rpc.Handle(ServerGetClientLimits, a.clientLimits),
		rpc.HandleRaw(ServerSetClientLimits, a.setClientLimits),
		rpc.Handle(ConnectGetLoggingOutputs, a.logOutputs),
		rpc.Handle(ConnectGetLoggingFilters, a.logFilters),
		rpc.Handle(ConnectSetLoggingOutputs, a.setLogOutputs),
		rpc.Handle(ConnectSetLoggingFilters, a.setLogFilters),
		rpc.Handle(ServerUpdateTLSFiles, a.updateTLS),
		rpc.Handle(ConnectSetDaemonTimeout, a.setTimeout),
	}
}

func checkFlags(flags uint32, p Proc) error {
	return virerror.CheckFlags(flags, 0, virerror.FromAdmin, p.API())
}

func (a *Admin) open(ctx context.Context, args openArgs) (struct{}, error) {
	if err := checkFlags(args.Flags, ConnectOpen); err != nil {
		return struct{}{}, err
	}
	s := rpc.ClientFrom(ctx).Session().(*session)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		return struct{}{}, virerror.New(libvirt.ErrInternalError, virerror.FromAdmin, "connection already open")
	}
	s.opened = true
	return struct{}{}, nil
}

func (a *Admin) close(ctx context.Context, _ struct{}) (struct{}, error) {
	rpc.ClientFrom(ctx).CloseAfterReply()
	return struct{}{}, nil
}

func (a *Admin) libVer(ctx context.Context, _ struct{}) (libVersionRet, error) {
	return libVersionRet{LibVer: a.libVersion}, nil
}

func (a *Admin) listServers(ctx context.Context, args listServersArgs) (listServersRet, error) {
	if err := checkFlags(args.Flags, ConnectListServers); err != nil {
		return listServersRet{}, err
	}
	srvs := a.d.Servers()
	ret := listServersRet{Ret: uint32(len(srvs))}
	if args.NeedResults != 0 {
		for _, s := range srvs {
			ret.Servers = append(ret.Servers, server{Name: s.Name()})
		}
	}
	return ret, nil
}

func (a *Admin) server(name string) (*rpc.Server, error) {
	for _, s := range a.d.Servers() {
		if s.Name() == name {
			return s, nil
		}
	}
	return nil, virerror.New(libvirt.ErrNoServer, virerror.FromAdmin, "no server with matching name '%s'", name)
}

func (a *Admin) lookupServer(ctx context.Context, args lookupServerArgs) (lookupServerRet, error) {
	if err := checkFlags(args.Flags, ConnectLookupServer); err != nil {
		return lookupServerRet{}, err
	}
	s, err := a.server(args.Name)
	if err != nil {
		return lookupServerRet{}, err
	}
	return lookupServerRet{Srv: server{Name: s.Name()}}, nil
}

func (a *Admin) listClients(ctx context.Context, args listClientsArgs) (listClientsRet, error) {
	if err := checkFlags(args.Flags, ServerListClients); err != nil {
		return listClientsRet{}, err
	}
	s, err := a.server(args.Srv.Name)
	if err != nil {
		return listClientsRet{}, err
	}
	cs := s.Clients()
	ret := listClientsRet{Ret: uint32(len(cs))}
	if args.NeedResults != 0 {
		for _, c := range cs {
			ret.Clients = append(ret.Clients, wireClient(s, c))
		}
	}
	return ret, nil
}

func wireClient(s *rpc.Server, c *rpc.Client) client {
	return client{Srv: server{Name: s.Name()}, ID: c.ID(), Timestamp: c.Created().Unix(), Transport: uint32(c.Transport())}
}

func (a *Admin) client(srv server, id uint64) (*rpc.Server, *rpc.Client, error) {
	s, err := a.server(srv.Name)
	if err != nil {
		return nil, nil, err
	}
	c := s.Client(id)
	if c == nil {
		return nil, nil, virerror.New(libvirt.ErrNoClient, virerror.FromAdmin, "no client with matching id '%d'", id)
	}
	return s, c, nil
}

func (a *Admin) lookupClient(ctx context.Context, args lookupClientArgs) (lookupClientRet, error) {
	if err := checkFlags(args.Flags, ServerLookupClient); err != nil {
		return lookupClientRet{}, err
	}
	s, c, err := a.client(args.Srv, args.ID)
	if err != nil {
		return lookupClientRet{}, err
	}
	return lookupClientRet{Clnt: wireClient(s, c)}, nil
}

// clientInfo reports what libvirt reports of a client (adminClientGetInfo): read-only
// or not, a unix peer's credentials with their names, a TCP or TLS peer's address, and
// who the client proved to be: its SASL user name, its certificate's DN.
func (a *Admin) clientInfo(ctx context.Context, args clientArgs) (paramsRet, error) {
	if err := checkFlags(args.Flags, ClientGetInfo); err != nil {
		return paramsRet{}, err
	}
	_, c, err := a.client(args.Clnt.Srv, args.Clnt.ID)
	if err != nil {
		return paramsRet{}, err
	}
	cred := c.Cred()
	ps := []libvirt.TypedParam{rpc.Param("readonly", c.ReadOnly())}
	if cred.Uid >= 0 {
		ps = append(ps, rpc.Param("unix_user_id", int32(cred.Uid)))
		if u, err := user.LookupId(strconv.Itoa(cred.Uid)); err == nil {
			ps = append(ps, rpc.Param("unix_user_name", u.Username))
		}
		ps = append(ps, rpc.Param("unix_group_id", int32(cred.Gid)))
		if g, err := user.LookupGroupId(strconv.Itoa(cred.Gid)); err == nil {
			ps = append(ps, rpc.Param("unix_group_name", g.Name))
		}
		ps = append(ps, rpc.Param("unix_process_id", int32(cred.Pid)))
	}
	if addr := c.RemoteAddr(); addr != "" {
		ps = append(ps, rpc.Param("sock_addr", addr))
	}
	id := c.Identity()
	if id.SASLUser != "" {
		ps = append(ps, rpc.Param("sasl_user_name", id.SASLUser))
	}
	if id.X509DN != "" {
		ps = append(ps, rpc.Param("tls_x509_dname", id.X509DN))
	}
	return paramsRet{Params: ps}, nil
}

func (a *Admin) clientClose(ctx context.Context, args clientArgs) (struct{}, error) {
	if err := checkFlags(args.Flags, ClientClose); err != nil {
		return struct{}{}, err
	}
	_, c, err := a.client(args.Clnt.Srv, args.Clnt.ID)
	if err != nil {
		return struct{}{}, err
	}
	if c == rpc.ClientFrom(ctx) {
		c.CloseAfterReply()
	} else {
		c.Close()
	}
	return struct{}{}, nil
}

func (a *Admin) updateTLS(ctx context.Context, args serverArgs) (struct{}, error) {
	if err := checkFlags(args.Flags, ServerUpdateTLSFiles); err != nil {
		return struct{}{}, err
	}
	if _, err := a.server(args.Srv.Name); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, a.d.UpdateTLS(args.Srv.Name)
}

func (a *Admin) setTimeout(ctx context.Context, args setTimeoutArgs) (struct{}, error) {
	if err := checkFlags(args.Flags, ConnectSetDaemonTimeout); err != nil {
		return struct{}{}, err
	}
	if err := a.d.SetTimeout(args.Timeout); err != nil {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrInvalidArg, virerror.FromAdmin, "%v", err)
	}
	return struct{}{}, nil
}

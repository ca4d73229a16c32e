package remote

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/sasl"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/fnmatch"
	"github.com/virtunit/virtunit/internal/polkit"
)

// Auth answers the authentication procedures, for the REMOTE program and for
// virtproxyd's: which authentication a client's listener demands (AUTH_LIST), the SASL
// exchange (AUTH_SASL_INIT, _START, _STEP) and the polkit check (AUTH_POLKIT), as
// src/remote/remote_daemon_dispatch.c does.
type Auth struct {
	// Polkit asks polkitd about clients of polkit sockets.
	Polkit *polkit.Authority
	// SASL checks SASL clients; nil when no listener uses SASL.
	SASL *sasl.Server
	// AllowedUsers is sasl_allowed_username_list: nil admits every user the SASL DB
	// knows.
	AllowedUsers []string
	// MinSSF is tcp_min_ssf: the security layer plain TCP clients must negotiate.
	MinSSF int
	Log    *slog.Logger

	sessions sync.Map // *rpc.Client → sasl.Session
}

// The actions libvirt asks polkit about for its unix sockets.
const (
	polkitManage  = "org.libvirt.unix.manage"
	polkitMonitor = "org.libvirt.unix.monitor"
)

// Procedures are the authentication procedures, callable before authentication.
func (a *Auth) Procedures() []rpc.Procedure {
	ro, noauth, inline := rpc.ReadOnly, rpc.NoAuth, rpc.Inline
	return []rpc.Procedure{
		rpc.Handle(AuthList, a.list, ro, noauth, inline),
		// Inline: the SASL steps are quick, and a security layer the last one sets up
		// must be in place before the reader takes the client's next bytes.
		rpc.Handle(AuthSaslInit, a.saslInit, ro, noauth, inline),
		rpc.Handle(AuthSaslStart, a.saslStart, ro, noauth, inline),
		rpc.Handle(AuthSaslStep, a.saslStep, ro, noauth, inline),
		rpc.Handle(AuthPolkit, a.polkit, ro, noauth),
	}
}

func (a *Auth) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// errAuthFailed is what libvirt's authentication procedures answer any failure with
// (their authfail label): "authentication failed: authentication failed" at the
// client, whatever went wrong, which only the daemon's log tells.
func errAuthFailed() error {
	return virerror.New(libvirt.ErrAuthFailed, virerror.FromRPC, "authentication failed")
}

// list reports the listener's authentication. A root client of a polkit socket is let
// in at once, as libvirt does, so root is never locked out by a broken polkit.
func (a *Auth) list(ctx context.Context, _ struct{}) (libvirt.AuthListRet, error) {
	c := rpc.ClientFrom(ctx)
	auth := c.Auth()
	if auth == rpc.AuthPolkit && c.Cred().Uid == 0 {
		a.log().Info("Bypass polkit auth for privileged client", "pid", c.Cred().Pid, "uid", 0)
		c.SetAuthenticated()
		auth = rpc.AuthNone
	}
	return libvirt.AuthListRet{Types: []libvirt.AuthType{libvirt.AuthType(auth)}}, nil
}

// secure is whether the channel needs no SASL security layer: TLS, or a unix socket.
func secure(c *rpc.Client) bool { return c.Transport() != rpc.TransportTCP }

func (a *Auth) saslInit(ctx context.Context, _ struct{}) (libvirt.AuthSaslInitRet, error) {
	c := rpc.ClientFrom(ctx)
	if c.Auth() != rpc.AuthSASL || a.SASL == nil || c.Authenticated() {
		a.log().Error("client tried invalid SASL init request", "client", c.ID())
		return libvirt.AuthSaslInitRet{}, errAuthFailed()
	}
	mechs := a.SASL.Mechanisms(secure(c), a.MinSSF)
	if len(mechs) == 0 {
		a.log().Error("no SASL mechanism is available for the client", "client", c.ID(), "transport", c.Transport().String())
		return libvirt.AuthSaslInitRet{}, errAuthFailed()
	}
	list := strings.Join(mechs, ",")
	a.log().Debug("Available mechanisms for client: '"+list+"'", "client", c.ID())
	return libvirt.AuthSaslInitRet{Mechlist: list}, nil
}

func (a *Auth) saslStart(ctx context.Context, args libvirt.AuthSaslStartArgs) (libvirt.AuthSaslStartRet, error) {
	c := rpc.ClientFrom(ctx)
	if c.Auth() != rpc.AuthSASL || a.SASL == nil || c.Authenticated() {
		a.log().Error("client tried invalid SASL start request", "client", c.ID())
		return libvirt.AuthSaslStartRet{}, errAuthFailed()
	}
	s, err := a.SASL.Start(args.Mech, secure(c), a.MinSSF)
	if err != nil {
		a.log().Warn("SASL authentication failed", "client", c.ID(), "err", err)
		return libvirt.AuthSaslStartRet{}, errAuthFailed()
	}
	if _, loaded := a.sessions.LoadOrStore(c, s); !loaded {
		c.OnClose(func() { a.sessions.Delete(c) })
	} else {
		a.sessions.Store(c, s)
	}
	a.log().Debug("Using SASL mechanism", "mech", args.Mech, "client", c.ID())
	out, complete, err := a.step(c, s, args.Nil, args.Data)
	return libvirt.AuthSaslStartRet{Complete: complete, Nil: nilFlag(out), Data: out}, err
}

func (a *Auth) saslStep(ctx context.Context, args libvirt.AuthSaslStepArgs) (libvirt.AuthSaslStepRet, error) {
	c := rpc.ClientFrom(ctx)
	v, ok := a.sessions.Load(c)
	if c.Auth() != rpc.AuthSASL || !ok {
		a.log().Error("client tried invalid SASL start request", "client", c.ID())
		return libvirt.AuthSaslStepRet{}, errAuthFailed()
	}
	out, complete, err := a.step(c, v.(sasl.Session), args.Nil, args.Data)
	return libvirt.AuthSaslStepRet{Complete: complete, Nil: nilFlag(out), Data: out}, err
}

// step runs one step of the client's exchange; once complete, the user is checked
// against sasl_allowed_username_list and the client is authenticated.
func (a *Auth) step(c *rpc.Client, s sasl.Session, isNil int32, data []int8) ([]int8, int32, error) {
	var in []byte
	if isNil == 0 {
		in = make([]byte, len(data))
		for i, b := range data {
			in[i] = byte(b)
		}
	}
	out, done, err := s.Step(in)
	if err != nil {
		a.sessions.Delete(c)
		a.log().Warn("SASL authentication failed", "client", c.ID(), "addr", c.RemoteAddr(), "err", err)
		return nil, 0, errAuthFailed()
	}
	wire := toWire(out)
	if !done {
		return wire, 0, nil
	}
	a.sessions.Delete(c)
	if !secure(c) && s.SSF() < a.MinSSF {
		a.log().Error("negotiated SSF was not strong enough", "client", c.ID(), "ssf", s.SSF(), "tcp_min_ssf", a.MinSSF)
		return nil, 0, errAuthFailed()
	}
	user := s.User()
	if a.AllowedUsers != nil && !slices.ContainsFunc(a.AllowedUsers, func(p string) bool { return matchGlob(p, user) }) {
		a.log().Error("Client's username is not on the list of allowed clients", "client", c.ID(), "user", user)
		return nil, 0, errAuthFailed()
	}
	c.SetSASLUser(user)
	if l := s.Layer(); l != nil {
		c.SetSecurityLayer(l)
	}
	c.SetAuthenticated()
	a.log().Info("SASL authentication succeeded", "client", c.ID(), "user", user, "ssf", s.SSF())
	return wire, 1, nil
}

// toWire is the reply's data: nil when the mechanism has nothing to send (the wire's
// nil flag), else the bytes, each an XDR char.
func toWire(out []byte) []int8 {
	if out == nil {
		return nil
	}
	w := make([]int8, len(out))
	for i, b := range out {
		w[i] = int8(b)
	}
	return w
}

func nilFlag(out []int8) int32 {
	if out == nil {
		return 1
	}
	return 0
}

// matchGlob is sasl_allowed_username_list's match (fnmatch, as libvirt's).
func matchGlob(pattern, s string) bool {
	return fnmatch.Match(pattern, s)
}

// polkit checks a unix client with polkitd: org.libvirt.unix.manage for the
// read-write socket, org.libvirt.unix.monitor for the read-only one.
func (a *Auth) polkit(ctx context.Context, _ struct{}) (libvirt.AuthPolkitRet, error) {
	c := rpc.ClientFrom(ctx)
	if c.Authenticated() && c.Auth() == rpc.AuthPolkit {
		return libvirt.AuthPolkitRet{Complete: 1}, nil
	}
	if c.Auth() != rpc.AuthPolkit || a.Polkit == nil {
		a.log().Error("client tried invalid PolicyKit init request", "client", c.ID())
		return libvirt.AuthPolkitRet{}, errAuthFailed()
	}
	action := polkitManage
	if c.ReadOnly() {
		action = polkitMonitor
	}
	cred := c.Cred()
	res, err := a.Polkit.Check(ctx, action, cred.Pid, cred.Uid, true)
	switch {
	case err != nil:
		a.log().Error("polkit check failed", "client", c.ID(), "pid", cred.Pid, "uid", cred.Uid, "err", err)
		return libvirt.AuthPolkitRet{}, virerror.Wrap(err, libvirt.ErrAuthFailed, virerror.FromPolkit, "%v", err)
	case res.Authorized:
		a.log().Info("Policy allowed action", "action", action, "pid", cred.Pid, "uid", cred.Uid)
		c.SetAuthenticated()
		return libvirt.AuthPolkitRet{Complete: 1}, nil
	case res.Dismissed:
		return libvirt.AuthPolkitRet{}, virerror.New(libvirt.ErrAuthCancelled, virerror.FromPolkit, "user cancelled authentication process")
	case res.Challenge:
		a.log().Warn("Policy kit denied action: no agent", "action", action, "pid", cred.Pid, "uid", cred.Uid)
		return libvirt.AuthPolkitRet{}, virerror.New(libvirt.ErrAuthUnavailable, virerror.FromPolkit, "no polkit agent available to authenticate action '%s'", action)
	}
	a.log().Warn("Policy kit denied action", "action", action, "pid", cred.Pid, "uid", cred.Uid)
	return libvirt.AuthPolkitRet{}, virerror.New(libvirt.ErrAuthFailed, virerror.FromPolkit, "access denied by policy")
}

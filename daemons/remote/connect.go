package remote

import (
	"context"
	"net/url"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// LibVersion is the libvirt API level virtunit answers for in virConnectGetLibVersion
// and the admin version call (libvirt encodes 9.0.0 as 9000000). Tools compare it to
// decide what they may use, so it names the libvirt release whose protocol and
// behaviour virtunit reproduces, not virtunit's own version.
const LibVersion = 9_000_000

// connectionTypes maps each URI scheme a daemon can open to the connection type
// virConnectGetType reports and the error domain its driver reports from.
var connectionTypes = map[string]struct {
	typ string
	dom virerror.Domain
}{
	"qemu":      {"QEMU", virerror.FromQEMU},
	"network":   {"network", virerror.FromNetwork},
	"interface": {"interface", virerror.FromInterface},
	"nodedev":   {"nodedev", virerror.FromNodeDev},
	"storage":   {"storage", virerror.FromStorage},
}

// The virDrvFeature values the daemon itself answers (src/libvirt_internal.h).
const (
	featureFDPassing           = 8
	featureTypedParamString    = 9
	featureProgramKeepalive    = 10
	featureRemoteEventCallback = 14
	featureRemoteCloseCallback = 15
	featureNetworkUpdateOrder  = 16
)

// connectFlagRO is VIR_CONNECT_RO; the client also puts its own REMOTE_DRIVER_OPEN_*
// bits into the flags, which mean nothing here.
const connectFlagRO = 1

func (r *Remote) connectProcedures() []rpc.Procedure {
	return append(r.cfg.Auth.Procedures(),
		rpc.HandleRaw(ConnectOpen, r.openRaw, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectClose, r.close, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectSupportsFeature, r.supportsFeature, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectGetType, r.getType, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectGetVersion, r.getVersion, rpc.ReadOnly, rpc.Priority),
		rpc.Handle(ConnectGetLibVersion, r.getLibVersion, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectGetURI, r.getURI, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectIsSecure, r.isSecure, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectRegisterCloseCallback, r.registerCloseCallback, rpc.ReadOnly, rpc.Inline),
		rpc.Handle(ConnectUnregisterCloseCallback, r.unregisterCloseCallback, rpc.ReadOnly, rpc.Inline),
	)
}

// DecodeOpenArgs decodes CONNECT_OPEN's arguments leniently: the optional name's
// marker counts as present when non-zero, as libvirt's own decoder has it, because
// go-libvirt sends 0x01000000 there.
func DecodeOpenArgs(payload []byte) (libvirt.ConnectOpenArgs, error) {
	r := rpc.NewXDRReader(payload)
	a := libvirt.ConnectOpenArgs{Name: r.OptString(4 << 20)}
	a.Flags = libvirt.ConnectFlags(r.Uint32())
	if err := r.Err(); err != nil {
		return a, rpc.DecodeError(err)
	}
	return a, nil
}

func (r *Remote) openRaw(ctx context.Context, payload []byte) (any, error) {
	a, err := DecodeOpenArgs(payload)
	if err != nil {
		return nil, err
	}
	return r.open(ctx, a)
}

func (r *Remote) open(ctx context.Context, a libvirt.ConnectOpenArgs) (struct{}, error) {
	c := rpc.ClientFrom(ctx)
	s := SessionFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uri != "" {
		return struct{}{}, virerror.New(libvirt.ErrInternalError, virerror.FromRPC, "connection already open")
	}
	name := ""
	if len(a.Name) > 0 {
		name = a.Name[0]
	}
	uri, scheme, err := r.resolve(name)
	if err != nil {
		return struct{}{}, err
	}
	if a.Flags&connectFlagRO != 0 {
		c.SetReadOnly()
	}
	s.uri, s.scheme = uri, scheme
	r.cfg.Log.Debug("connection opened", "client", c.ID(), "uri", uri, "readonly", c.ReadOnly())
	return struct{}{}, nil
}

// resolve checks a URI the way libvirt's drivers accept or decline it, returning the
// URI to report back and its scheme. An empty name asks the daemon to pick (a probe).
func (r *Remote) resolve(name string) (string, string, error) {
	if name == "" {
		scheme := r.cfg.Schemes[0]
		return scheme + ":///" + r.defaultPath(), scheme, nil
	}
	u, err := url.Parse(name)
	if err != nil || u.Scheme == "" {
		return "", "", virerror.New(libvirt.ErrNoConnect, virerror.FromNone, "%s", name)
	}
	scheme := strings.ToLower(u.Scheme)
	ct, known := connectionTypes[scheme]
	if !known || !r.serves(scheme) || u.Host != "" || u.Opaque != "" {
		return "", "", virerror.New(libvirt.ErrNoConnect, virerror.FromNone, "%s", name)
	}
	if err := r.validatePath(scheme, u.Path, ct.dom); err != nil {
		return "", "", err
	}
	return name, scheme, nil
}

func (r *Remote) serves(scheme string) bool {
	for _, s := range r.cfg.Schemes {
		if s == scheme {
			return true
		}
	}
	return false
}

func (r *Remote) defaultPath() string {
	if r.cfg.Privileged {
		return "system"
	}
	return "session"
}

// validatePath is libvirt's virConnectValidateURIPath: a privileged daemon serves
// /system (and, for qemu, also /session), an unprivileged one only /session.
func (r *Remote) validatePath(scheme, path string, dom virerror.Domain) error {
	want := "/" + r.defaultPath()
	if path == want || (r.cfg.Privileged && scheme == "qemu" && path == "/session") {
		return nil
	}
	return virerror.New(libvirt.ErrInternalError, dom, "unexpected %s URI path '%s', try %s://%s", scheme, path, scheme, want)
}

func (r *Remote) close(ctx context.Context, _ struct{}) (struct{}, error) {
	rpc.ClientFrom(ctx).CloseAfterReply()
	return struct{}{}, nil
}

func (r *Remote) supportsFeature(ctx context.Context, a libvirt.ConnectSupportsFeatureArgs) (libvirt.ConnectSupportsFeatureRet, error) {
	if a.Feature == featureProgramKeepalive {
		rpc.ClientFrom(ctx).StartKeepAlive()
		return libvirt.ConnectSupportsFeatureRet{Supported: 1}, nil
	}
	if s := SessionFrom(ctx); s.URI() == "" {
		return libvirt.ConnectSupportsFeatureRet{}, errNotOpen()
	}
	switch a.Feature {
	case featureFDPassing, featureTypedParamString, featureRemoteEventCallback,
		featureRemoteCloseCallback, featureNetworkUpdateOrder:
		return libvirt.ConnectSupportsFeatureRet{Supported: 1}, nil
	}
	// The migration features are the hypervisor driver's to answer.
	if hv, ok := r.hypervisor(ctx, SessionFrom(ctx).Scheme()); ok {
		if m, ok := hv.(driver.Migrations); ok && m.SupportsMigrationFeature(a.Feature) {
			return libvirt.ConnectSupportsFeatureRet{Supported: 1}, nil
		}
	}
	return libvirt.ConnectSupportsFeatureRet{Supported: 0}, nil
}

func (r *Remote) getType(ctx context.Context, _ struct{}) (libvirt.ConnectGetTypeRet, error) {
	return libvirt.ConnectGetTypeRet{Type: connectionTypes[SessionFrom(ctx).Scheme()].typ}, nil
}

// getVersion reports the hypervisor's version; 0 (which virsh shows as "Cannot extract
// running ... hypervisor version") where the connection has no hypervisor, as for
// libvirt's network or nodedev connections.
func (r *Remote) getVersion(ctx context.Context, _ struct{}) (libvirt.ConnectGetVersionRet, error) {
	hv, ok := r.hypervisor(ctx, SessionFrom(ctx).Scheme())
	if !ok {
		return libvirt.ConnectGetVersionRet{}, nil
	}
	v, err := hv.HypervisorVersion(ctx)
	return libvirt.ConnectGetVersionRet{HvVer: v}, err
}

func (r *Remote) getLibVersion(ctx context.Context, _ struct{}) (libvirt.ConnectGetLibVersionRet, error) {
	return libvirt.ConnectGetLibVersionRet{LibVer: LibVersion}, nil
}

func (r *Remote) getURI(ctx context.Context, _ struct{}) (libvirt.ConnectGetUriRet, error) {
	return libvirt.ConnectGetUriRet{Uri: SessionFrom(ctx).URI()}, nil
}

// isSecure: a unix socket cannot be snooped by other users, TLS is encrypted, and so
// is plain TCP once a SASL security layer protects it; plain TCP without is not.
func (r *Remote) isSecure(ctx context.Context, _ struct{}) (libvirt.ConnectIsSecureRet, error) {
	c := rpc.ClientFrom(ctx)
	if c.Transport() == rpc.TransportTCP && c.Auth() != rpc.AuthSASL {
		return libvirt.ConnectIsSecureRet{Secure: 0}, nil
	}
	return libvirt.ConnectIsSecureRet{Secure: 1}, nil
}

func (r *Remote) registerCloseCallback(ctx context.Context, _ struct{}) (struct{}, error) {
	s := SessionFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeCallback {
		return struct{}{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromRPC, "A close callback is already registered")
	}
	s.closeCallback = true
	return struct{}{}, nil
}

func (r *Remote) unregisterCloseCallback(ctx context.Context, _ struct{}) (struct{}, error) {
	s := SessionFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closeCallback {
		return struct{}{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromRPC, "A different callback was requested")
	}
	s.closeCallback = false
	return struct{}{}, nil
}

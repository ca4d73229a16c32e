package qemu

import (
	"context"
	"os"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Peer-to-peer migration: the source daemon is the destination's client and runs
// the five steps itself (libvirt's qemuMigrationSrcPerformPeer2Peer3). The
// destination sees the very calls a client driving both hosts makes.

// peerCallTimeout bounds each call to the destination: Prepare starts a QEMU.
// peerCancelTimeout bounds the Finish that cancels a failed migration there: the
// network may be what failed, and the destination cleans up on its own when its
// keepalive finds this connection dead.
const (
	peerCallTimeout   = 2 * time.Minute
	peerCancelTimeout = 15 * time.Second
)

// featureProgramKeepalive asks the destination's server to probe this connection
// (VIR_DRV_FEATURE_PROGRAM_KEEPALIVE), as libvirt's remote driver does on open.
const featureProgramKeepalive = 10

func (d *Driver) migrateP2P(ctx context.Context, dom *domain, dconnuri string, params []libvirt.TypedParam, p migrateParams, flags libvirt.DomainMigrateFlags) error {
	dctx, cancel := context.WithTimeout(ctx, peerCallTimeout)
	peer, err := remote.DialURI(dctx, dconnuri, remote.DialOptions{Privileged: d.privileged, Home: os.Getenv("HOME"), SockDir: d.env.Paths.RunDir}, nil)
	cancel()
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromQEMU, "Failed to connect to remote libvirt URI %s: %s", dconnuri, err.Error())
	}
	defer peer.Close()
	callWithin := func(limit time.Duration, proc remote.Proc, args, ret any) error {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
		defer cancel()
		return peer.Call(cctx, remote.Program, int32(proc), args, ret)
	}
	call := func(proc remote.Proc, args, ret any) error { return callWithin(peerCallTimeout, proc, args, ret) }
	// The destination drops what it prepared when this connection dies.
	if _, err := remote.SupportsFeature(ctx, peer, featureProgramKeepalive); err != nil {
		return err
	}
	for _, f := range []int32{featureMigrationV3, featureMigrationParams} {
		if ok, err := remote.SupportsFeature(ctx, peer, f); err != nil {
			return err
		} else if !ok {
			return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "Destination libvirt does not support peer-to-peer migration protocol")
		}
	}
	if flags&libvirt.MigrateOffline != 0 {
		if ok, err := remote.SupportsFeature(ctx, peer, featureMigrationOffline); err != nil {
			return err
		} else if !ok {
			return virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromQEMU, "offline migration is not supported by the destination host")
		}
	}
	if st, _ := dom.getState(); st == libvirt.DomainPaused {
		flags |= libvirt.MigratePaused
	}
	xml, cookie, _, err := d.begin(ctx, dom, p, flags)
	if err != nil {
		return err
	}
	var prep libvirt.DomainMigratePrepare3ParamsRet
	err = call(remote.DomainMigratePrepare3Params, libvirt.DomainMigratePrepare3ParamsArgs{
		Params: withParam(params, paramDestXML, xml), CookieIn: cookie, Flags: uint32(flags)}, &prep)
	if err != nil {
		d.confirm(context.WithoutCancel(ctx), dom, flags, true)
		return err
	}
	var cookie3 []byte
	var perr error
	if flags&libvirt.MigrateOffline == 0 {
		if len(prep.UriOut) == 0 {
			perr = virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "domainMigratePrepare3 did not set uri")
			d.confirm(context.WithoutCancel(ctx), dom, flags, true)
		} else {
			p.uri = prep.UriOut[0]
			pctx, stop := watchPeer(ctx, peer)
			cookie3, perr = d.perform(pctx, dom, p, flags, prep.CookieOut)
			if lost := stop(); lost != nil && perr != nil {
				perr = lost
			}
		}
	} else {
		cookie3, perr = d.perform(ctx, dom, p, flags, nil)
	}
	name := p.destName
	if name == "" {
		name = dom.name
	}
	cancelled := int32(0)
	if perr != nil {
		cancelled = 1
	}
	limit := peerCallTimeout
	if perr != nil {
		limit = peerCancelTimeout
	}
	var fin libvirt.DomainMigrateFinish3ParamsRet
	ferr := callWithin(limit, remote.DomainMigrateFinish3Params, libvirt.DomainMigrateFinish3ParamsArgs{
		Params: withParam(params, paramDestName, name), CookieIn: cookie3, Flags: uint32(flags), Cancelled: cancelled}, &fin)
	if perr != nil {
		return perr // the migration is over here already, the guest runs on
	}
	if err := d.confirm(context.WithoutCancel(ctx), dom, flags, ferr != nil); err != nil && ferr == nil {
		return err
	}
	return ferr
}

// withParam is params with name set to the string value.
func withParam(params []libvirt.TypedParam, name, value string) []libvirt.TypedParam {
	out := make([]libvirt.TypedParam, 0, len(params)+1)
	for _, tp := range params {
		if tp.Field != name {
			out = append(out, tp)
		}
	}
	return append(out, rpc.Param(name, value))
}

// The destination's liveness while the guest streams there, as libvirt's keepalive
// on its connection (interval 5 s, 5 unanswered probes): a destination that stops
// answering cancels the migration instead of leaving it to the network's timeouts.
const (
	peerProbeInterval = 5 * time.Second
	peerProbeTimeout  = 25 * time.Second
)

// watchPeer returns ctx cancelled once the destination is lost, and a stop that ends
// the watch and returns libvirt's error if the destination was lost.
func watchPeer(ctx context.Context, peer *rpc.Peer) (context.Context, func() error) {
	lost := virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "Lost connection to destination host")
	wctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(peerProbeInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-peer.Done():
				cancel(lost)
				return
			case <-t.C:
			}
			pctx, pcancel := context.WithTimeout(context.WithoutCancel(ctx), peerProbeTimeout)
			_, err := remote.SupportsFeature(pctx, peer, featureMigrationV3)
			pcancel()
			select {
			case <-done:
				return
			default:
			}
			if err != nil {
				// As libvirt's keepalive does: the dead connection is closed, and
				// the calls still to come fail at once.
				cancel(lost)
				peer.Close()
				return
			}
		}
	}()
	return wctx, func() error {
		close(done)
		err := context.Cause(wctx)
		cancel(nil)
		if err == lost {
			return lost
		}
		return nil
	}
}

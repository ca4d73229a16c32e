package network

import (
	"context"
	"sort"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// maxList is REMOTE_NETWORK_NAME_LIST_MAX, the most names a reply may carry.
const maxList = 16384

// sorted are the networks in name order. Called with d.mu held.
func (d *Driver) sorted() []*network {
	out := make([]*network, 0, len(d.nets))
	for _, n := range d.nets {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].def.Name < out[j].def.Name })
	return out
}

// names lists the active (or inactive) networks' names, at most max.
func (d *Driver) names(active bool, max int32) ([]string, error) {
	if max > maxList || max < 0 {
		return nil, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxnames > REMOTE_NETWORK_LIST_MAX")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, n := range d.sorted() {
		if n.active == active && len(out) < int(max) {
			out = append(out, n.def.Name)
		}
	}
	return out, nil
}

func (d *Driver) count(active bool) int32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := int32(0)
	for _, n := range d.nets {
		if n.active == active {
			c++
		}
	}
	return c
}

func (d *Driver) ConnectNumOfNetworks(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfNetworksRet, error) {
	return libvirt.ConnectNumOfNetworksRet{Num: d.count(true)}, nil
}

func (d *Driver) ConnectNumOfDefinedNetworks(ctx context.Context, _ struct{}) (libvirt.ConnectNumOfDefinedNetworksRet, error) {
	return libvirt.ConnectNumOfDefinedNetworksRet{Num: d.count(false)}, nil
}

func (d *Driver) ConnectListNetworks(ctx context.Context, a libvirt.ConnectListNetworksArgs) (libvirt.ConnectListNetworksRet, error) {
	n, err := d.names(true, a.Maxnames)
	return libvirt.ConnectListNetworksRet{Names: n}, err
}

func (d *Driver) ConnectListDefinedNetworks(ctx context.Context, a libvirt.ConnectListDefinedNetworksArgs) (libvirt.ConnectListDefinedNetworksRet, error) {
	n, err := d.names(false, a.Maxnames)
	return libvirt.ConnectListDefinedNetworksRet{Names: n}, err
}

// listAllFlags are the filters of virConnectListAllNetworks.
const listAllFlags = libvirt.ConnectListNetworksInactive | libvirt.ConnectListNetworksActive |
	libvirt.ConnectListNetworksPersistent | libvirt.ConnectListNetworksTransient |
	libvirt.ConnectListNetworksAutostart | libvirt.ConnectListNetworksNoAutostart

// pair applies one filter group: with neither or both of its flags set it passes all.
func pair(flags, yes, no libvirt.ConnectListAllNetworksFlags, v bool) bool {
	y, n := flags&yes != 0, flags&no != 0
	return y == n || (y && v) || (n && !v)
}

func (d *Driver) ConnectListAllNetworks(ctx context.Context, a libvirt.ConnectListAllNetworksArgs) (libvirt.ConnectListAllNetworksRet, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(listAllFlags), remote.ConnectListAllNetworks); err != nil {
		return libvirt.ConnectListAllNetworksRet{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []libvirt.Network
	f := a.Flags
	for _, n := range d.sorted() {
		if pair(f, libvirt.ConnectListNetworksActive, libvirt.ConnectListNetworksInactive, n.active) &&
			pair(f, libvirt.ConnectListNetworksPersistent, libvirt.ConnectListNetworksTransient, n.persistent) &&
			pair(f, libvirt.ConnectListNetworksAutostart, libvirt.ConnectListNetworksNoAutostart, n.autostart) {
			out = append(out, n.ref())
		}
	}
	ret := libvirt.ConnectListAllNetworksRet{Ret: uint32(len(out))}
	if a.NeedResults != 0 {
		ret.Nets = out
	}
	return ret, nil
}

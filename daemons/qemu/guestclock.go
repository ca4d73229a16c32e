package qemu

import (
	"context"
	"math"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh domtime: the guest's clock, read and set through its agent, as libvirt's
// qemuDomainGetTime and qemuDomainSetTime do.

// domainTimeSync is VIR_DOMAIN_TIME_SYNC: set the guest's clock from its RTC.
const domainTimeSync = 1

func (d *Driver) DomainGetTime(ctx context.Context, a libvirt.DomainGetTimeArgs) (libvirt.DomainGetTimeRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainGetTime"); err != nil {
		return libvirt.DomainGetTimeRet{}, err
	}
	v, err := d.runningView(a.Dom)
	if err != nil {
		return libvirt.DomainGetTimeRet{}, err
	}
	var ns uint64
	if err := d.agentRun(ctx, v, "guest-get-time", nil, &ns); err != nil {
		return libvirt.DomainGetTimeRet{}, err
	}
	return libvirt.DomainGetTimeRet{Seconds: int64(ns / 1e9), Nseconds: uint32(ns % 1e9)}, nil
}

func (d *Driver) DomainSetTime(ctx context.Context, a libvirt.DomainSetTimeArgs) (struct{}, error) {
	if err := checkFlags(uint32(a.Flags), domainTimeSync, "qemuDomainSetTime"); err != nil {
		return struct{}{}, err
	}
	dom, err := d.lock(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	v, err := d.runningView(a.Dom)
	if err != nil {
		return struct{}{}, err
	}
	var args any
	if a.Flags&domainTimeSync == 0 {
		if a.Seconds > math.MaxInt64/int64(1e9) {
			return struct{}{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "Time '%d' is too big for guest agent", a.Seconds)
		}
		args = map[string]int64{"time": a.Seconds*1e9 + int64(a.Nseconds)}
	}
	return struct{}{}, d.agentRun(ctx, v, "guest-set-time", args, nil)
}

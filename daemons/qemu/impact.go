package qemu

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The VIR_DOMAIN_AFFECT_* flags shared by every call that changes a guest.
const (
	affectLive   = uint32(libvirt.DomainAffectLive)
	affectConfig = uint32(libvirt.DomainAffectConfig)
)

// impact resolves VIR_DOMAIN_AFFECT_CURRENT and checks the flags against the guest,
// as libvirt's virDomainObjUpdateModificationImpact: current means the running guest
// when it runs, else its definition; live needs a running guest, config a persistent
// one.
func (dom *domain) impact(flags uint32) (live, config bool, err error) {
	dom.mu.Lock()
	active, persistent := dom.activeLocked(), dom.persistent
	dom.mu.Unlock()
	if flags&(affectLive|affectConfig) == 0 {
		if active {
			flags |= affectLive
		} else {
			flags |= affectConfig
		}
	}
	live, config = flags&affectLive != 0, flags&affectConfig != 0
	if live && !active {
		return false, false, virerror.New(libvirt.ErrOperationInvalid, virerror.FromDomain, "domain is not running")
	}
	if config && !persistent {
		return false, false, virerror.New(libvirt.ErrOperationInvalid, virerror.FromDomain, "transient domains do not have any persistent config")
	}
	return live, config, nil
}

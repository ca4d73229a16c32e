package qemu

import (
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// domain is one guest the driver knows: defined (persistent), running, or both.
//
// Two locks: job serializes whole operations (start, stop, define over it, undefine),
// which may take a while; mu guards the fields and is only held briefly, so that list,
// lookups and state queries never wait behind a starting guest.
type domain struct {
	uuid libvirt.UUID
	name string

	job sync.Mutex

	mu  sync.Mutex
	def *libvirtxml.Domain // the persistent definition; nil for a transient guest
	// stored is the persistent definition as read at start-up, not parsed yet: the
	// listing calls need only name, UUID and state, so each file is decoded the first
	// time a call needs its definition (Driver.loaded). def is nil while stored is set.
	stored     *storedDef
	live       *libvirtxml.Domain // the running definition; nil when inactive
	persistent bool
	autostart  bool
	id         int // -1 when inactive
	state      libvirt.DomainState
	reason     int32
	gone       bool // removed from the registry; a waiting operation must not act
	run        *running
	jobs       jobTracker // the asynchronous job running (save, snapshot) and the last one
	// dumped holds the XML documents dumpxml gave last, so that pollers asking
	// again for an unchanged guest cost no formatting.
	dumped map[dumpKey]string
	// migOut and migIn are the migration to or from another host under way;
	// maxSpeed is migrate-setspeed's bandwidth in MiB/s (0: unlimited).
	migOut   *outgoing
	migIn    *incoming
	maxSpeed uint64
}

// dumpKey names one document dumpxml gives. A definition is never changed once it is
// the domain's (every change publishes a copy: modify, hotplug, start), so its pointer
// names its content.
type dumpKey struct {
	def    *libvirtxml.Domain
	id     int
	secure bool
}

// maxDumped bounds the documents kept per domain: the live and the persistent
// definition, each with and without secrets.
const maxDumped = 4

// dumpedLocked returns the document k names if it was formatted before.
func (dom *domain) dumpedLocked(k dumpKey) (string, bool) {
	out, ok := dom.dumped[k]
	return out, ok
}

// rememberDumpLocked keeps doc for k while k's definition is still one of the
// domain's; documents of replaced definitions go.
func (dom *domain) rememberDumpLocked(k dumpKey, doc string) {
	if k.def != dom.live && k.def != dom.def {
		return
	}
	for old := range dom.dumped {
		if old.def != dom.live && old.def != dom.def || old.id != dom.id && old.def == dom.live {
			delete(dom.dumped, old)
		}
	}
	if dom.dumped == nil || len(dom.dumped) >= maxDumped {
		dom.dumped = map[dumpKey]string{}
	}
	dom.dumped[k] = doc
}

func newDomain(uuid libvirt.UUID, name string) *domain {
	return &domain{uuid: uuid, name: name, id: -1, state: libvirt.DomainShutoff, reason: int32(libvirt.DomainShutoffUnknown)}
}

// ref is the domain as the wire names it; the id tells clients whether it runs.
func (dom *domain) ref() libvirt.Domain {
	dom.mu.Lock()
	defer dom.mu.Unlock()
	return dom.refLocked()
}

func (dom *domain) refLocked() libvirt.Domain {
	return libvirt.Domain{Name: dom.name, UUID: dom.uuid, ID: int32(dom.id)}
}

// activeLocked reports whether the guest has a QEMU process.
func (dom *domain) activeLocked() bool { return dom.live != nil }

func (dom *domain) active() bool {
	dom.mu.Lock()
	defer dom.mu.Unlock()
	return dom.activeLocked()
}

// current is the definition that describes the guest now: the running one while it
// runs, else the persistent one.
func (dom *domain) currentLocked() *libvirtxml.Domain {
	if dom.live != nil {
		return dom.live
	}
	return dom.def
}

func (dom *domain) setState(s libvirt.DomainState, reason int32) {
	dom.mu.Lock()
	dom.state, dom.reason = s, reason
	dom.mu.Unlock()
}

func (dom *domain) getState() (libvirt.DomainState, int32) {
	dom.mu.Lock()
	defer dom.mu.Unlock()
	return dom.state, dom.reason
}

package qemu

import (
	"errors"
	"sort"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// registry indexes the domains by UUID, name and (while running) id.
type registry struct {
	mu     sync.RWMutex
	byUUID map[libvirt.UUID]*domain
	byName map[string]*domain
	lastID int
}

func newRegistry() *registry {
	return &registry{byUUID: map[libvirt.UUID]*domain{}, byName: map[string]*domain{}}
}

// errSameDomain reports that a domain of the same UUID and name is already there.
var errSameDomain = errors.New("domain already registered")

// add inserts dom, refusing a name or UUID another domain holds, in libvirt's words
// (virDomainObjListAddLocked).
func (r *registry) add(dom *domain) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.conflictLocked(dom.uuid, dom.name); err != nil {
		return err
	}
	if r.byUUID[dom.uuid] != nil {
		return errSameDomain
	}
	r.byUUID[dom.uuid] = dom
	r.byName[dom.name] = dom
	return nil
}

// conflictLocked is the error for a definition of name and uuid when another domain
// has one of them; nil when both belong to the same existing domain or to none.
func (r *registry) conflictLocked(uuid libvirt.UUID, name string) error {
	if old := r.byUUID[uuid]; old != nil && old.name != name {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromDomain,
			"domain '%s' is already defined with uuid %s", old.name, formatUUID(uuid))
	}
	if old := r.byName[name]; old != nil && old.uuid != uuid {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromDomain,
			"domain '%s' already exists with uuid %s", name, formatUUID(old.uuid))
	}
	return nil
}

func (r *registry) remove(dom *domain) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byUUID[dom.uuid] == dom {
		delete(r.byUUID, dom.uuid)
		delete(r.byName, dom.name)
	}
	dom.mu.Lock()
	dom.gone = true
	dom.mu.Unlock()
}

func (r *registry) byUUIDOf(u libvirt.UUID) *domain {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byUUID[u]
}

func (r *registry) byNameOf(name string) *domain {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byName[name]
}

// byID scans: ids are few and lookups by id rare next to lookups by name.
func (r *registry) byIDOf(id int) *domain {
	for _, dom := range r.all() {
		dom.mu.Lock()
		match := dom.id == id && dom.live != nil
		dom.mu.Unlock()
		if match {
			return dom
		}
	}
	return nil
}

// all returns every domain, ordered by name for stable listings.
func (r *registry) all() []*domain {
	r.mu.RLock()
	doms := make([]*domain, 0, len(r.byUUID))
	for _, d := range r.byUUID {
		doms = append(doms, d)
	}
	r.mu.RUnlock()
	sort.Slice(doms, func(i, j int) bool { return doms[i].name < doms[j].name })
	return doms
}

// nextID hands out the id of a guest being started: increasing, never reused while
// the daemon runs, as libvirt's.
func (r *registry) nextID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastID++
	return r.lastID
}

// seenID makes sure a guest adopted after a restart keeps its id unique.
func (r *registry) seenID(id int) {
	r.mu.Lock()
	if id > r.lastID {
		r.lastID = id
	}
	r.mu.Unlock()
}

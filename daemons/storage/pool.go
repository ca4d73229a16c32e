package storage

import (
	"sort"
	"sync"

	libvirt "github.com/digitalocean/go-libvirt"
)

// pool is one pool the driver knows, libvirt's virStoragePoolObj. Its fields are
// guarded by Driver.mu; op serializes what changes the pool on the host or its set of
// volumes (build, start, stop, refresh, a volume's creation or deletion), which takes
// long, so Driver.mu is not held meanwhile.
type pool struct {
	op sync.Mutex

	// def is the current definition, the live one while active; newDef is the
	// persistent one when a define came while the pool was active.
	def, newDef *poolDef
	persistent  bool
	autostart   bool
	active      bool
	// starting is set while a start (or a build) runs.
	starting bool
	// asyncJobs counts volume builds, uploads, downloads and wipes in flight, which
	// run without the pool's op lock: a refresh or stop waits for none of them but
	// is refused while any runs, as in libvirt.
	asyncJobs int
	vols      *volSet
}

func (p *pool) ref() libvirt.StoragePool {
	return libvirt.StoragePool{Name: p.def.Name, UUID: p.def.UUID}
}

// persistentDef is the definition stored in the config directory.
func (p *pool) persistentDef() *poolDef {
	if p.newDef != nil {
		return p.newDef
	}
	return p.def
}

// volume is a volume of an active pool.
type volume struct {
	def *volDef
	// building is set while the volume's file is made; inUse counts the jobs
	// reading or writing it (clone source, upload, download, wipe).
	building bool
	inUse    int
	// probed identifies the file as it was when a refresh read its header (zero for
	// a volume the driver made, whose header no refresh has read yet).
	probed fileKey
}

// volSet is a pool's volumes by name, key and path, as libvirt indexes them.
type volSet struct {
	byName, byKey, byPath map[string]*volume
}

func newVolSet() *volSet {
	return &volSet{byName: map[string]*volume{}, byKey: map[string]*volume{}, byPath: map[string]*volume{}}
}

// add registers v; false if its name, key or path is taken.
func (s *volSet) add(v *volume) bool {
	d := v.def
	if s.byName[d.Name] != nil || s.byKey[d.Key] != nil || s.byPath[d.Target.Path] != nil {
		return false
	}
	s.byName[d.Name], s.byKey[d.Key], s.byPath[d.Target.Path] = v, v, v
	return true
}

func (s *volSet) remove(v *volume) {
	d := v.def
	if s.byName[d.Name] == v {
		delete(s.byName, d.Name)
		delete(s.byKey, d.Key)
		delete(s.byPath, d.Target.Path)
	}
}

// sorted are the volumes in name order.
func (s *volSet) sorted() []*volume {
	out := make([]*volume, 0, len(s.byName))
	for _, v := range s.byName {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].def.Name < out[j].def.Name })
	return out
}

// probes is what the set's volumes' headers said, for files a refresh read, as the
// next refresh may reuse it. Called with d.mu held.
func (s *volSet) probes() probeCache {
	c := probeCache{}
	for name, v := range s.byName {
		if v.probed != (fileKey{}) && v.def.Backing == nil {
			t := &v.def.Target
			c[name] = probed{key: v.probed, volType: v.def.Type, format: t.Format, capacity: t.Capacity,
				clusterSize: t.ClusterSize, features: t.Features, hasFeatures: t.HasFeatures, compat: t.Compat}
		}
	}
	return c
}

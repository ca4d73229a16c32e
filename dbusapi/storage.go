package dbusapi

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/dbusapi/spec"
)

func poolElement(p libvirt.StoragePool) string { return uuidElement(p.UUID) }

func (s *Server) poolPath(p libvirt.StoragePool) dbus.ObjectPath {
	return s.child("storagepool", poolElement(p))
}

// volElement is a volume's path element: its key, encoded.
func volElement(v libvirt.StorageVol) string { return nameElement(v.Key) }

func (s *Server) volPath(v libvirt.StorageVol) dbus.ObjectPath {
	return s.child("storagevol", volElement(v))
}

// lookupPool is virStoragePoolLookupByUUIDString.
func (s *Server) lookupPool(ctx context.Context, uuid string) (libvirt.StoragePool, error) {
	u, ok := parseUUID(uuid)
	if !ok {
		return libvirt.StoragePool{}, invalidUUID("virStoragePoolLookupByUUIDString")
	}
	r, err := s.cfg.Storage.StoragePoolLookupByUUID(ctx, libvirt.StoragePoolLookupByUUIDArgs{UUID: u})
	return r.Pool, err
}

// connectStorageMethods are Connect's storage calls (src/connect.c).
func (s *Server) connectStorageMethods() map[string]method[conn] {
	st := s.cfg.Storage
	return map[string]method[conn]{
		"ListStoragePools": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := st.ConnectListAllStoragePools(ctx, libvirt.ConnectListAllStoragePoolsArgs{NeedResults: 1, Flags: libvirt.ConnectListAllStoragePoolsFlags(a.u32(0))})
			return []any{paths(s, "storagepool", r.Pools, poolElement)}, err
		},
		"StoragePoolCreateXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := st.StoragePoolCreateXML(ctx, libvirt.StoragePoolCreateXMLArgs{XML: a.str(0), Flags: libvirt.StoragePoolCreateFlags(a.u32(1))})
			return []any{s.poolPath(r.Pool)}, err
		},
		"StoragePoolDefineXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := st.StoragePoolDefineXML(ctx, libvirt.StoragePoolDefineXMLArgs{XML: a.str(0), Flags: a.u32(1)})
			return []any{s.poolPath(r.Pool)}, err
		},
		"StoragePoolLookupByName": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := st.StoragePoolLookupByName(ctx, libvirt.StoragePoolLookupByNameArgs{Name: a.str(0)})
			return []any{s.poolPath(r.Pool)}, err
		},
		"StoragePoolLookupByUUID": func(ctx context.Context, _ conn, a args) ([]any, error) {
			p, err := s.lookupPool(ctx, a.str(0))
			return []any{s.poolPath(p)}, err
		},
		"StorageVolLookupByKey": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := st.StorageVolLookupByKey(ctx, libvirt.StorageVolLookupByKeyArgs{Key: a.str(0)})
			return []any{s.volPath(r.Vol)}, err
		},
		"StorageVolLookupByPath": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := st.StorageVolLookupByPath(ctx, libvirt.StorageVolLookupByPathArgs{Path: a.str(0)})
			return []any{s.volPath(r.Vol)}, err
		},
		"FindStoragePoolSources": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := st.ConnectFindStoragePoolSources(ctx, libvirt.ConnectFindStoragePoolSourcesArgs{Type: a.str(0), SrcSpec: optString(a.str(1)), Flags: a.u32(2)})
			return []any{r.XML}, err
		},
	}
}

// poolInfo is StoragePool.GetInfo's (ittt).
type poolInfo struct {
	State                           int32
	Capacity, Allocation, Available uint64
}

// volInfo is StorageVol.GetInfo's (itt).
type volInfo struct {
	Type                 int32
	Capacity, Allocation uint64
}

// poolObjects is CONNECT/storagepool: org.libvirt.StoragePool over the storage driver
// (src/storagepool.c).
func (s *Server) poolObjects() objects {
	st := s.cfg.Storage
	if st == nil {
		return s.unsupported("storagepool")
	}
	type pool = libvirt.StoragePool
	return &family[pool]{
		name:   "storagepool",
		ifaces: []*spec.Interface{spec.StoragePool},
		resolve: func(ctx context.Context, elem string) (pool, error) {
			return s.lookupPool(ctx, uuidFromElement(elem))
		},
		list: func(ctx context.Context) ([]string, error) {
			r, err := st.ConnectListAllStoragePools(ctx, libvirt.ConnectListAllStoragePoolsArgs{NeedResults: 1})
			var elems []string
			for _, p := range r.Pools {
				elems = append(elems, poolElement(p))
			}
			return elems, err
		},
		props: map[*spec.Interface]map[string]getter[pool]{spec.StoragePool: {
			"Active": func(ctx context.Context, p pool) (any, error) {
				r, err := st.StoragePoolIsActive(ctx, libvirt.StoragePoolIsActiveArgs{Pool: p})
				return boolOf(r.Active), err
			},
			"Autostart": func(ctx context.Context, p pool) (any, error) {
				r, err := st.StoragePoolGetAutostart(ctx, libvirt.StoragePoolGetAutostartArgs{Pool: p})
				return boolOf(r.Autostart), err
			},
			"Name": func(_ context.Context, p pool) (any, error) { return p.Name, nil },
			"Persistent": func(ctx context.Context, p pool) (any, error) {
				r, err := st.StoragePoolIsPersistent(ctx, libvirt.StoragePoolIsPersistentArgs{Pool: p})
				return boolOf(r.Persistent), err
			},
			"UUID": func(_ context.Context, p pool) (any, error) { return formatUUID(p.UUID), nil },
		}},
		setters: map[string]setter[pool]{
			"Autostart": func(ctx context.Context, p pool, v any) error {
				_, err := st.StoragePoolSetAutostart(ctx, libvirt.StoragePoolSetAutostartArgs{Pool: p, Autostart: intOf(v.(bool))})
				return err
			},
		},
		methods: map[string]method[pool]{
			"Build": func(ctx context.Context, p pool, a args) ([]any, error) {
				return none(st.StoragePoolBuild(ctx, libvirt.StoragePoolBuildArgs{Pool: p, Flags: libvirt.StoragePoolBuildFlags(a.u32(0))}))
			},
			"Create": func(ctx context.Context, p pool, a args) ([]any, error) {
				return none(st.StoragePoolCreate(ctx, libvirt.StoragePoolCreateArgs{Pool: p, Flags: libvirt.StoragePoolCreateFlags(a.u32(0))}))
			},
			"Delete": func(ctx context.Context, p pool, a args) ([]any, error) {
				return none(st.StoragePoolDelete(ctx, libvirt.StoragePoolDeleteArgs{Pool: p, Flags: libvirt.StoragePoolDeleteFlags(a.u32(0))}))
			},
			"Destroy": func(ctx context.Context, p pool, a args) ([]any, error) {
				return none(st.StoragePoolDestroy(ctx, libvirt.StoragePoolDestroyArgs{Pool: p}))
			},
			"GetInfo": func(ctx context.Context, p pool, a args) ([]any, error) {
				r, err := st.StoragePoolGetInfo(ctx, libvirt.StoragePoolGetInfoArgs{Pool: p})
				return []any{poolInfo{int32(r.State), r.Capacity, r.Allocation, r.Available}}, err
			},
			"GetXMLDesc": func(ctx context.Context, p pool, a args) ([]any, error) {
				r, err := st.StoragePoolGetXMLDesc(ctx, libvirt.StoragePoolGetXMLDescArgs{Pool: p, Flags: libvirt.StorageXMLFlags(a.u32(0))})
				return []any{r.XML}, err
			},
			"ListStorageVolumes": func(ctx context.Context, p pool, a args) ([]any, error) {
				r, err := st.StoragePoolListAllVolumes(ctx, libvirt.StoragePoolListAllVolumesArgs{Pool: p, NeedResults: 1, Flags: a.u32(0)})
				return []any{paths(s, "storagevol", r.Vols, volElement)}, err
			},
			"Refresh": func(ctx context.Context, p pool, a args) ([]any, error) {
				return none(st.StoragePoolRefresh(ctx, libvirt.StoragePoolRefreshArgs{Pool: p, Flags: a.u32(0)}))
			},
			"StorageVolCreateXML": func(ctx context.Context, p pool, a args) ([]any, error) {
				r, err := st.StorageVolCreateXML(ctx, libvirt.StorageVolCreateXMLArgs{Pool: p, XML: a.str(0), Flags: libvirt.StorageVolCreateFlags(a.u32(1))})
				return []any{s.volPath(r.Vol)}, err
			},
			"StorageVolCreateXMLFrom": func(ctx context.Context, p pool, a args) ([]any, error) {
				// The volume to clone is looked up by its key first, anywhere.
				from, err := st.StorageVolLookupByKey(ctx, libvirt.StorageVolLookupByKeyArgs{Key: a.str(1)})
				if err != nil {
					return nil, err
				}
				r, err := st.StorageVolCreateXMLFrom(ctx, libvirt.StorageVolCreateXMLFromArgs{Pool: p, XML: a.str(0), Clonevol: from.Vol,
					Flags: libvirt.StorageVolCreateFlags(a.u32(2))})
				return []any{s.volPath(r.Vol)}, err
			},
			"StorageVolLookupByName": func(ctx context.Context, p pool, a args) ([]any, error) {
				r, err := st.StorageVolLookupByName(ctx, libvirt.StorageVolLookupByNameArgs{Pool: p, Name: a.str(0)})
				return []any{s.volPath(r.Vol)}, err
			},
			"Undefine": func(ctx context.Context, p pool, a args) ([]any, error) {
				return none(st.StoragePoolUndefine(ctx, libvirt.StoragePoolUndefineArgs{Pool: p}))
			},
		},
	}
}

// volObjects is CONNECT/storagevol: org.libvirt.StorageVol, each volume found by its
// key (src/storagevol.c).
func (s *Server) volObjects() objects {
	st := s.cfg.Storage
	if st == nil {
		return s.unsupported("storagevol")
	}
	type vol = libvirt.StorageVol
	return &family[vol]{
		name:   "storagevol",
		ifaces: []*spec.Interface{spec.StorageVol},
		resolve: func(ctx context.Context, elem string) (vol, error) {
			r, err := st.StorageVolLookupByKey(ctx, libvirt.StorageVolLookupByKeyArgs{Key: nameFromElement(elem)})
			return r.Vol, err
		},
		list: func(ctx context.Context) ([]string, error) {
			pools, err := st.ConnectListAllStoragePools(ctx, libvirt.ConnectListAllStoragePoolsArgs{NeedResults: 1})
			if err != nil {
				return nil, err
			}
			var elems []string
			for _, p := range pools.Pools {
				r, err := st.StoragePoolListAllVolumes(ctx, libvirt.StoragePoolListAllVolumesArgs{Pool: p, NeedResults: 1})
				if err != nil {
					continue // inactive, or gone meanwhile: libvirt-dbus skips it
				}
				for _, v := range r.Vols {
					elems = append(elems, volElement(v))
				}
			}
			return elems, nil
		},
		props: map[*spec.Interface]map[string]getter[vol]{spec.StorageVol: {
			"Name": func(_ context.Context, v vol) (any, error) { return v.Name, nil },
			"Key":  func(_ context.Context, v vol) (any, error) { return v.Key, nil },
			"Path": func(ctx context.Context, v vol) (any, error) {
				r, err := st.StorageVolGetPath(ctx, libvirt.StorageVolGetPathArgs{Vol: v})
				return r.Name, err
			},
		}},
		methods: map[string]method[vol]{
			"Delete": func(ctx context.Context, v vol, a args) ([]any, error) {
				return none(st.StorageVolDelete(ctx, libvirt.StorageVolDeleteArgs{Vol: v, Flags: libvirt.StorageVolDeleteFlags(a.u32(0))}))
			},
			"GetInfo": func(ctx context.Context, v vol, a args) ([]any, error) {
				r, err := st.StorageVolGetInfoFlags(ctx, libvirt.StorageVolGetInfoFlagsArgs{Vol: v, Flags: a.u32(0)})
				return []any{volInfo{int32(r.Type), r.Capacity, r.Allocation}}, err
			},
			"GetXMLDesc": func(ctx context.Context, v vol, a args) ([]any, error) {
				r, err := st.StorageVolGetXMLDesc(ctx, libvirt.StorageVolGetXMLDescArgs{Vol: v, Flags: a.u32(0)})
				return []any{r.XML}, err
			},
			"Resize": func(ctx context.Context, v vol, a args) ([]any, error) {
				return none(st.StorageVolResize(ctx, libvirt.StorageVolResizeArgs{Vol: v, Capacity: a.u64(0), Flags: libvirt.StorageVolResizeFlags(a.u32(1))}))
			},
			"Wipe": func(ctx context.Context, v vol, a args) ([]any, error) {
				return none(st.StorageVolWipePattern(ctx, libvirt.StorageVolWipePatternArgs{Vol: v, Algorithm: a.u32(0), Flags: a.u32(1)}))
			},
		},
	}
}

package storage

import (
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The volume types (virStorageVolType), in libvirt's order: virStorageVolGetInfo
// reports the index.
var volTypes = []string{"file", "block", "dir", "network", "netdir", "ploop"}

const (
	volFile = iota
	volBlock
	volDirType
)

// The qcow2 features libvirt knows (virStorageFileFeature), in its order.
var fileFeatures = []string{"lazy_refcounts", "extended_l2"}

// volDef is a volume, libvirt's virStorageVolDef: what the definition asked for, then
// what the last look at the file found.
type volDef struct {
	Name string
	Key  string
	Type int

	Target volTarget
	// Backing is the backing store of an overlay (nil for none).
	Backing *volTarget
	// HasAllocation tells whether the definition gave <allocation>.
	HasAllocation bool
	// Encrypted is a definition with <encryption>, which the driver refuses.
	Encrypted bool
}

// volTarget is a volume's or a backing store's file: libvirt's virStorageSource.
type volTarget struct {
	Path                           string
	Format                         int // index into the pool type's volume formats
	Capacity, Allocation, Physical uint64
	Perms                          *perms
	Times                          *timestamps
	Compat                         string
	ClusterSize                    uint64
	// Features are the qcow2 features (indexes into fileFeatures); HasFeatures
	// tells a definition or image with an empty <features/> from one without.
	Features    []int
	HasFeatures bool
	NoCOW       bool
}

// timestamps are a file's times as libvirt reports them: seconds and nanoseconds.
type timestamps struct {
	Atime, Mtime, Ctime [2]int64
}

func (t *volTarget) hasFeature(f int) bool {
	for _, x := range t.Features {
		if x == f {
			return true
		}
	}
	return false
}

// Parse modes of a volume definition (virStorageVolDefParse's flags).
const (
	capacityRequired = iota
	capacityOptional // creation: an overlay may take its size from its backing store
	capacityIgnored  // creation from another volume: the source's size is the least
)

// parseVol reads a volume definition for a pool of type poolType as
// virStorageVolDefParseXML does.
func parseVol(text string, poolType int, mode int) (*volDef, error) {
	root, err := parseDoc(text, "volume", "(storage_volume_definition)")
	if err != nil {
		return nil, err
	}
	info := poolTypeInfos[poolType]
	def := &volDef{}
	if def.Name = root.child("name").string(); def.Name == "" {
		return nil, poolXMLError("missing volume name element")
	}
	def.Key = root.child("key").string()
	if t, ok := root.attr("type"); ok && t != "" {
		if def.Type = indexOf(volTypes, t); def.Type < 0 {
			return nil, virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, "unknown volume type '%s'", t)
		}
	}
	if bp := root.child("backingStore").child("path").string(); bp != "" {
		b := &volTarget{Path: bp}
		if info.volFormats != nil {
			if b.Format, err = volFormat(info, root.child("backingStore").child("format")); err != nil {
				return nil, err
			}
		}
		p, err := parsePerms(root.child("backingStore").child("permissions"))
		if err != nil {
			return nil, err
		}
		b.Perms = &p
		def.Backing = b
	}
	t := &def.Target
	if c := root.child("capacity"); c.string() != "" {
		unit, _ := c.attr("unit")
		if t.Capacity, err = parseSize(c.string(), unit); err != nil {
			return nil, err
		}
	} else if mode == capacityRequired || (mode == capacityOptional && def.Backing == nil) {
		return nil, poolXMLError("missing capacity element")
	}
	if a := root.child("allocation"); a.string() != "" {
		unit, _ := a.attr("unit")
		if t.Allocation, err = parseSize(a.string(), unit); err != nil {
			return nil, err
		}
		def.HasAllocation = true
	} else {
		t.Allocation = t.Capacity
	}
	target := root.child("target")
	t.Path = target.child("path").string()
	if info.volFormats != nil {
		if t.Format, err = volFormat(info, target.child("format")); err != nil {
			return nil, err
		}
	}
	p, err := parsePerms(target.child("permissions"))
	if err != nil {
		return nil, err
	}
	t.Perms = &p
	def.Encrypted = target.child("encryption") != nil
	t.Compat = target.child("compat").string()
	if t.Compat != "" && !validCompat(t.Compat) {
		return nil, poolXMLError("forbidden characters in 'compat' attribute")
	}
	t.NoCOW = target.child("nocow") != nil
	if cs := target.child("clusterSize"); cs.string() != "" {
		unit, _ := cs.attr("unit")
		if t.ClusterSize, err = parseScaled(cs.string(), unit, "./target/clusterSize"); err != nil {
			return nil, err
		}
	}
	if f := target.child("features"); f != nil {
		if t.Compat == "" {
			t.Compat = "1.1"
		}
		t.HasFeatures = true
		for _, c := range f.children {
			i := indexOf(fileFeatures, c.name.Local)
			if i < 0 {
				return nil, virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, "unsupported feature %s", c.name.Local)
			}
			if !t.hasFeature(i) {
				t.Features = append(t.Features, i)
			}
		}
	}
	return def, nil
}

// volFormat reads <format type=>; none gives the pool type's default, and "none" is
// not a format one may ask for.
func volFormat(info poolTypeInfo, n *node) (int, error) {
	f, _ := n.attr("type")
	if f == "" {
		return info.defaultVolFormat, nil
	}
	i := indexOf(info.volFormats, f)
	fileBased := info.defaultVolFormat == fmtRaw
	if i < 0 || (i == fmtNone && fileBased) {
		return 0, virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, "unknown volume format type %s", f)
	}
	return i, nil
}

// validCompat is virStorageCheckCompat: two dot-separated unsigned numbers.
func validCompat(c string) bool {
	major, minor, ok := strings.Cut(c, ".")
	return ok && digitsOnly(major) && digitsOnly(minor)
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseScaled is virParseScaledValue with a default unit of bytes.
func parseScaled(value, unit, xpath string) (uint64, error) {
	v, err := parseSize(value, unit)
	if err != nil {
		if e, ok := err.(*virerror.Error); ok && e.Code == libvirt.ErrXMLError {
			return 0, poolXMLError("could not parse element %s", xpath)
		}
		return 0, err
	}
	return v, nil
}

package storage

import (
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/uuid"
)

// fsNamespace is the XML namespace of an fs pool's extra mount options.
const fsNamespace = "http://libvirt.org/schemas/storagepool/fs/1.0"

// poolDef is a storage pool definition, libvirt's virStoragePoolDef. Capacity,
// allocation, available and the target's permissions are what the last refresh found.
type poolDef struct {
	Type int // index into poolTypes
	Name string
	UUID libvirt.UUID

	Capacity, Allocation, Available uint64

	Source poolSource
	Target struct {
		Path  string
		Perms perms
	}
	// COW is the <features><cow state=> setting: "", "yes" or "no".
	COW string
	// RefreshAllocation is <refresh><volume allocation=>: "", "default", "capacity".
	RefreshAllocation string
	// MountOpts are an fs pool's <fs:mount_opts> options.
	MountOpts []string
}

type poolSource struct {
	Hosts   []sourceHost
	Devices []sourceDevice
	Dir     string
	Name    string
	// Format indexes the type's formats.
	Format                       int
	Vendor, Product, ProtocolVer string
}

type sourceHost struct {
	Name string
	Port int
}

type sourceDevice struct {
	Path          string
	PartSeparator string // "", "yes", "no"
}

// perms are a target's permissions; -1 means unset, as in libvirt.
type perms struct {
	Mode     int
	UID, GID int64
	Label    string
}

func unsetPerms() perms { return perms{Mode: -1, UID: -1, GID: -1} }

func poolXMLError(format string, args ...any) error {
	return virerror.New(libvirt.ErrXMLError, virerror.FromStorage, format, args...)
}

// parsePool reads a pool definition as virStoragePoolDefParseXML does, with its
// checks and messages.
func parsePool(text string) (*poolDef, error) {
	root, err := parseDoc(text, "pool", "(storage_pool_definition)")
	if err != nil {
		return nil, err
	}
	return poolFromNode(root)
}

func poolFromNode(root *node) (*poolDef, error) {
	def := &poolDef{}
	var err error
	typ, ok := root.attr("type")
	if !ok {
		return nil, virerror.New(libvirt.ErrXMLError, virerror.FromXML, "Missing required attribute 'type' in element 'pool'")
	}
	if def.Type = indexOf(poolTypes, typ); def.Type < 0 {
		return nil, virerror.New(libvirt.ErrXMLError, virerror.FromXML, "Invalid value for attribute 'type' in element 'pool': '%s'.", typ)
	}
	info := poolTypeInfos[def.Type]
	def.Source.Format = info.defaultFormat
	if src := root.child("source"); src != nil {
		if err := parseSource(src, def.Type, &def.Source); err != nil {
			return nil, err
		}
	}
	def.Name = root.child("name").string()
	if def.Name == "" && info.source&srcName != 0 {
		def.Name = def.Source.Name
	}
	if def.Name == "" {
		return nil, poolXMLError("missing pool source name element")
	}
	if strings.Contains(def.Name, "/") {
		return nil, poolXMLError("name %s cannot contain '/'", def.Name)
	}
	if u := root.child("uuid").string(); u == "" {
		def.UUID = uuid.New()
	} else if def.UUID, err = uuid.Parse(u); err != nil {
		return nil, poolXMLError("malformed uuid element")
	}
	if err := parseFeatures(root, def); err != nil {
		return nil, err
	}
	if info.source&srcHost != 0 && len(def.Source.Hosts) == 0 {
		return nil, poolXMLError("missing storage pool source host name")
	}
	if info.source&srcDir != 0 && def.Source.Dir == "" {
		return nil, poolXMLError("missing storage pool source path")
	}
	if info.source&srcName != 0 && def.Source.Name == "" {
		def.Source.Name = def.Name
	}
	if info.source == srcDevice && len(def.Source.Devices) == 0 {
		return nil, poolXMLError("missing storage pool source device name")
	}
	if info.source&srcNetwork == 0 {
		var target string
		switch def.Type {
		case poolLogical:
			target = "/dev/" + def.Source.Name
		case poolZFS:
			target = "/dev/zvol/" + def.Source.Name
		default:
			if target = root.child("target").child("path").string(); target == "" {
				return nil, poolXMLError("missing storage pool target path")
			}
		}
		def.Target.Path = sanitizePath(target)
		if def.Target.Perms, err = parsePerms(root.child("target").child("permissions")); err != nil {
			return nil, err
		}
	}
	if a, ok := root.child("refresh").child("volume").attr("allocation"); ok && a != "" {
		if a != "default" && a != "capacity" {
			return nil, virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, "unknown storage pool volume refresh allocation type %s", a)
		}
		def.RefreshAllocation = a
	}
	if def.Type == poolFS || def.Type == poolNetFS {
		if def.MountOpts, err = parseMountOpts(root); err != nil {
			return nil, err
		}
	}
	return def, nil
}

func parseSource(src *node, typ int, s *poolSource) error {
	info := poolTypeInfos[typ]
	s.Name = src.child("name").string()
	if typ == poolRBD && s.Name == "" {
		return poolXMLError("element 'name' is mandatory for RBD pool")
	}
	if info.formats != nil {
		if f, _ := src.child("format").attr("type"); f != "" {
			if s.Format = indexOf(info.formats, f); s.Format < 0 {
				return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, "unknown pool format type %s", f)
			}
		}
	}
	for _, h := range src.all("host") {
		name, ok := h.attr("name")
		if !ok {
			return poolXMLError("missing storage pool host name")
		}
		host := sourceHost{Name: name}
		if p, ok := h.attr("port"); ok {
			n, err := strconv.Atoi(p)
			if err != nil {
				return virerror.New(libvirt.ErrXMLError, virerror.FromXML, "Invalid value for attribute 'port' in element 'host': '%s'. Expected integer value", p)
			}
			host.Port = n
		}
		s.Hosts = append(s.Hosts, host)
	}
	for _, d := range src.all("device") {
		p, ok := d.attr("path")
		if !ok {
			return poolXMLError("missing storage pool source device path")
		}
		dev := sourceDevice{Path: p}
		if ps, ok := d.attr("part_separator"); ok {
			if ps != "yes" && ps != "no" {
				return virerror.New(libvirt.ErrXMLError, virerror.FromXML, "Invalid value for attribute 'part_separator' in element 'device': '%s'.", ps)
			}
			dev.PartSeparator = ps
		}
		s.Devices = append(s.Devices, dev)
	}
	if d, _ := src.child("dir").attr("path"); d != "" {
		s.Dir = sanitizePath(d)
	}
	if typ == poolGluster && s.Dir == "" {
		s.Dir = "/"
	}
	if v, _ := src.child("protocol").attr("ver"); v != "" {
		if typ != poolNetFS || (s.Format != 0 && s.Format != 1) {
			return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, "storage pool protocol ver unsupported for pool type '%s'", poolFormatName(typ, s.Format))
		}
		if strings.Contains(v, ",") {
			return virerror.New(libvirt.ErrXMLDetail, virerror.FromStorage, "storage pool protocol ver '%s' must not contain ','", v)
		}
		s.ProtocolVer = v
	}
	s.Vendor, _ = src.child("vendor").attr("name")
	s.Product, _ = src.child("product").attr("name")
	return nil
}

// poolFormatName is the name of a source format of a pool type, "" for none.
func poolFormatName(typ, format int) string {
	f := poolTypeInfos[typ].formats
	if format < 0 || format >= len(f) {
		return ""
	}
	return f[format]
}

func parseFeatures(root *node, def *poolDef) error {
	cow := root.child("features").child("cow")
	state, ok := cow.attr("state")
	if !ok {
		return nil
	}
	if state != "yes" && state != "no" {
		return virerror.New(libvirt.ErrXMLError, virerror.FromXML, "Invalid value for attribute 'state' in element 'cow': '%s'.", state)
	}
	if def.Type != poolFS && def.Type != poolDir {
		return virerror.New(libvirt.ErrNoSupport, virerror.FromStorage, "cow feature may only be used for 'fs' and 'dir' pools")
	}
	def.COW = state
	return nil
}

func parseMountOpts(root *node) ([]string, error) {
	var opts []string
	for _, c := range root.children {
		if c.name.Space != fsNamespace || c.name.Local != "mount_opts" {
			continue
		}
		for _, o := range c.children {
			if o.name.Space != fsNamespace || o.name.Local != "option" {
				continue
			}
			name, ok := o.attr("name")
			if !ok {
				return nil, poolXMLError("no fs mount option name specified")
			}
			opts = append(opts, name)
		}
	}
	return opts, nil
}

// parsePerms reads <permissions> as virStorageDefParsePerms does.
func parsePerms(n *node) (perms, error) {
	p := unsetPerms()
	if n == nil {
		return p, nil
	}
	if m := n.child("mode").string(); m != "" {
		v, err := strconv.ParseInt(strings.TrimLeft(m, " \t\n"), 8, 32)
		if err != nil || v&^0o777 != 0 || v < 0 {
			return p, poolXMLError("malformed octal mode")
		}
		p.Mode = int(v)
	}
	for _, id := range []struct {
		elem string
		dst  *int64
	}{{"owner", &p.UID}, {"group", &p.GID}} {
		e := n.child(id.elem)
		if e == nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(e.string()), 10, 64)
		if err != nil || (v != -1 && (v < 0 || v > 0xffffffff)) {
			return p, poolXMLError("malformed %s element", id.elem)
		}
		*id.dst = v
	}
	p.Label = n.child("label").string()
	return p, nil
}

// sanitizePath is libvirt's virFileSanitizePath: repeated slashes collapse into one, a
// trailing slash goes, a leading "//" stays (it has a meaning of its own in POSIX).
func sanitizePath(p string) string {
	lead := strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	s := b.String()
	if len(s) > 1 && strings.HasSuffix(s, "/") {
		s = s[:len(s)-1]
	}
	if lead {
		s = "/" + s
	}
	return s
}

package storage

import (
	"github.com/virtunit/virtunit/internal/uuid"
)

// formatPool writes a pool definition as virStoragePoolDefFormat does.
func formatPool(def *poolDef) string {
	var w xmlWriter
	writePool(&w, def)
	return w.String()
}

func writePool(w *xmlWriter, def *poolDef) {
	ns := ""
	if len(def.MountOpts) > 0 {
		ns = " xmlns:fs='" + fsNamespace + "'"
	}
	w.open("<pool type='%s'%s>", poolTypes[def.Type], ns)
	w.text("name", def.Name)
	w.line("<uuid>%s</uuid>", uuid.Format(def.UUID))
	w.line("<capacity unit='bytes'>%d</capacity>", def.Capacity)
	w.line("<allocation unit='bytes'>%d</allocation>", def.Allocation)
	w.line("<available unit='bytes'>%d</available>", def.Available)
	if def.COW != "" {
		w.open("<features>")
		w.line("<cow state='%s'/>", def.COW)
		w.close("features")
	}
	writeSource(w, def)
	switch def.Type {
	case poolRBD, poolSheepdog, poolGluster, poolISCSIDirect:
	default:
		w.open("<target>")
		w.text("path", def.Target.Path)
		writePerms(w, def.Target.Perms)
		w.close("target")
	}
	if def.RefreshAllocation != "" {
		w.open("<refresh>")
		w.line("<volume allocation='%s'/>", def.RefreshAllocation)
		w.close("refresh")
	}
	if len(def.MountOpts) > 0 {
		w.open("<fs:mount_opts>")
		for _, o := range def.MountOpts {
			w.line("<fs:option name='%s'/>", xmlEscape(o))
		}
		w.close("fs:mount_opts")
	}
	w.close("pool")
}

func writeSource(w *xmlWriter, def *poolDef) {
	info, src := poolTypeInfos[def.Type], &def.Source
	w.open("<source>")
	if info.source&srcHost != 0 {
		for _, h := range src.Hosts {
			if h.Port != 0 {
				w.line("<host name='%s' port='%d'/>", xmlEscape(h.Name), h.Port)
			} else {
				w.line("<host name='%s'/>", xmlEscape(h.Name))
			}
		}
	}
	if info.source&srcDevice != 0 {
		for _, d := range src.Devices {
			if d.PartSeparator != "" {
				w.line("<device path='%s' part_separator='%s'/>", xmlEscape(d.Path), d.PartSeparator)
			} else {
				w.line("<device path='%s'/>", xmlEscape(d.Path))
			}
		}
	}
	if info.source&srcDir != 0 && src.Dir != "" {
		w.line("<dir path='%s'/>", xmlEscape(src.Dir))
	}
	if info.source&srcName != 0 {
		w.text("name", src.Name)
	}
	if info.formats != nil {
		w.line("<format type='%s'/>", poolFormatName(def.Type, src.Format))
	}
	if src.ProtocolVer != "" {
		w.line("<protocol ver='%s'/>", xmlEscape(src.ProtocolVer))
	}
	if src.Vendor != "" {
		w.line("<vendor name='%s'/>", xmlEscape(src.Vendor))
	}
	if src.Product != "" {
		w.line("<product name='%s'/>", xmlEscape(src.Product))
	}
	w.close("source")
}

// writePerms writes <permissions> when any of it is set.
func writePerms(w *xmlWriter, p perms) {
	if p.Mode == -1 && p.UID == -1 && p.GID == -1 && p.Label == "" {
		return
	}
	w.open("<permissions>")
	if p.Mode != -1 {
		w.line("<mode>0%o</mode>", p.Mode)
	}
	if p.UID != -1 {
		w.line("<owner>%d</owner>", int32(p.UID))
	}
	if p.GID != -1 {
		w.line("<group>%d</group>", int32(p.GID))
	}
	w.text("label", p.Label)
	w.close("permissions")
}

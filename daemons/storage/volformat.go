package storage

import "fmt"

// formatVol writes a volume of a pool of type poolType as virStorageVolDefFormat does.
func formatVol(poolType int, v *volDef) string {
	var w xmlWriter
	formats := poolTypeInfos[poolType].volFormats
	w.open("<volume type='%s'>", volTypes[v.Type])
	w.text("name", v.Name)
	w.text("key", v.Key)
	w.line("<capacity unit='bytes'>%d</capacity>", v.Target.Capacity)
	w.line("<allocation unit='bytes'>%d</allocation>", v.Target.Allocation)
	if v.Target.Physical != 0 {
		w.line("<physical unit='bytes'>%d</physical>", v.Target.Physical)
	}
	writeVolTarget(&w, formats, &v.Target, "target")
	if v.Backing != nil {
		writeVolTarget(&w, formats, v.Backing, "backingStore")
	}
	w.close("volume")
	return w.String()
}

func writeVolTarget(w *xmlWriter, formats []string, t *volTarget, tag string) {
	w.open("<%s>", tag)
	w.text("path", t.Path)
	if formats != nil {
		w.line("<format type='%s'/>", formats[t.Format])
	}
	if t.Perms != nil {
		writePerms(w, *t.Perms)
	}
	if t.Times != nil {
		w.open("<timestamps>")
		for _, ts := range []struct {
			name string
			t    [2]int64
		}{{"atime", t.Times.Atime}, {"mtime", t.Times.Mtime}, {"ctime", t.Times.Ctime}, {"btime", [2]int64{}}} {
			w.line("<%s>%s</%s>", ts.name, formatTime(ts.t), ts.name)
		}
		w.close("timestamps")
	}
	w.text("compat", t.Compat)
	if t.ClusterSize > 0 {
		w.line("<clusterSize unit='B'>%d</clusterSize>", t.ClusterSize)
	}
	if t.HasFeatures {
		if len(t.Features) == 0 {
			w.line("<features/>")
		} else {
			w.open("<features>")
			for i, name := range fileFeatures {
				if t.hasFeature(i) {
					w.line("<%s/>", name)
				}
			}
			w.close("features")
		}
	}
	w.close(tag)
}

// formatTime is seconds, with nine digits of nanoseconds when there are any.
func formatTime(t [2]int64) string {
	if t[1] == 0 {
		return fmt.Sprint(t[0])
	}
	return fmt.Sprintf("%d.%09d", t[0], t[1])
}

package xmlstyle

import (
	"encoding/xml"
	"slices"
	"strconv"
)

// attrOrders are the elements whose attributes libvirt writes in another order than
// libvirtxml's struct fields give, keyed by "parent/name" or by name alone: each list
// is libvirt's order (its virDomain*Format functions). Attributes a list does not name
// keep their places after the named ones.
var attrOrders = map[string][]string{
	"cpu":         {"mode", "match", "check", "migratable"},
	"controller":  {"type", "index", "model", "ports", "vectors", "maxGrantFrames", "maxEventChannels"},
	"redirdev":    {"bus", "type"},
	"video/model": {"type", "ram", "vram", "vram64", "vgamem", "heads", "primary"},
}

// libvirtAttrs is the attributes of element name (under parent) as libvirt writes
// them: in its order, and a PCI controller's target port in hex ("0x10"), where
// libvirtxml writes decimal. It may reorder attrs in place.
func libvirtAttrs(parent, name string, attrs []xml.Attr) []xml.Attr {
	if name == "target" && parent == "controller" {
		for i, a := range attrs {
			if a.Name.Space == "" && a.Name.Local == "port" {
				if v, err := strconv.ParseUint(a.Value, 10, 32); err == nil {
					attrs[i].Value = "0x" + strconv.FormatUint(v, 16)
				}
			}
		}
	}
	order, ok := attrOrders[parent+"/"+name]
	if !ok {
		if order, ok = attrOrders[name]; !ok || len(attrs) < 2 {
			return attrs
		}
	}
	rank := func(a xml.Attr) int {
		if a.Name.Space == "" {
			if i := slices.Index(order, a.Name.Local); i >= 0 {
				return i
			}
		}
		return len(order)
	}
	slices.SortStableFunc(attrs, func(a, b xml.Attr) int { return rank(a) - rank(b) })
	return attrs
}

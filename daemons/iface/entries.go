package iface

import "sort"

// entry is an interface as lists and lookups report it.
type entry struct {
	name, mac string
	active    bool
}

// entries lists every interface: the host's links iface-list shows, and the defined
// interfaces whether or not their link exists (inactive when it does not), by name.
func (d *Driver) entries() []entry {
	links := d.links.listed()
	out := make([]entry, 0, len(links))
	seen := make(map[string]bool, len(links))
	for _, l := range links {
		out = append(out, entry{name: l.Attrs().Name, mac: macOf(l), active: isUp(l)})
		seen[l.Attrs().Name] = true
	}
	for _, n := range d.defs.names() {
		if !seen[n] {
			e, _ := d.entry(n)
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// entry looks an interface up by name: a link of the host (shown in lists or not, as
// libvirt's lookup finds bridge ports too), else a definition.
func (d *Driver) entry(name string) (entry, error) {
	if l, ok := d.links.get(name); ok {
		return entry{name: name, mac: macOf(l), active: isUp(l)}, nil
	}
	if def, ok := d.defs.get(name); ok {
		e := entry{name: name}
		if def.MAC != nil {
			e.mac = def.MAC.Address
		}
		return e, nil
	}
	return entry{}, errNoInterface(name)
}

// names lists the active (or inactive) interfaces, at most max (all for max < 0), for
// the legacy list calls.
func (d *Driver) names(active bool, max int) []string {
	var out []string
	for _, e := range d.entries() {
		if e.active == active && (max < 0 || len(out) < max) {
			out = append(out, e.name)
		}
	}
	return out
}

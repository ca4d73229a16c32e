package nodedev

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// pciIDFiles are where distributions install the PCI ID database (pciutils' pci.ids,
// which libvirt reads through libpciaccess to name PCI vendors and devices).
var pciIDFiles = []string{"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"}

// pciIDs names PCI vendors and devices from a pci.ids file, read on first use.
type pciIDs struct {
	path string
	once sync.Once
	ven  map[uint16]string
	dev  map[uint32]string // vendor<<16 | device
}

// findPCIIDs returns the database of the first pci.ids file that exists, or nil.
func findPCIIDs(paths []string) *pciIDs {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return &pciIDs{path: p}
		}
	}
	return nil
}

// names returns the vendor's and the device's names; "" for those it does not know.
func (p *pciIDs) names(vendor, device uint16) (string, string) {
	p.once.Do(func() {
		f, err := os.Open(p.path)
		if err != nil {
			return
		}
		defer f.Close()
		p.ven, p.dev = parsePCIIDs(f)
	})
	return p.ven[vendor], p.dev[uint32(vendor)<<16|uint32(device)]
}

// parsePCIIDs reads the vendor section of pci.ids: "vvvv  Name" lines for vendors,
// "\tdddd  Name" for their devices; subsystem lines and the class section ("C ...") are
// skipped.
func parsePCIIDs(r io.Reader) (map[uint16]string, map[uint32]string) {
	ven, dev := map[uint16]string{}, map[uint32]string{}
	sc := bufio.NewScanner(r)
	cur, have := uint16(0), false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "\t\t"):
			continue
		case line[0] == '\t':
			if id, name, ok := idLine(line[1:]); ok && have {
				dev[uint32(cur)<<16|uint32(id)] = name
			}
		default:
			id, name, ok := idLine(line)
			if !ok {
				have = false // "C 00  Unclassified device" and friends
				continue
			}
			cur, have = id, true
			ven[id] = name
		}
	}
	return ven, dev
}

func idLine(s string) (uint16, string, bool) {
	if len(s) < 6 || s[4] != ' ' {
		return 0, "", false
	}
	id, err := strconv.ParseUint(s[:4], 16, 16)
	if err != nil {
		return 0, "", false
	}
	return uint16(id), strings.TrimSpace(s[5:]), true
}

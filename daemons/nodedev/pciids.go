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

// pciIDs names PCI vendors and devices from a pci.ids file. Only where each vendor's
// section starts is kept, and the names asked for: the whole file as maps was 2 MB of a
// daemon's live heap for the dozen devices a host has.
type pciIDs struct {
	path    string
	mu      sync.Mutex
	vendors map[uint16]int64     // offset of each vendor's line, indexed on first use
	known   map[uint32][2]string // vendor<<16 | device: the names found for it
}

// findPCIIDs returns the database of the first pci.ids file that exists, or nil.
func findPCIIDs(paths []string) *pciIDs {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return &pciIDs{path: p, known: map[uint32][2]string{}}
		}
	}
	return nil
}

// names returns the vendor's and the device's names; "" for those it does not know.
func (p *pciIDs) names(vendor, device uint16) (string, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := uint32(vendor)<<16 | uint32(device)
	if n, ok := p.known[key]; ok {
		return n[0], n[1]
	}
	f, err := os.Open(p.path)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	if p.vendors == nil {
		p.vendors = indexVendors(f)
	}
	var n [2]string
	if off, ok := p.vendors[vendor]; ok {
		if _, err := f.Seek(off, io.SeekStart); err == nil {
			n[0], n[1] = vendorSection(f, device)
		}
	}
	p.known[key] = n
	return n[0], n[1]
}

// indexVendors finds the vendor lines ("vvvv  Name") of pci.ids. The class section's
// lines ("C 00  Unclassified device") are not vendors.
func indexVendors(r io.Reader) map[uint16]int64 {
	index := map[uint16]int64{}
	br := bufio.NewReader(r)
	var off int64
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 && line[0] != '\t' && line[0] != '#' {
			if id, _, ok := idLine(strings.TrimRight(string(line[:min(len(line), 6)]), "\n")); ok {
				if _, dup := index[id]; !dup {
					index[id] = off
				}
			}
		}
		off += int64(len(line))
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: skip the rest of it.
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				off += int64(len(line))
			}
		}
		if err != nil {
			return index
		}
	}
}

// vendorSection reads a vendor's line and the device lines under it ("\tdddd  Name";
// subsystem lines, "\t\tssss dddd  Name", are skipped) up to the next vendor.
func vendorSection(r io.Reader, device uint16) (vendorName, deviceName string) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		return "", ""
	}
	_, vendorName, _ = idLine(sc.Text())
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || line[0] == '#' || strings.HasPrefix(line, "\t\t"):
		case line[0] == '\t':
			if id, name, ok := idLine(line[1:]); ok && id == device {
				return vendorName, name
			}
		default:
			return vendorName, ""
		}
	}
	return vendorName, ""
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

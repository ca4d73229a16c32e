package host

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/virtunit/virtunit/internal/xmlstyle"
)

type sysinfoEntry struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

type sysinfoBlock struct {
	Entries []sysinfoEntry `xml:"entry"`
}

type sysinfoDoc struct {
	XMLName   xml.Name       `xml:"sysinfo"`
	Type      string         `xml:"type,attr"`
	BIOS      *sysinfoBlock  `xml:"bios"`
	System    *sysinfoBlock  `xml:"system"`
	BaseBoard []sysinfoBlock `xml:"baseBoard"`
	Chassis   *sysinfoBlock  `xml:"chassis"`
	Processor []sysinfoBlock `xml:"processor"`
}

// block keeps the entries whose file could be read, in the given order; nil when none.
func (f fs) block(fields [][2]string) *sysinfoBlock {
	var b sysinfoBlock
	for _, nf := range fields {
		if v := f.read("sys/class/dmi/id/" + nf[1]); v != "" {
			b.Entries = append(b.Entries, sysinfoEntry{Name: nf[0], Value: v})
		}
	}
	if len(b.Entries) == 0 {
		return nil
	}
	return &b
}

// Sysinfo is virConnectGetSysinfo: the host's SMBIOS data in libvirt's <sysinfo
// type='smbios'> format. libvirt runs dmidecode; the kernel exports the same tables
// under /sys/class/dmi/id, which needs no helper program (serial numbers and the UUID
// are readable by root only, and are left out otherwise). Processors come from
// /proc/cpuinfo, one entry per socket.
func (h *Host) Sysinfo() (string, error) {
	f := h.root
	doc := sysinfoDoc{
		Type: "smbios",
		BIOS: f.block([][2]string{{"vendor", "bios_vendor"}, {"version", "bios_version"},
			{"date", "bios_date"}, {"release", "bios_release"}}),
		System: f.block([][2]string{{"manufacturer", "sys_vendor"}, {"product", "product_name"},
			{"version", "product_version"}, {"serial", "product_serial"}, {"uuid", "product_uuid"},
			{"sku", "product_sku"}, {"family", "product_family"}}),
		Chassis: f.block([][2]string{{"manufacturer", "chassis_vendor"}, {"version", "chassis_version"},
			{"serial", "chassis_serial"}, {"asset", "chassis_asset_tag"}}),
	}
	if b := f.block([][2]string{{"manufacturer", "board_vendor"}, {"product", "board_name"},
		{"version", "board_version"}, {"serial", "board_serial"}, {"asset", "board_asset_tag"}}); b != nil {
		doc.BaseBoard = []sysinfoBlock{*b}
	}
	doc.Processor = f.processors()
	out, err := xml.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("format sysinfo: %w", err)
	}
	return xmlstyle.Format(string(out))
}

// processors describes each physical package from /proc/cpuinfo.
func (f fs) processors() []sysinfoBlock {
	seen := map[string]sysinfoBlock{}
	for _, blk := range strings.Split(f.read("proc/cpuinfo"), "\n\n") {
		kv := map[string]string{}
		for _, line := range strings.Split(blk, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		if kv["processor"] == "" {
			continue
		}
		id := kv["physical id"]
		if _, dup := seen[id]; dup {
			continue
		}
		var b sysinfoBlock
		add := func(name, v string) {
			if v != "" {
				b.Entries = append(b.Entries, sysinfoEntry{Name: name, Value: v})
			}
		}
		add("manufacturer", kv["vendor_id"])
		if kv["cpu family"] != "" {
			add("signature", fmt.Sprintf("Family %s, Model %s, Stepping %s", kv["cpu family"], kv["model"], kv["stepping"]))
		}
		add("version", kv["model name"])
		seen[id] = b
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return atoi(ids[i]) < atoi(ids[j]) })
	out := make([]sysinfoBlock, 0, len(ids))
	for _, id := range ids {
		out = append(out, seen[id])
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// Package leases keeps a network's DHCP leases in libvirt's custom lease file
// (/var/lib/libvirt/dnsmasq/BRIDGE.status, a JSON array), updated by the dnsmasq
// --dhcp-script helper as libvirt's leaseshelper does and read by net-dhcp-leases.
//
// Why a helper and not dnsmasq's own lease file: dnsmasq truncates and rewrites its
// lease file in place, so a reader can see it empty or half written; the helper writes
// every change atomically. With --leasefile-ro, dnsmasq asks the helper ("init") for the
// leases when it starts, so a dnsmasq restarted after a crash, or by a restarted daemon,
// keeps serving the same leases. And the file stays the one libvirt's own tools read.
package leases

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/virtunit/virtunit/internal/atomicfile"
)

// Lease is one entry of the file, with libvirt's keys in libvirt's order.
type Lease struct {
	IAID       string `json:"iaid,omitempty"`
	IP         string `json:"ip-address"`
	MAC        string `json:"mac-address,omitempty"`
	Hostname   string `json:"hostname,omitempty"`
	ClientID   string `json:"client-id,omitempty"`
	Expiry     int64  `json:"expiry-time"`
	ServerDUID string `json:"server-duid,omitempty"`
}

// maxFile is libvirt's bound on the file's size.
const maxFile = 32 << 20

// Read returns the leases in path that have not expired at now (expiry 0 never
// expires). A missing file has no leases.
func Read(path string, now time.Time) ([]Lease, error) {
	all, err := readAll(path)
	if err != nil {
		return nil, err
	}
	var out []Lease
	for _, l := range all {
		if l.Expiry == 0 || l.Expiry >= now.Unix() {
			out = append(out, l)
		}
	}
	return out, nil
}

func readAll(path string) ([]Lease, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read leases file %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("read leases file %s: %w", path, err)
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("leases file %s is larger than %d bytes", path, maxFile)
	}
	if strings.TrimSpace(string(b)) == "" {
		return nil, nil
	}
	var ls []Lease
	if err := json.Unmarshal(b, &ls); err != nil {
		return nil, fmt.Errorf("invalid json in file: %s: %w", path, err)
	}
	return ls, nil
}

func write(path string, ls []Lease) error {
	if ls == nil {
		ls = []Lease{}
	}
	b, err := json.MarshalIndent(ls, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}

// Event is one call of dnsmasq's --dhcp-script.
type Event struct {
	// Action is "add", "old", "del" (others, such as "tftp" or "arp-add", change
	// nothing).
	Action string
	// ID is the MAC address for DHCPv4, the client DUID for DHCPv6.
	ID       string
	IP       string
	Hostname string
	// Env is dnsmasq's DNSMASQ_* environment.
	Env func(string) string
}

// Update applies e to the file at path (libvirt's leaseshelper): an added or renewed
// lease replaces any lease of its address, a deleted one is dropped, and leases expired
// at now go.
func Update(path string, e Event, now time.Time) error {
	switch e.Action {
	case "add", "old", "del":
	default:
		return nil
	}
	if e.IP == "" {
		return fmt.Errorf("dhcp-script %s without an IP address", e.Action)
	}
	all, err := readAll(path)
	if err != nil {
		return err
	}
	var keep []Lease
	for _, l := range all {
		if l.Expiry != 0 && l.Expiry < now.Unix() || l.IP == e.IP {
			continue
		}
		keep = append(keep, l)
	}
	if e.Action != "del" {
		l, ok, err := newLease(e, now)
		if err != nil {
			return err
		}
		if ok {
			keep = append(keep, l)
		}
	}
	return write(path, keep)
}

// newLease builds the entry of an add or old event; ok is false for a DHCPv6 lease
// whose MAC dnsmasq does not know (libvirt keeps only leases with a MAC).
func newLease(e Event, now time.Time) (Lease, bool, error) {
	l := Lease{IP: e.IP, Hostname: e.Hostname, MAC: e.ID, ClientID: e.Env("DNSMASQ_CLIENT_ID")}
	if l.Hostname == "" {
		l.Hostname = e.Env("DNSMASQ_SUPPLIED_HOSTNAME")
	}
	if iaid := e.Env("DNSMASQ_IAID"); iaid != "" {
		l.IAID, l.MAC, l.ClientID = iaid, e.Env("DNSMASQ_MAC"), e.ID
		l.ServerDUID = e.Env("DNSMASQ_SERVER_DUID")
	}
	if l.MAC == "" {
		return l, false, nil
	}
	exp := strings.TrimSpace(e.Env("DNSMASQ_LEASE_EXPIRES"))
	switch {
	case exp != "":
		v, err := strconv.ParseInt(exp, 10, 64)
		if err != nil {
			return l, false, fmt.Errorf("bad DNSMASQ_LEASE_EXPIRES %q", exp)
		}
		l.Expiry = v
	case e.Env("DNSMASQ_LEASE_LENGTH") != "":
		v, err := strconv.ParseInt(strings.TrimSpace(e.Env("DNSMASQ_LEASE_LENGTH")), 10, 64)
		if err != nil {
			return l, false, fmt.Errorf("bad DNSMASQ_LEASE_LENGTH %q", e.Env("DNSMASQ_LEASE_LENGTH"))
		}
		if v > 0 {
			l.Expiry = now.Unix() + v
		}
	}
	return l, true, nil
}

// Init writes the unexpired leases in dnsmasq's lease file format, its answer to
// "init": IPv4 leases as "EXPIRY MAC IP HOSTNAME CLIENTID", then, if any IPv6 lease is
// known with its server DUID, "duid DUID" and the IPv6 leases as
// "EXPIRY IAID IP HOSTNAME CLIENTDUID".
func Init(path string, w io.Writer, now time.Time) error {
	ls, err := Read(path, now)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	var v6 []Lease
	duid := ""
	for _, l := range ls {
		if l.IAID != "" {
			v6 = append(v6, l)
			if token(l.ServerDUID) {
				duid = l.ServerDUID
			}
			continue
		}
		if token(l.MAC) && token(l.IP) {
			fmt.Fprintf(bw, "%d %s %s %s %s\n", l.Expiry, l.MAC, l.IP, star(l.Hostname), star(l.ClientID))
		}
	}
	if duid != "" {
		fmt.Fprintf(bw, "duid %s\n", duid)
		for _, l := range v6 {
			if token(l.IAID) && token(l.IP) {
				fmt.Fprintf(bw, "%d %s %s %s %s\n", l.Expiry, l.IAID, l.IP, star(l.Hostname), star(l.ClientID))
			}
		}
	}
	return bw.Flush()
}

// token reports whether s can stand as one field of dnsmasq's lease file, which dnsmasq
// splits at white space. The helper only records what dnsmasq gave it, but the file is
// plain JSON on disk: a hand-edited entry must not shift the fields of its line.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// star is dnsmasq's spelling of an unknown optional field.
func star(s string) string {
	if !token(s) {
		return "*"
	}
	return s
}

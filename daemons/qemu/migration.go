package qemu

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// Live migration, libvirt's protocol version 3 with typed parameters: the source's
// Begin describes the guest, the destination's Prepare starts QEMU waiting for the
// stream (-incoming defer, in the guest's unit as any guest), the source's Perform
// streams it there with QMP migrate, the destination's Finish lets it run, and the
// source's Confirm stops its QEMU. A client drives the five steps (direct migration),
// or the source daemon drives them itself over RPC (peer-to-peer). Disks are shared
// storage (the same paths on both hosts), or with --copy-storage-all/-inc copied
// through QEMU's block mirror (migrate_storage.go).

// The virDrvFeature numbers a migrating driver answers for.
const (
	featureMigrationV3             = 6
	featureMigrationP2P            = 4
	featureMigrateChangeProtection = 7
	featureMigrationOffline        = 12
	featureMigrationParams         = 13
)

// SupportsMigrationFeature: protocol version 3 with parameters, peer-to-peer, change
// protection and offline migration, as libvirt's QEMU driver; not the older protocols,
// whose calls this driver does not serve.
func (d *Driver) SupportsMigrationFeature(feature int32) bool {
	switch feature {
	case featureMigrationV3, featureMigrationP2P, featureMigrateChangeProtection,
		featureMigrationOffline, featureMigrationParams:
		return true
	}
	return false
}

// migrateFlags are the VIR_MIGRATE_* flags this driver honours.
const migrateFlags = libvirt.MigrateLive | libvirt.MigratePeer2peer | libvirt.MigratePersistDest |
	libvirt.MigrateUndefineSource | libvirt.MigratePaused | libvirt.MigrateChangeProtection |
	libvirt.MigrateUnsafe | libvirt.MigrateOffline | libvirt.MigrateAbortOnError | libvirt.MigrateAutoConverge |
	libvirt.MigrateNonSharedDisk | libvirt.MigrateNonSharedInc

// The VIR_MIGRATE_PARAM_* names this driver reads.
const (
	paramURI           = "migrate_uri"
	paramDestName      = "destination_name"
	paramDestXML       = "destination_xml"
	paramPersistXML    = "persistent_xml"
	paramBandwidth     = "bandwidth"
	paramListenAddress = "listen_address"
	paramMigrateDisks  = "migrate_disks"
	paramDisksPort     = "disks_port"
	paramDisksURI      = "disks_uri"
)

// migrateParams are a call's typed parameters, by name.
type migrateParams struct {
	uri, destName, destXML, persistXML, listen string
	bandwidth                                  uint64 // MiB/s; 0 = the guest's own setting
	// migrateDisks are the targets of the disks to copy (empty: libvirt's choice);
	// disksPort and disksURI where the destination's NBD server listens.
	migrateDisks []string
	disksPort    int32
	disksURI     string
}

func parseMigrateParams(ps []libvirt.TypedParam) (migrateParams, error) {
	var p migrateParams
	for _, tp := range ps {
		s, isString := tp.Value.I.(string)
		switch tp.Field {
		case paramURI, paramDestName, paramDestXML, paramPersistXML, paramListenAddress, paramMigrateDisks, paramDisksURI:
			if !isString {
				return p, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "invalid type for parameter '%s'", tp.Field)
			}
			switch tp.Field {
			case paramURI:
				p.uri = s
			case paramDestName:
				p.destName = s
			case paramDestXML:
				p.destXML = s
			case paramPersistXML:
				p.persistXML = s
			case paramListenAddress:
				p.listen = s
			case paramMigrateDisks:
				p.migrateDisks = append(p.migrateDisks, s)
			case paramDisksURI:
				p.disksURI = s
			}
		case paramBandwidth:
			v, ok := tp.Value.I.(uint64)
			if !ok {
				return p, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "invalid type for parameter '%s'", tp.Field)
			}
			p.bandwidth = v
		case paramDisksPort:
			v, ok := tp.Value.I.(int32)
			if !ok {
				return p, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "invalid type for parameter '%s'", tp.Field)
			}
			p.disksPort = v
		case "graphics_uri", "compression", "auto_converge.initial",
			"auto_converge.increment", "parallel.connections", "tls.destination":
			// Known to libvirt and harmless to ignore here.
		default:
			return p, virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromQEMU, "parameter '%s' not supported", tp.Field)
		}
	}
	return p, nil
}

// checkMigrateFlags refuses flags this driver does not honour, as virCheckFlags does,
// and the combinations libvirt refuses.
func checkMigrateFlags(flags libvirt.DomainMigrateFlags, fn string) error {
	if err := checkFlags(uint32(flags), uint32(migrateFlags), fn); err != nil {
		return err
	}
	if flags&libvirt.MigrateOffline != 0 && flags&libvirt.MigratePersistDest == 0 {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "offline migration must be specified with the persistent flag set")
	}
	if flags&libvirt.MigrateOffline != 0 && flags&storageFlags != 0 {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "offline migration cannot handle non-shared storage")
	}
	if flags&libvirt.MigrateNonSharedDisk != 0 && flags&libvirt.MigrateNonSharedInc != 0 {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "Flags 'VIR_MIGRATE_NON_SHARED_DISK' and 'VIR_MIGRATE_NON_SHARED_INC' are mutually exclusive")
	}
	return nil
}

// migrationCookie is the <qemu-migration> document the two daemons pass each other
// through the client: who the sending host is, and after Perform the statistics.
type migrationCookie struct {
	XMLName  xml.Name     `xml:"qemu-migration"`
	Name     string       `xml:"name"`
	UUID     string       `xml:"uuid"`
	Hostname string       `xml:"hostname"`
	HostUUID string       `xml:"hostuuid"`
	Stats    *cookieStats `xml:"statistics,omitempty"`
	// NBD is the storage copy: the source lists the disks it copies with their
	// sizes, the destination answers the port of its NBD server.
	NBD *cookieNBD `xml:"nbd,omitempty"`
}

// cookieNBD is the cookie's <nbd port='N'><disk target='vda' capacity='BYTES'/></nbd>.
type cookieNBD struct {
	Port  int             `xml:"port,attr,omitempty"`
	Disks []cookieNBDDisk `xml:"disk"`
}

type cookieNBDDisk struct {
	Target   string `xml:"target,attr"`
	Capacity uint64 `xml:"capacity,attr"`
}

// cookieStats is the cookie's <statistics>: the completed job, in libvirt's names.
type cookieStats struct {
	Started           uint64 `xml:"started"`
	Stopped           uint64 `xml:"stopped"`
	Sent              uint64 `xml:"sent"`
	TimeElapsed       uint64 `xml:"time_elapsed"`
	Downtime          uint64 `xml:"downtime"`
	SetupTime         uint64 `xml:"setup_time"`
	MemoryTotal       uint64 `xml:"memory_total"`
	MemoryProcessed   uint64 `xml:"memory_processed"`
	MemoryRemaining   uint64 `xml:"memory_remaining"`
	MemoryConstant    uint64 `xml:"memory_constant"`
	MemoryNormal      uint64 `xml:"memory_normal"`
	MemoryNormalBytes uint64 `xml:"memory_normal_bytes"`
	MemoryBPS         uint64 `xml:"memory_bps"`
	MemoryDirtyRate   uint64 `xml:"memory_dirty_rate"`
	MemoryIteration   uint64 `xml:"memory_iteration"`
	MemoryPageSize    uint64 `xml:"memory_page_size"`
}

// cookieFor is this host's cookie for dom, with stats when given.
func (d *Driver) cookieFor(dom *domain, stats *cookieStats) []byte {
	return d.cookieWith(dom, stats, nil)
}

// cookieWith is cookieFor with the storage copy's <nbd> element.
func (d *Driver) cookieWith(dom *domain, stats *cookieStats, nbd *cookieNBD) []byte {
	host, _ := d.env.Host.Hostname()
	c := migrationCookie{Name: dom.name, UUID: formatUUID(dom.uuid), Hostname: host, HostUUID: d.env.Host.UUID(), Stats: stats, NBD: nbd}
	out, err := xml.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil
	}
	// libvirt's cookies are C strings: the terminating NUL travels too.
	return append(out, '\n', 0)
}

// parseCookie reads the other host's cookie; an empty one is no cookie. A cookie
// from this very host is refused, in libvirt's words.
func (d *Driver) parseCookie(b []byte) (*migrationCookie, error) {
	b = bytes.TrimRight(b, "\x00")
	if len(bytes.TrimSpace(b)) == 0 {
		return &migrationCookie{}, nil
	}
	var c migrationCookie
	if err := xml.Unmarshal(b, &c); err != nil {
		return nil, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "failed to parse qemu migration XML: %v", err)
	}
	if c.HostUUID != "" && strings.EqualFold(c.HostUUID, d.env.Host.UUID()) {
		return nil, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "Attempt to migrate guest to the same host %s", c.HostUUID)
	}
	return &c, nil
}

// migrateStatus is QEMU's query-migrate answer, the fields libvirt reports.
type migrateStatus struct {
	Status           string `json:"status"`
	ErrorDesc        string `json:"error-desc"`
	TotalTime        uint64 `json:"total-time"`
	Downtime         uint64 `json:"downtime"`
	ExpectedDowntime uint64 `json:"expected-downtime"`
	SetupTime        uint64 `json:"setup-time"`
	RAM              *struct {
		Transferred    uint64  `json:"transferred"`
		Remaining      uint64  `json:"remaining"`
		Total          uint64  `json:"total"`
		Duplicate      uint64  `json:"duplicate"`
		Normal         uint64  `json:"normal"`
		NormalBytes    uint64  `json:"normal-bytes"`
		Mbps           float64 `json:"mbps"`
		DirtyPagesRate uint64  `json:"dirty-pages-rate"`
		PageSize       uint64  `json:"page-size"`
		DirtySyncCount uint64  `json:"dirty-sync-count"`
	} `json:"ram"`
}

// cookieStats turns a final status into the cookie's statistics.
func (m *migrateStatus) cookieStats(started, stopped time.Time) *cookieStats {
	s := &cookieStats{Started: uint64(started.UnixMilli()), Stopped: uint64(stopped.UnixMilli()), Sent: uint64(time.Now().UnixMilli()),
		TimeElapsed: uint64(stopped.Sub(started).Milliseconds()), Downtime: m.Downtime, SetupTime: m.SetupTime}
	if r := m.RAM; r != nil {
		s.MemoryTotal, s.MemoryProcessed, s.MemoryRemaining = r.Total, r.Transferred, r.Remaining
		s.MemoryConstant, s.MemoryNormal, s.MemoryNormalBytes = r.Duplicate, r.Normal, r.NormalBytes
		s.MemoryBPS, s.MemoryDirtyRate, s.MemoryIteration, s.MemoryPageSize = uint64(r.Mbps*1e6/8), r.DirtyPagesRate, r.DirtySyncCount, r.PageSize
	}
	return s
}

// The phases of an outgoing migration (libvirt's QEMU_MIGRATION_PHASE_*).
const (
	phaseBegun      = "begin3"
	phasePerforming = "perform3"
	phasePerformed  = "perform3_done"
)

// outgoing is a domain's migration to another host, from Begin to Confirm.
type outgoing struct {
	flags libvirt.DomainMigrateFlags
	phase string
	// stats are the completed job's, for the cookie Perform returns.
	stats *cookieStats
}

// incoming is a domain arriving from another host, from Prepare to Finish.
type incoming struct {
	flags   libvirt.DomainMigrateFlags
	port    int
	offline bool
	created bool // the domain did not exist here before Prepare
	started time.Time
	// nbdPort is the port of the NBD server a storage copy writes through;
	// nbdOwned when this host took it from the migration range.
	nbdPort  int
	nbdOwned bool
	nbd      bool
}

// migrationPorts hands out the destination's listening ports from qemu.conf's
// range, never one an incoming migration already holds.
type migrationPorts struct {
	mu   sync.Mutex
	used map[int]bool
}

// take finds a free port between min and max: free here, and bindable now.
func (p *migrationPorts) take(min, max uint) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.used == nil {
		p.used = map[int]bool{}
	}
	for port := int(min); port <= int(max); port++ {
		if p.used[port] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		ln.Close()
		p.used[port] = true
		return port, nil
	}
	return 0, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "Unable to find an unused port in range 'migration' (%d-%d)", min, max)
}

func (p *migrationPorts) release(port int) {
	p.mu.Lock()
	delete(p.used, port)
	p.mu.Unlock()
}

// migrationHostPort splits a migration URI, tcp://HOST[:PORT] or tcp:HOST[:PORT], into
// host and port (0 when absent).
func migrationHostPort(uri string) (string, int, error) {
	bad := func() error {
		return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unable to parse URI %s", uri)
	}
	if rest, ok := strings.CutPrefix(uri, "tcp:"); ok && !strings.HasPrefix(rest, "//") {
		uri = "tcp://" + rest
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", 0, bad()
	}
	if u.Scheme != "tcp" {
		return "", 0, virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromQEMU, "unsupported scheme %s in migration URI %s", u.Scheme, uri)
	}
	if u.Hostname() == "" {
		return "", 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "missing host in migration URI: %s", uri)
	}
	port := 0
	if s := u.Port(); s != "" {
		if port, err = strconv.Atoi(s); err != nil || port <= 0 || port > 65535 {
			return "", 0, bad()
		}
	}
	return u.Hostname(), port, nil
}

// errNoJob is libvirt's answer when a call needs a job and none runs.
func errNoJob() error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "no job is active on the domain")
}

func errMigrating(name string) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "domain '%s' is being migrated", name)
}

// migrationJobName is libvirt's qemuMigrationJobName, the start of its messages.
func migrationJobName(out bool) string {
	if out {
		return "migration out"
	}
	return "migration in"
}

// migrationFailed is the error for a migration QEMU reports failed or cancelled.
func migrationFailed(out bool, m *migrateStatus) error {
	if m.Status == "cancelled" {
		return virerror.New(libvirt.ErrOperationAborted, virerror.FromQEMU, "%s: canceled by client", migrationJobName(out))
	}
	desc := m.ErrorDesc
	if desc == "" {
		desc = "unexpectedly failed"
	}
	return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "%s", fmt.Sprintf("%s: %s", migrationJobName(out), desc))
}

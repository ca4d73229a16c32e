package qemu

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Migration of non-shared disks (--copy-storage-all, --copy-storage-inc) as libvirt
// 9.0 does it with -blockdev: the destination's Prepare starts an NBD server in the
// incoming QEMU and exports each disk to copy, writable, under the name of its drive
// alias; its cookie answers the port. The source attaches each export as a block
// node and mirrors its disk into it (sync full, or top for the incremental copy),
// waits for every mirror to be ready, migrates the memory with
// pause-before-switchover and, while the vCPUs are stopped there, cancels the
// mirrors gracefully: the copies are complete and the source's images stay as
// they are. On any failure the mirrors are force-cancelled and the guest runs on.

// storageFlags ask for the storage copy.
const storageFlags = libvirt.MigrateNonSharedDisk | libvirt.MigrateNonSharedInc

// mirrorPoll is how often the mirrors' state is read while they converge.
const mirrorPoll = 100 * time.Millisecond

// copiesDisk is libvirt's qemuMigrationAnyCopyDisk: a disk named in
// migrate_disks, or without a list every disk that is neither shareable nor
// read-only and has a source.
func copiesDisk(disk *libvirtxml.DomainDisk, list []string) bool {
	if len(list) > 0 {
		for _, t := range list {
			if disk.Target != nil && disk.Target.Dev == t {
				return true
			}
		}
		return false
	}
	return disk.Shareable == nil && disk.ReadOnly == nil && !diskEmpty(disk)
}

// copiedDisks are the disks of def a storage copy takes, after the check that
// migrate_disks names only disks def has.
func copiedDisks(def *libvirtxml.Domain, list []string) ([]*libvirtxml.DomainDisk, error) {
	if def.Devices == nil {
		return nil, nil
	}
	for _, t := range list {
		if i, _ := diskByTarget(def, t); i < 0 {
			return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "disk target %s not found", t)
		}
	}
	var out []*libvirtxml.DomainDisk
	for i := range def.Devices.Disks {
		if copiesDisk(&def.Devices.Disks[i], list) {
			out = append(out, &def.Devices.Disks[i])
		}
	}
	return out, nil
}

func diskByTarget(def *libvirtxml.Domain, target string) (int, *libvirtxml.DomainDisk) {
	if def.Devices == nil {
		return -1, nil
	}
	for i := range def.Devices.Disks {
		if t := def.Devices.Disks[i].Target; t != nil && t.Dev == target {
			return i, &def.Devices.Disks[i]
		}
	}
	return -1, nil
}

// blockNode is a disk's top block node in a running QEMU and its virtual size.
type blockNode struct {
	node string
	size uint64
}

// blockNodes maps the QEMU ids of a guest's disks to their top nodes (query-block).
func blockNodes(ctx context.Context, r *running) (map[string]blockNode, error) {
	var blocks []struct {
		QDev     string `json:"qdev"`
		Inserted *struct {
			NodeName string `json:"node-name"`
			Image    struct {
				VirtualSize uint64 `json:"virtual-size"`
			} `json:"image"`
		} `json:"inserted"`
	}
	if err := r.mon.Execute(ctx, "query-block", nil, &blocks); err != nil {
		return nil, monitorError(err)
	}
	out := map[string]blockNode{}
	for _, b := range blocks {
		if b.Inserted == nil {
			continue
		}
		id := qdevAlias(b.QDev)
		if id == "" {
			id = b.QDev
		}
		out[id] = blockNode{node: b.Inserted.NodeName, size: b.Inserted.Image.VirtualSize}
	}
	return out, nil
}

// nodeOf is disk's top node, or libvirt's error for a disk QEMU does not have.
func nodeOf(nodes map[string]blockNode, def *libvirtxml.Domain, disk *libvirtxml.DomainDisk) (blockNode, error) {
	n, ok := nodes[aliasOfDisk(def, disk)]
	if !ok || n.node == "" {
		return blockNode{}, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "failed to find disk '%s' in QEMU", disk.Target.Dev)
	}
	return n, nil
}

// exportName is the NBD export of a disk: its drive alias, as libvirt names it.
func exportName(def *libvirtxml.Domain, disk *libvirtxml.DomainDisk) string {
	return "drive-" + aliasOfDisk(def, disk)
}

// storageCookie is Begin's <nbd>: the disks the copy takes, with their sizes, for
// the destination to precreate what it lacks. Nil when no disk is copied.
func storageCookie(ctx context.Context, r *running, def *libvirtxml.Domain, list []string) (*cookieNBD, error) {
	disks, err := copiedDisks(def, list)
	if err != nil || len(disks) == 0 {
		return nil, err
	}
	nodes, err := blockNodes(ctx, r)
	if err != nil {
		return nil, err
	}
	nbd := &cookieNBD{}
	for _, disk := range disks {
		if n, ok := nodes[aliasOfDisk(def, disk)]; ok {
			nbd.Disks = append(nbd.Disks, cookieNBDDisk{Target: disk.Target.Dev, Capacity: n.size})
		}
	}
	return nbd, nil
}

// precreateStorage is libvirt's qemuMigrationDstPrecreateStorage: a disk to copy
// whose image is missing here is created through the storage driver, as a volume
// of the pool whose target directory holds the path (or of the disk's own pool,
// for a volume disk), with the source's size. Without such a pool the migration
// is refused in the storage driver's words; an incremental copy never creates.
func (d *Driver) precreateStorage(ctx context.Context, def *libvirtxml.Domain, nbd *cookieNBD, list []string, incremental bool) error {
	if nbd == nil {
		return nil
	}
	var conn rpc.Caller
	for _, nd := range nbd.Disks {
		_, disk := diskByTarget(def, nd.Target)
		if disk == nil {
			return virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "unable to find disk by target: %s", nd.Target)
		}
		path := ""
		if s := disk.Source; s != nil && s.File != nil {
			path = s.File.File
		} else if s != nil && s.Block != nil {
			path = s.Block.Dev
		}
		if !copiesDisk(disk, list) {
			continue
		}
		if path != "" {
			if _, err := os.Stat(path); err == nil {
				continue
			}
		}
		if incremental {
			return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "pre-creation of storage targets for incremental storage migration is not supported")
		}
		if conn == nil {
			c, err := d.env.Connect(ctx, "storage")
			if err != nil {
				return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "cannot precreate the image of disk %s: %v", nd.Target, err)
			}
			conn = c
		}
		call := func(p remote.Proc, args, ret any) error { return conn.Call(ctx, remote.Program, int32(p), args, ret) }
		format := "raw"
		if disk.Driver != nil && disk.Driver.Type != "" {
			format = disk.Driver.Type
		}
		var pool libvirt.StoragePool
		var volName string
		switch s := disk.Source; {
		case s != nil && s.File != nil:
			dir, name := filepath.Split(path)
			if !strings.Contains(path, "/") || name == "" {
				return virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "malformed disk path: %s", path)
			}
			var ret libvirt.StoragePoolLookupByTargetPathRet
			if err := call(remote.StoragePoolLookupByTargetPath, libvirt.StoragePoolLookupByTargetPathArgs{Path: strings.TrimSuffix(dir, "/")}, &ret); err != nil {
				return err
			}
			pool, volName = ret.Pool, name
		case s != nil && s.Volume != nil:
			var ret libvirt.StoragePoolLookupByNameRet
			if err := call(remote.StoragePoolLookupByName, libvirt.StoragePoolLookupByNameArgs{Name: s.Volume.Pool}, &ret); err != nil {
				return err
			}
			pool, volName = ret.Pool, s.Volume.Volume
		default:
			kind := "block"
			if s == nil || s.Block == nil {
				kind = "none"
			}
			return virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "cannot precreate storage for disk type '%s'", kind)
		}
		var vol libvirt.StorageVolLookupByNameRet
		if err := call(remote.StorageVolLookupByName, libvirt.StorageVolLookupByNameArgs{Pool: pool, Name: volName}, &vol); err == nil {
			continue
		}
		var flags uint32
		compat := ""
		if format == "qcow2" {
			flags = uint32(libvirt.StorageVolCreatePreallocMetadata)
			if disk.Source.File != nil {
				compat = "<compat>1.1</compat>"
			}
		}
		xml := fmt.Sprintf("<volume>\n  <name>%s</name>\n  <capacity>%d</capacity>\n  <target>\n    <format type='%s'/>%s\n  </target>\n</volume>\n",
			xmlEscape(volName), nd.Capacity, xmlEscape(format), compat)
		var created libvirt.StorageVolCreateXMLRet
		if err := call(remote.StorageVolCreateXML, libvirt.StorageVolCreateXMLArgs{Pool: pool, XML: xml, Flags: libvirt.StorageVolCreateFlags(flags)}, &created); err != nil {
			return err
		}
		d.log.Info("precreated a disk image for an incoming storage copy", "disk", nd.Target, "volume", volName, "capacity", nd.Capacity)
	}
	return nil
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")
	return r.Replace(s)
}

// startNBDServer is libvirt's qemuMigrationDstStartNBDServer: the incoming QEMU
// serves each disk to copy, writable, on the migration address at disks_port, the
// disks_uri's port, or a port of the migration range (in.nbdOwned: to release).
func (d *Driver) startNBDServer(ctx context.Context, r *running, def *libvirtxml.Domain, p migrateParams, listen string, in *incoming) (int, error) {
	disks, err := copiedDisks(def, p.migrateDisks)
	if err != nil {
		return 0, err
	}
	port := int(p.disksPort)
	if port < 0 || port > 65535 {
		return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "nbd port must be in range 0-65535")
	}
	if p.disksURI != "" {
		u, err := url.Parse(p.disksURI)
		switch {
		case err != nil:
			return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unable to parse URI %s", p.disksURI)
		case u.Scheme == "":
			return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "No URI scheme specified: %s", p.disksURI)
		case u.Scheme != "tcp":
			return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "Unsupported scheme in disks URI: %s", u.Scheme)
		case u.Hostname() == "":
			return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "URI with tcp scheme did not provide a server part: %s", p.disksURI)
		}
		listen = u.Hostname()
		if s := u.Port(); s != "" {
			if port, err = strconv.Atoi(s); err != nil || port <= 0 || port > 65535 {
				return 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unable to parse URI %s", p.disksURI)
			}
		}
	}
	if len(disks) == 0 {
		return 0, nil
	}
	nodes, err := blockNodes(ctx, r)
	if err != nil {
		return 0, err
	}
	for _, disk := range disks {
		if disk.ReadOnly != nil || diskEmpty(disk) {
			return 0, virerror.New(libvirt.ErrOperationUnsupported, virerror.FromQEMU, "Cannot migrate empty or read-only disk %s", disk.Target.Dev)
		}
		if _, err := nodeOf(nodes, def, disk); err != nil {
			return 0, err
		}
	}
	if port == 0 {
		if port, err = d.ports.take(d.cfg.MigrationPortMin, d.cfg.MigrationPortMax); err != nil {
			return 0, err
		}
		in.nbdOwned = true
	}
	in.nbdPort = port
	addr := map[string]any{"type": "inet", "data": map[string]string{"host": listen, "port": strconv.Itoa(port)}}
	if err := r.mon.Execute(ctx, "nbd-server-start", map[string]any{"addr": addr}, nil); err != nil {
		return 0, monitorError(err)
	}
	in.nbd = true
	for _, disk := range disks {
		n, _ := nodeOf(nodes, def, disk)
		export := map[string]any{"type": "nbd", "id": "libvirt-nbd-" + n.node, "node-name": n.node, "name": exportName(def, disk), "writable": true}
		if err := r.mon.Execute(ctx, "block-export-add", export, nil); err != nil {
			return 0, monitorError(err)
		}
	}
	d.log.Info("NBD server started for an incoming storage copy", "port", port, "disks", len(disks))
	return port, nil
}

// stopNBDServer ends the exports once the copy is in (libvirt's
// qemuMigrationDstStopNBDServer) and gives back the port.
func (d *Driver) stopNBDServer(ctx context.Context, r *running, in *incoming) {
	if in.nbd && r != nil {
		if err := r.mon.Execute(ctx, "nbd-server-stop", nil, nil); err != nil {
			d.log.Warn("cannot stop the NBD server of a storage copy", "err", err)
		}
		in.nbd = false
	}
	if in.nbdOwned {
		d.ports.release(in.nbdPort)
		in.nbdOwned = false
	}
}

// mirror is one disk's copy to the destination.
type mirror struct {
	target string // the disk's target, "vda"
	job    string // the block job's id, the drive alias
	node   string // the attached NBD export's format node
}

// mirrors are the storage copy of an outgoing migration.
type mirrors struct {
	r    *running
	list []mirror
}

// blockJob is a query-block-jobs entry.
type blockJob struct {
	Device string `json:"device"`
	Len    uint64 `json:"len"`
	Offset uint64 `json:"offset"`
	Ready  bool   `json:"ready"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

// startMirrors attaches the destination's export of each disk to copy and mirrors
// the disk into it (libvirt's qemuMigrationSrcNBDStorageCopyBlockdev).
func startMirrors(ctx context.Context, r *running, def *libvirtxml.Domain, list []string, host string, port int, speed uint64, shallow bool) (*mirrors, error) {
	disks, err := copiedDisks(def, list)
	if err != nil {
		return nil, err
	}
	nodes, err := blockNodes(ctx, r)
	if err != nil {
		return nil, err
	}
	m := &mirrors{r: r}
	sync := "full"
	if shallow {
		sync = "top"
	}
	for _, disk := range disks {
		src, err := nodeOf(nodes, def, disk)
		if err != nil {
			m.abort(ctx)
			return nil, err
		}
		storage, format := "migration-"+disk.Target.Dev+"-storage", "migration-"+disk.Target.Dev+"-format"
		fdName := "migration-" + disk.Target.Dev + "-nbd"
		if err := passNBDSocket(ctx, r, fdName, host, port); err != nil {
			m.abort(ctx)
			return nil, err
		}
		nbd := map[string]any{"driver": "nbd", "server": map[string]string{"type": "fd", "str": fdName},
			"export": exportName(def, disk), "node-name": storage, "read-only": false}
		if err := r.mon.Execute(ctx, "blockdev-add", nbd, nil); err != nil {
			r.mon.Execute(context.WithoutCancel(ctx), "closefd", map[string]string{"fdname": fdName}, nil)
			m.abort(ctx)
			return nil, monitorError(err)
		}
		if err := r.mon.Execute(ctx, "blockdev-add", map[string]any{"driver": "raw", "file": storage, "node-name": format, "read-only": false}, nil); err != nil {
			r.mon.Execute(context.WithoutCancel(ctx), "blockdev-del", map[string]string{"node-name": storage}, nil)
			m.abort(ctx)
			return nil, monitorError(err)
		}
		job := exportName(def, disk)
		args := map[string]any{"job-id": job, "device": src.node, "target": format, "sync": sync, "auto-finalize": true, "auto-dismiss": false}
		if speed > 0 && speed < unlimitedSpeed {
			args["speed"] = speed << 20
		}
		if err := r.mon.Execute(ctx, "blockdev-mirror", args, nil); err != nil {
			r.mon.Execute(context.WithoutCancel(ctx), "blockdev-del", map[string]string{"node-name": format}, nil)
			r.mon.Execute(context.WithoutCancel(ctx), "blockdev-del", map[string]string{"node-name": storage}, nil)
			m.abort(ctx)
			return nil, monitorError(err)
		}
		m.list = append(m.list, mirror{target: disk.Target.Dev, job: job, node: format})
	}
	return m, nil
}

// passNBDSocket connects to the destination's NBD server and hands QEMU the socket
// under name, as the migration stream's: bounded by streamTimeout, so a mirror over
// a cut link fails instead of waiting on TCP's retransmissions for a quarter of an
// hour. (libvirt lets QEMU connect itself; the destination sees the same NBD
// client either way.)
func passNBDSocket(ctx context.Context, r *running, name, host string, port int) error {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, err := (&net.Dialer{KeepAlive: -1, Control: boundedStream}).DialContext(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromQEMU, "Failed to connect to the NBD server of the migration destination %s: %s", addr, virerror.Strerror(err))
	}
	f, err := conn.(*net.TCPConn).File()
	conn.Close()
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot pass the NBD socket to QEMU: %v", err)
	}
	defer f.Close()
	if err := r.mon.SendFile(ctx, name, f); err != nil {
		return monitorError(err)
	}
	return nil
}

// jobs reads the mirrors' block jobs by id.
func (m *mirrors) jobs(ctx context.Context) (map[string]blockJob, error) {
	var all []blockJob
	if err := m.r.mon.Execute(context.WithoutCancel(ctx), "query-block-jobs", nil, &all); err != nil {
		return nil, monitorError(err)
	}
	out := map[string]blockJob{}
	for _, j := range all {
		out[j.Device] = j
	}
	return out, nil
}

// mirrorFailed is libvirt's qemuMigrationNBDReportMirrorError.
func mirrorFailed(target, why string) error {
	if why != "" {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "migration of disk %s failed: %s", target, why)
	}
	return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "migration of disk %s failed", target)
}

// waitReady waits for every mirror to be ready (in sync and mirroring every new
// write), keeping the job's disk figures; abort tells of a domjobabort.
func (m *mirrors) waitReady(ctx context.Context, job *jobProgress, exited <-chan struct{}) error {
	for {
		jobs, err := m.jobs(ctx)
		if err != nil {
			return err
		}
		ready := 0
		var total, done uint64
		for _, mi := range m.list {
			j, ok := jobs[mi.job]
			if !ok || j.Status == "concluded" || j.Status == "aborting" || j.Error != "" {
				return mirrorFailed(mi.target, j.Error)
			}
			if j.Ready {
				ready++
			}
			total, done = total+j.Len, done+j.Offset
		}
		job.recordDisks(total, done)
		if ready == len(m.list) {
			return nil
		}
		if job.isCancelled() || ctx.Err() != nil {
			return virerror.New(libvirt.ErrOperationAborted, virerror.FromQEMU, "%s: canceled by client", migrationJobName(true))
		}
		select {
		case <-exited:
			return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "%s: %s", migrationJobName(true), "domain is not running")
		case <-time.After(mirrorPoll):
		}
	}
}

// complete ends the mirrors once the guest's vCPUs are stopped: a graceful cancel
// of a ready mirror leaves the destination a complete copy and the source's image
// as it is. A mirror that failed fails the migration.
func (m *mirrors) complete(ctx context.Context) error {
	return m.end(ctx, false)
}

// abort force-cancels the mirrors: the destination's copy no longer matters.
func (m *mirrors) abort(ctx context.Context) {
	m.end(context.WithoutCancel(ctx), true)
}

// end cancels every mirror, waits for them to conclude, dismisses them and detaches
// the export nodes (libvirt's qemuMigrationSrcNBDCopyCancel).
func (m *mirrors) end(ctx context.Context, force bool) error {
	if m == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var failed error
	for _, mi := range m.list {
		if err := m.r.mon.Execute(ctx, "block-job-cancel", map[string]any{"device": mi.job, "force": force}, nil); err != nil && !force && failed == nil {
			failed = mirrorFailed(mi.target, err.Error())
		}
	}
	deadline := time.Now().Add(time.Minute)
	for _, mi := range m.list {
		for {
			jobs, err := m.jobs(ctx)
			if err != nil {
				if failed == nil {
					failed = err
				}
				break
			}
			j, ok := jobs[mi.job]
			if !ok {
				break
			}
			if j.Status == "concluded" || j.Status == "null" {
				if j.Error != "" && !force && failed == nil {
					failed = mirrorFailed(mi.target, j.Error)
				}
				m.r.mon.Execute(ctx, "job-dismiss", map[string]string{"id": mi.job}, nil)
				break
			}
			if time.Now().After(deadline) {
				if failed == nil {
					failed = mirrorFailed(mi.target, "the mirror did not end")
				}
				m.r.mon.Execute(ctx, "block-job-cancel", map[string]any{"device": mi.job, "force": true}, nil)
				break
			}
			select {
			case <-m.r.exited:
				return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "%s: %s", migrationJobName(true), "domain is not running")
			case <-time.After(mirrorPoll):
			}
		}
	}
	for _, mi := range m.list {
		storage := strings.TrimSuffix(mi.node, "-format") + "-storage"
		m.r.mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": mi.node}, nil)
		m.r.mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": storage}, nil)
	}
	m.list = nil
	return failed
}

// storageTarget is where the source reaches the destination's NBD server: the
// migration URI's host, or disks_uri's host and port, and the cookie's port.
func storageTarget(p migrateParams, migHost string, nbd *cookieNBD) (string, int, error) {
	if nbd == nil {
		return "", 0, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "migration of non-shared disks requested but NBD is not set up")
	}
	host, port := migHost, nbd.Port
	if p.disksURI != "" {
		u, err := url.Parse(p.disksURI)
		if err != nil {
			return "", 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unable to parse URI %s", p.disksURI)
		}
		if u.Scheme != "tcp" {
			return "", 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "Unsupported scheme in disks URI: %s", u.Scheme)
		}
		if u.Hostname() != "" {
			host = u.Hostname()
		}
		if s := u.Port(); s != "" {
			if port, err = strconv.Atoi(s); err != nil {
				return "", 0, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "unable to parse URI %s", p.disksURI)
			}
		}
	}
	if port <= 0 || port > 65535 {
		return "", 0, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "migration of non-shared disks requested but NBD is not set up")
	}
	return host, port, nil
}

// check fails the migration when a mirror failed while the memory streams
// (libvirt's QEMU_MIGRATION_COMPLETED_CHECK_STORAGE).
func (m *mirrors) check(ctx context.Context) error {
	jobs, err := m.jobs(ctx)
	if err != nil {
		return err
	}
	for _, mi := range m.list {
		j, ok := jobs[mi.job]
		if !ok || j.Status == "concluded" || j.Status == "aborting" || j.Error != "" {
			return mirrorFailed(mi.target, j.Error)
		}
	}
	return nil
}

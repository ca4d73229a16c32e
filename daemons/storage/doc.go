// Package storage is libvirt's storage driver (src/storage/storage_driver.c, the
// dir and fs backends of storage_backend_fs.c with storage_util.c, and the
// definitions of src/conf/storage_conf.c and virstorageobj.c), served by virtstoraged
// and libvirtd and driven by stock virsh pool-* and vol-*, virt-install and
// virt-manager.
//
// # Files
//
//	driver.go     New, Close: pool states, definitions, the check of each pool's
//	              storage at start, autostart; events
//	lifecycle.go  define, create, build, start, destroy, delete, undefine, refresh
//	objects.go    finding pools, libvirt's duplicate and conflict checks
//	lists.go, poolinfo.go, caps.go, volumes.go
//	              lookups, lists, info, XML and pool capabilities
//	volcreate.go, volops.go, stream.go
//	              volume creation and cloning, deletion, resize, wipe; upload and
//	              download over RPC streams
//	pooldef.go, poolformat.go, voldef.go, volformat.go, pooltypes.go, units.go,
//	xmltree.go, xmlwriter.go
//	              pool and volume XML in and out, as libvirt parses and writes it
//	config.go     definitions, autostart links and state files (atomic writes)
//	backend.go    the backend seam; dirbackend.go and fsbackend.go
//	local.go, probe.go, probecache.go, raw.go, qemuimg.go, command.go, owner.go
//	              file volumes: status, header probing (and what a refresh may reuse
//	              of it), raw files, qemu-img
//
// # Where things are
//
// Definitions are /etc/libvirt/storage/NAME.xml (0600), autostart links
// /etc/libvirt/storage/autostart/NAME.xml pointing at them, and the live state of an
// active pool /run/libvirt/storage/NAME.xml, beside driver.pid (locked while the
// driver runs) and the autostarted marker; session daemons use $XDG_CONFIG_HOME and
// $XDG_RUNTIME_DIR/libvirt/storage/run.
//
// # Pool types
//
// dir and fs (a block device, here a loop device over an image, mounted on the
// target as libvirt mounts it: nodev,nosuid,noexec). The others libvirt has need
// what the test machines' kernel lacks (device-mapper, NFS, partition tables, SCSI
// targets); they are refused as by a libvirt built without their backend, and pool
// capabilities report them unsupported. A backend for one implements the backend
// interface.
//
// # Volumes
//
// A volume is a file (or directory) of the target directory. Raw files are made by
// the driver (truncate, then fallocate of the allocation); every other format, clones
// across formats and resizes of images go through qemu-img with libvirt's command
// lines. A pool refresh reads each file's header as libvirt does (no qemu-img per
// file), in parallel, and reads again only the files whose size, times or inode
// changed since the refresh before.
//
// # Locking
//
// Driver.mu guards the pools and their volumes and is held only for work in memory
// and short system calls. A pool's op lock serializes what changes it on the host or
// changes its set of volumes (build, start, stop, refresh, a volume's registration or
// deletion). Volume builds, uploads, downloads and wipes run unlocked, counted in the
// pool's asyncJobs so that a stop or refresh meanwhile is refused, as in libvirt.
package storage

package storage

// The pool types libvirt knows, in its order (virStoragePool): the index is the
// number libvirt's messages show ("missing backend for pool type 3 (logical)").
var poolTypes = []string{"dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct",
	"scsi", "mpath", "rbd", "sheepdog", "gluster", "zfs", "vstorage"}

const (
	poolDir = iota
	poolFS
	poolNetFS
	poolLogical
	poolDisk
	poolISCSI
	poolISCSIDirect
	poolSCSI
	poolMpath
	poolRBD
	poolSheepdog
	poolGluster
	poolZFS
	poolVstorage
)

// What a pool type's <source> must or may hold (storage_conf.c's
// VIR_STORAGE_POOL_SOURCE_* flags).
const (
	srcHost = 1 << iota
	srcDevice
	srcDir
	srcAdapter
	srcName
	srcInitiatorIQN
	srcNetwork
)

// The volume formats of file-based pools (virStorageFileFormat), "none" first.
var fileFormats = []string{"none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi",
	"fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk"}

// Indexes of the file formats the driver treats specially.
const (
	fmtNone  = 0
	fmtRaw   = 1
	fmtDir   = 2
	fmtISO   = 6
	fmtPloop = 11
	fmtQcow2 = 14
)

// poolTypeInfo is libvirt's virStoragePoolTypeInfo: what a type's XML holds.
type poolTypeInfo struct {
	source int // the srcFlags above
	// formats are the <source><format type=> values, the default first for types
	// whose default is not the first value (defaultFormat indexes them).
	formats       []string
	defaultFormat int
	// volFormats are the volume formats; nil when the type's volumes have none.
	volFormats       []string
	defaultVolFormat int
	// volFormatsShown limits the formats pool capabilities lists (rbd lists none).
	volFormatsShown int
}

var poolTypeInfos = [...]poolTypeInfo{
	poolDir: {volFormats: fileFormats, defaultVolFormat: fmtRaw, volFormatsShown: len(fileFormats)},
	poolFS: {source: srcDevice,
		formats:    []string{"auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs", "ocfs2", "vmfs"},
		volFormats: fileFormats, defaultVolFormat: fmtRaw, volFormatsShown: len(fileFormats)},
	poolNetFS: {source: srcHost | srcDir, formats: []string{"auto", "nfs", "glusterfs", "cifs"},
		volFormats: fileFormats, defaultVolFormat: fmtRaw, volFormatsShown: len(fileFormats)},
	poolLogical: {source: srcName | srcDevice, formats: []string{"unknown", "lvm2"}, defaultFormat: 1},
	poolDisk: {source: srcDevice, formats: []string{"unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"},
		volFormats:      []string{"none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended"},
		volFormatsShown: 8},
	poolISCSI:       {source: srcHost | srcDevice | srcInitiatorIQN},
	poolISCSIDirect: {source: srcHost | srcDevice | srcNetwork | srcInitiatorIQN},
	poolSCSI:        {source: srcAdapter},
	poolMpath:       {},
	poolRBD:         {source: srcHost | srcNetwork | srcName, volFormats: fileFormats, defaultVolFormat: fmtRaw},
	poolSheepdog:    {source: srcHost | srcNetwork | srcName},
	poolGluster: {source: srcHost | srcNetwork | srcName | srcDir,
		volFormats: fileFormats, defaultVolFormat: fmtRaw, volFormatsShown: len(fileFormats)},
	poolZFS:      {source: srcName | srcDevice},
	poolVstorage: {source: srcName, volFormats: fileFormats, defaultVolFormat: fmtRaw, volFormatsShown: len(fileFormats)},
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

package storage

import (
	"bytes"
	"encoding/binary"
	"io"
)

// maxHeader is how much of a file libvirt reads to learn its format
// (VIR_STORAGE_MAX_HEADER).
const maxHeader = 0x8200

// header is the start of a volume's file, read lazily: most files are told apart by
// their first block, and a pool refresh reads thousands of them. size is what libvirt
// would have read (the whole file, up to maxHeader), which its bounds checks use.
type header struct {
	f    io.ReaderAt
	size int
	buf  []byte
}

const firstBlock = 4096

func newHeader(f io.ReaderAt, fileSize int64) *header {
	return &header{f: f, size: int(min(fileSize, maxHeader))}
}

// bytes returns n bytes at off, or nil beyond the header.
func (h *header) bytes(off, n int) []byte {
	if off < 0 || n < 0 || off+n > h.size {
		return nil
	}
	if off+n > len(h.buf) && off >= firstBlock && n <= 16 {
		// A lone field far in (the ISO signature at 32769): read just that.
		b := make([]byte, n)
		if got, _ := h.f.ReadAt(b, int64(off)); got < n {
			return nil
		}
		return b
	}
	if off+n > len(h.buf) {
		want := firstBlock
		if off+n > firstBlock {
			want = maxHeader
		}
		want = min(want, h.size)
		buf := make([]byte, want)
		got, _ := h.f.ReadAt(buf, 0)
		h.buf = buf[:got]
		if got < want {
			h.size = got // a short read: what libvirt would have seen too
		}
		if off+n > len(h.buf) {
			return nil
		}
	}
	return h.buf[off : off+n]
}

func (h *header) be32(off int) (uint32, bool) {
	b := h.bytes(off, 4)
	if b == nil {
		return 0, false
	}
	return binary.BigEndian.Uint32(b), true
}

func (h *header) be64(off int) (uint64, bool) {
	b := h.bytes(off, 8)
	if b == nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

func (h *header) le32(off int) (uint32, bool) {
	b := h.bytes(off, 4)
	if b == nil {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

func (h *header) le64(off int) (uint64, bool) {
	b := h.bytes(off, 8)
	if b == nil {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b), true
}

// fileType is a format libvirt recognises by its magic (storage_file_probe.c's
// fileTypeInfo), with where its version and virtual size are.
type fileType struct {
	format      int
	magicOffset int
	magic       string
	bigEndian   bool
	versionAt   int // -2: any version matches
	versions    []uint32
	sizeAt      int // -1: the file's size
	sizeScale   uint64
}

// fileTypes are in libvirt's enum order, which is the order magic is tried in.
var fileTypes = []fileType{
	{format: 6, magicOffset: 32769, magic: "CD001", versionAt: -2, sizeAt: -1},                                                        // iso
	{format: 7, magic: "conectix", bigEndian: true, versionAt: 12, versions: []uint32{0x10000}, sizeAt: 40, sizeScale: 1},             // vpc
	{format: 8, magicOffset: 64, magic: "\x7f\x10\xda\xbe", versionAt: 68, versions: []uint32{0x00010001}, sizeAt: 368, sizeScale: 1}, // vdi
	{format: fmtPloop, magic: "WithouFreSpacExt", versionAt: -2, sizeAt: 36, sizeScale: 512},                                          // ploop
	{format: 12, magic: "OOOM", bigEndian: true, versionAt: 4, versions: []uint32{2}, sizeAt: 1036, sizeScale: 1},                     // cow
	{format: 13, magic: "QFI", bigEndian: true, versionAt: 4, versions: []uint32{1}, sizeAt: 24, sizeScale: 1},                        // qcow
	{format: fmtQcow2, magic: "QFI", bigEndian: true, versionAt: 4, versions: []uint32{2, 3}, sizeAt: 24, sizeScale: 1},               // qcow2
	{format: 15, magic: "QED", versionAt: -2, sizeAt: 48, sizeScale: 1},                                                               // qed
	{format: 16, magic: "KDMV", versionAt: 4, versions: []uint32{1, 2, 3}, sizeAt: 12, sizeScale: 512},                                // vmdk
}

// probeFormat is virStorageFileProbeFormatFromBuf: the first format whose magic and
// version match, else raw.
func probeFormat(h *header) *fileType {
	for i := range fileTypes {
		t := &fileTypes[i]
		if m := h.bytes(t.magicOffset, len(t.magic)); m == nil || string(m) != t.magic {
			continue
		}
		if t.versionAt == -2 {
			return t
		}
		var v uint32
		var ok bool
		if t.bigEndian {
			v, ok = h.be32(t.versionAt)
		} else {
			v, ok = h.le32(t.versionAt)
		}
		for _, want := range t.versions {
			if ok && v == want {
				return t
			}
		}
	}
	return nil
}

// imageInfo is what a file's header says about it.
type imageInfo struct {
	format      int
	capacity    uint64 // 0: unknown, the file's size applies
	clusterSize uint64
	backing     string
	// backingFormat is the backing file's format from the header, or -1 when it must
	// be probed.
	backingFormat int
	features      []int
	hasFeatures   bool
	compat        string
}

// The qcow2 header fields libvirt reads.
const (
	qcowVersion       = 4
	qcowBackingOffset = 8
	qcowBackingSize   = 16
	qcowClusterBits   = 20
	qcow2TotalSize    = 72
	qcow2IncompatFeat = 72
	qcow2CompatFeat   = 80
	qcow2V3HeaderSize = 100

	qcow2ExtBackingFormat = 0xE2792ACA
)

// readImage is virStorageFileProbeGetMetadata for a file of unknown format.
func readImage(h *header) imageInfo {
	info := imageInfo{format: fmtRaw, backingFormat: -1}
	t := probeFormat(h)
	if t == nil {
		return info
	}
	info.format = t.format
	if t.sizeAt >= 0 {
		var v uint64
		var ok bool
		if t.bigEndian {
			v, ok = h.be64(t.sizeAt)
		} else {
			v, ok = h.le64(t.sizeAt)
		}
		if !ok {
			return info
		}
		if v <= ^uint64(0)/t.sizeScale {
			info.capacity = v * t.sizeScale
		}
	}
	if t.format == fmtQcow2 {
		if bits, ok := h.be32(qcowClusterBits); ok && int32(bits) > 0 && bits < 64 {
			info.clusterSize = 1 << bits
		}
	}
	var valid bool
	switch t.format {
	case 12:
		valid = cowBacking(h, &info)
	case 13, fmtQcow2:
		valid = qcowBacking(h, &info)
	case 15:
		valid = qedBacking(h, &info)
	case 16:
		valid = vmdkBacking(h, &info)
	default:
		valid = true
	}
	if !valid {
		return info
	}
	if t.format == fmtQcow2 {
		if v, _ := h.be32(qcowVersion); v >= 3 {
			if h.size < qcow2V3HeaderSize {
				return info
			}
			info.hasFeatures = true
			if c, ok := h.be64(qcow2CompatFeat); ok && c&1 != 0 {
				info.features = append(info.features, 0) // lazy_refcounts
			}
			if c, ok := h.be64(qcow2IncompatFeat); ok && c&(1<<4) != 0 {
				info.features = append(info.features, 1) // extended_l2
			}
			info.compat = "1.1"
		}
	}
	return info
}

func cowBacking(h *header, info *imageInfo) bool {
	name := h.bytes(8, 1024)
	if name == nil {
		return false
	}
	if name[0] != 0 {
		info.backing = cString(name)
	}
	return true
}

func qcowBacking(h *header, info *imageInfo) bool {
	off, ok := h.be64(qcowBackingOffset)
	size, ok2 := h.be32(qcowBackingSize)
	if !ok || !ok2 || off > uint64(h.size) {
		return false
	}
	if off == 0 || size == 0 {
		return true
	}
	if size > 1023 || off+uint64(size) > uint64(h.size) {
		return false
	}
	name := h.bytes(int(off), int(size))
	if name == nil {
		return false
	}
	info.backing = cString(name)
	return qcow2Extensions(h, off, info)
}

// qcow2Extensions finds the backing format among the header extensions between the
// header and the backing file name, as qcow2GetExtensions does.
func qcow2Extensions(h *header, end uint64, info *imageInfo) bool {
	version, _ := h.be32(qcowVersion)
	if version < 2 {
		return true
	}
	start := uint64(qcow2TotalSize)
	if version > 2 {
		v, ok := h.be32(qcow2V3HeaderSize)
		if !ok {
			return true
		}
		start = uint64(v)
	}
	if end > uint64(h.size) {
		return false
	}
	size := uint64(h.size)
	for off := start; off+8 < size && off+8 < end; {
		magic, _ := h.be32(int(off))
		n, _ := h.be32(int(off + 4))
		off += 8
		if off+uint64(n) > size {
			break
		}
		switch magic {
		case qcow2ExtBackingFormat:
			f := indexOf(fileFormats, cString(h.bytes(int(off), int(n))))
			if f <= fmtNone {
				return false
			}
			info.backingFormat = f
		case 0:
			return true
		}
		off += uint64(n)
	}
	return true
}

func qedBacking(h *header, info *imageInfo) bool {
	flags, ok := h.le64(16)
	if !ok {
		return false
	}
	if flags&1 == 0 {
		return true
	}
	off, ok1 := h.le32(56)
	size, ok2 := h.le32(60)
	if !ok1 || !ok2 || uint64(off) > uint64(h.size) {
		return false
	}
	if size == 0 {
		return true
	}
	if uint64(off)+uint64(size) > uint64(h.size) {
		return false
	}
	info.backing = cString(h.bytes(int(off), int(size)))
	if flags&4 != 0 {
		info.backingFormat = fmtRaw
	}
	return true
}

func vmdkBacking(h *header, info *imageInfo) bool {
	if h.size <= 0x200 {
		return false
	}
	desc := h.bytes(0x200, h.size-0x200)
	if desc == nil {
		return false
	}
	desc = []byte(cString(desc))
	const prefix = `parentFileNameHint="`
	i := bytes.Index(desc, []byte(prefix))
	if i < 0 {
		return true
	}
	rest := desc[i+len(prefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return false
	}
	info.backing = string(rest[:j])
	return true
}

// cString is b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

package qemu

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// A save image in libvirt's format (src/qemu/qemu_saveimage.h), so images move
// between libvirt and virtunit: a header, the guest's definition (NUL-terminated),
// then QEMU's migration stream. The header's magic says "partial" until the stream
// is complete. Its integers are in the host's byte order, as libvirt writes them.

const (
	saveMagic   = "LibvirtQemudSave"
	savePartial = "LibvirtQemudPart"
	saveVersion = 2
	// saveHeaderLen: the magic, version, data_len, was_running, compressed,
	// cookieOffset and 14 unused words.
	saveHeaderLen = 16 + 4*19
)

// saveHeader is virQEMUSaveHeader.
type saveHeader struct {
	magic        string
	version      uint32
	dataLen      uint32 // the definition, its NUL and padding
	wasRunning   uint32
	compressed   uint32
	cookieOffset uint32
}

func (h saveHeader) bytes() []byte {
	b := make([]byte, saveHeaderLen)
	copy(b, h.magic)
	for i, v := range []uint32{h.version, h.dataLen, h.wasRunning, h.compressed, h.cookieOffset} {
		binary.LittleEndian.PutUint32(b[16+4*i:], v)
	}
	return b
}

// saveImage is a save image's header and definition, read from a file.
type saveImage struct {
	header saveHeader
	xml    string
}

// streamOffset is where the migration stream starts.
func (img saveImage) streamOffset() int64 { return int64(saveHeaderLen) + int64(img.header.dataLen) }

// writeSaveHeader writes a partial image's header and definition at the start of f
// and leaves f where the stream goes. The definition is padded so the stream starts
// on a 4 KiB boundary, as libvirt pads it for O_DIRECT writes.
func writeSaveHeader(f *os.File, xml string, wasRunning bool) (saveImage, error) {
	data := append([]byte(xml), 0)
	total := saveHeaderLen + len(data)
	pad := (4096 - total%4096) % 4096
	data = append(data, make([]byte, pad)...)
	h := saveHeader{magic: savePartial, version: saveVersion, dataLen: uint32(len(data))}
	if wasRunning {
		h.wasRunning = 1
	}
	if _, err := f.WriteAt(append(h.bytes(), data...), 0); err != nil {
		return saveImage{}, err
	}
	img := saveImage{header: h, xml: xml}
	if _, err := f.Seek(img.streamOffset(), io.SeekStart); err != nil {
		return saveImage{}, err
	}
	return img, nil
}

// completeSaveImage marks a fully written image as complete and flushes it.
func completeSaveImage(f *os.File) error {
	if _, err := f.WriteAt([]byte(saveMagic), 0); err != nil {
		return err
	}
	return f.Sync()
}

// errSaveImage is libvirt's answer to a file that is no (complete) save image.
func errSaveImage(format string, args ...any) error {
	return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, format, args...)
}

// readSaveImage reads an image's header and definition.
func readSaveImage(path string) (saveImage, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return saveImage{}, nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to open domain image file '%s': %s", path, virerror.Strerror(err))
	}
	img, err := decodeSaveImage(f)
	if err != nil {
		f.Close()
		return saveImage{}, nil, err
	}
	return img, f, nil
}

func decodeSaveImage(f io.ReaderAt) (saveImage, error) {
	b := make([]byte, saveHeaderLen)
	if _, err := f.ReadAt(b, 0); err != nil {
		return saveImage{}, errSaveImage("failed to read qemu header")
	}
	h := saveHeader{magic: string(b[:16])}
	vals := make([]uint32, 5)
	for i := range vals {
		vals[i] = binary.LittleEndian.Uint32(b[16+4*i:])
	}
	h.version, h.dataLen, h.wasRunning, h.compressed, h.cookieOffset = vals[0], vals[1], vals[2], vals[3], vals[4]
	switch h.magic {
	case saveMagic:
	case savePartial:
		return saveImage{}, errSaveImage("save image is incomplete")
	default:
		return saveImage{}, errSaveImage("image magic is incorrect")
	}
	if h.version > saveVersion {
		return saveImage{}, errSaveImage("image version is not supported (%d > %d)", h.version, saveVersion)
	}
	if h.compressed != 0 {
		return saveImage{}, errSaveImage("compressed save images are not supported by virtunit")
	}
	if h.dataLen == 0 || h.dataLen > maxXML+1<<20 {
		return saveImage{}, errSaveImage("invalid XML length: %d", h.dataLen)
	}
	data := make([]byte, h.dataLen)
	if _, err := f.ReadAt(data, saveHeaderLen); err != nil {
		return saveImage{}, errSaveImage("failed to read domain XML")
	}
	end := int(h.dataLen)
	if h.cookieOffset > 0 && h.cookieOffset < h.dataLen {
		end = int(h.cookieOffset)
	}
	xml := data[:end]
	if i := bytes.IndexByte(xml, 0); i >= 0 {
		xml = xml[:i]
	}
	return saveImage{header: h, xml: string(xml)}, nil
}

// rewriteSaveXML replaces an image's definition (save-image-define). The stream stays
// where it is, so the new definition must fit in the space the old one had.
func rewriteSaveXML(path, xml string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Failed to open domain image file '%s': %s", path, virerror.Strerror(err))
	}
	defer f.Close()
	img, err := decodeSaveImage(f)
	if err != nil {
		return err
	}
	limit := int(img.header.dataLen)
	if img.header.cookieOffset > 0 {
		return errSaveImage("save images with a migration cookie cannot be redefined by virtunit")
	}
	if len(xml)+1 > limit {
		return virerror.New(libvirt.ErrOperationFailed, virerror.FromQEMU, "new xml too large to fit in file")
	}
	data := make([]byte, limit)
	copy(data, xml)
	if _, err := f.WriteAt(data, saveHeaderLen); err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "failed to write %s: %v", path, err)
	}
	return f.Sync()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

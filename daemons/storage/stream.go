package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// streamChunk is the data a download sends per packet: libvirt's payload limit
// (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX), which is also what its clients read at a time,
// so one packet is one read for them.
const streamChunk = 262120

// errStreamFull is libvirt's answer to data beyond the end the upload may write.
var errStreamFull = virerror.New(libvirt.ErrSystemError, virerror.FromStreams, "cannot write to stream: No space left on device")

// StorageVolUpload writes what the client streams into the volume's file, from offset
// on, at most length bytes (0: to the end), as virsh vol-upload does. A raw volume is
// never made larger than its capacity this way: the upload of a bigger image fails as
// an upload past its length does. With the sparse flag the client's holes are holes
// in the file too, not written zeros.
func (d *Driver) StorageVolUpload(ctx context.Context, a libvirt.StorageVolUploadArgs) (struct{}, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(libvirt.StorageVolUploadSparseStream), remote.StorageVolUpload); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, v, err := d.vol(a.Vol)
	if err == nil {
		err = v.busy()
	}
	if err != nil {
		return struct{}{}, err
	}
	t := v.def.Target
	f, err := openStreamFile(t.Path, os.O_WRONLY, a.Offset)
	if err != nil {
		return struct{}{}, err
	}
	limit := int64(-1)
	if a.Length != 0 {
		limit = int64(a.Length)
	}
	if t.Format == fmtRaw && v.def.Type == volFile {
		room := int64(0)
		if a.Offset < t.Capacity {
			room = int64(t.Capacity - a.Offset)
		}
		if limit < 0 || room < limit {
			limit = room
		}
	}
	s, err := rpc.OpenStream(ctx, rpc.HandlerFinishes)
	if err != nil {
		f.Close()
		return struct{}{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromStorage, "%v", err)
	}
	v.inUse++
	p.asyncJobs++
	sparse := a.Flags&libvirt.StorageVolUploadSparseStream != 0
	go func() {
		err := receive(s, f, limit, sparse)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = sysErr(cerr, "Unable to close")
		}
		// The volume is free before the client hears the end: its next call may use it.
		d.mu.Lock()
		v.inUse--
		p.asyncJobs--
		d.mu.Unlock()
		s.Finish(err)
		// The file changed: refresh the pool, as libvirt does when an upload ends.
		d.refreshPool(context.WithoutCancel(ctx), p, true)
	}()
	return struct{}{}, nil
}

// openStreamFile opens a volume's file for a stream and moves to offset.
func openStreamFile(path string, flag int, offset uint64) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, sysErr(err, "Unable to open stream for '%s'", path)
	}
	if offset != 0 {
		if _, err := f.Seek(int64(offset), io.SeekStart); err != nil {
			f.Close()
			return nil, sysErr(err, "Unable to seek %s to %d", path, offset)
		}
	}
	return f, nil
}

// receive writes the stream's data into f until the client finishes; limit (-1: none)
// bounds how much may be written.
func receive(s *rpc.DataStream, f *os.File, limit int64, sparse bool) error {
	st, err := f.Stat()
	if err != nil {
		return sysErr(err, "Unable to access stream for '%s'", f.Name())
	}
	block := st.Mode()&os.ModeDevice != 0
	pos, _ := f.Seek(0, io.SeekCurrent)
	for {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err // the client aborted or went away: no one hears the answer
		}
		n := int64(len(c.Data))
		if c.Data == nil {
			n = c.Hole
		}
		if limit >= 0 && n > limit {
			if limit == 0 {
				return errStreamFull
			}
			n = limit
		}
		if c.Data != nil {
			_, err := f.Write(c.Data[:n])
			c.Release()
			if err != nil {
				return sysErr(err, "Unable to write %s", f.Name())
			}
		} else {
			if !sparse {
				return virerror.New(libvirt.ErrInternalError, virerror.FromStreams, "unexpected stream hole")
			}
			if err := skipHole(f, pos, n, block); err != nil {
				return err
			}
		}
		pos += n
		if limit >= 0 {
			limit -= n
			if int64(len(c.Data)) > n || (c.Data == nil && c.Hole > n) {
				return errStreamFull
			}
		}
	}
}

// skipHole makes n bytes at pos read as zeros without writing them: punched out of a
// file's existing data, appended as a hole after its end. A block device gets zeros.
func skipHole(f *os.File, pos, n int64, block bool) error {
	if block {
		if err := zeroFill(f, pos, n); err != nil {
			return sysErr(err, "Unable to write %s", f.Name())
		}
		_, err := f.Seek(pos+n, io.SeekStart)
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return sysErr(err, "unable to seek in %s", f.Name())
	}
	if pos < st.Size() {
		punch := min(n, st.Size()-pos)
		if err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, pos, punch); err != nil {
			if err := zeroFill(f, pos, punch); err != nil {
				return sysErr(err, "Unable to write %s", f.Name())
			}
		}
	}
	if pos+n > st.Size() {
		if err := f.Truncate(pos + n); err != nil {
			return sysErr(err, "unable to truncate %s", f.Name())
		}
	}
	if _, err := f.Seek(pos+n, io.SeekStart); err != nil {
		return sysErr(err, "unable to seek in %s", f.Name())
	}
	return nil
}

// StorageVolDownload streams the volume's file to the client from offset on, at most
// length bytes (0: to the end): the file's own bytes, a qcow2 image as it is on disk.
// With the sparse flag holes travel as holes.
func (d *Driver) StorageVolDownload(ctx context.Context, a libvirt.StorageVolDownloadArgs) (struct{}, error) {
	if err := remote.CheckFlags(uint32(a.Flags), uint32(libvirt.StorageVolDownloadSparseStream), remote.StorageVolDownload); err != nil {
		return struct{}{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, v, err := d.vol(a.Vol)
	if err == nil && v.building {
		err = errBuilding(v.def.Name)
	}
	if err != nil {
		return struct{}{}, err
	}
	f, err := openStreamFile(v.def.Target.Path, os.O_RDONLY, a.Offset)
	if err != nil {
		return struct{}{}, err
	}
	s, err := rpc.OpenStream(ctx)
	if err != nil {
		f.Close()
		return struct{}{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromStorage, "%v", err)
	}
	v.inUse++
	p.asyncJobs++
	sparse := a.Flags&libvirt.StorageVolDownloadSparseStream != 0
	go func() {
		err := send(s, f, int64(a.Offset), int64(a.Length), sparse)
		f.Close() // all is read: the volume is free again
		d.mu.Lock()
		v.inUse--
		p.asyncJobs--
		d.mu.Unlock()
		if err != nil {
			s.Abort(err)
		}
	}()
	return struct{}{}, nil
}

// send streams f from pos, at most length bytes (0: all), then the end of data.
func send(s *rpc.DataStream, f *os.File, pos, length int64, sparse bool) error {
	st, err := f.Stat()
	if err != nil {
		return sysErr(err, "Unable to access stream for '%s'", f.Name())
	}
	block := st.Mode()&os.ModeDevice != 0
	var total, dataLeft int64
	for length == 0 || total < length {
		if sparse && dataLeft == 0 {
			inData, section, err := dataAt(f, pos, block)
			if err != nil {
				return err
			}
			if length != 0 {
				section = min(section, length-total)
			}
			if !inData {
				if section == 0 {
					break // at the end of the file
				}
				if err := s.WriteHole(section); err != nil {
					return nil // the client is gone
				}
				pos += section
				total += section
				continue
			}
			dataLeft = section
		}
		want := int64(streamChunk)
		if length != 0 {
			want = min(want, length-total)
		}
		if sparse {
			want = min(want, dataLeft)
		}
		n, err := s.SendFrom(f, pos, int(want))
		pos += int64(n)
		total += int64(n)
		dataLeft = max(0, dataLeft-int64(n))
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrClosedPipe) {
			return nil // the client is gone
		}
		if err != nil {
			return sysErr(err, "Unable to read %s", f.Name())
		}
	}
	s.CloseWrite()
	return nil
}

// dataAt tells whether pos is in data or in a hole, and how long that section is
// (virFileInData); a block device is all data.
func dataAt(f *os.File, pos int64, block bool) (bool, int64, error) {
	if block {
		return true, 1 << 20, nil
	}
	fd := int(f.Fd())
	data, err := unix.Seek(fd, pos, unix.SEEK_DATA)
	if errors.Is(err, unix.ENXIO) { // a hole up to the end
		end, err := unix.Seek(fd, 0, io.SeekEnd)
		if err != nil {
			return false, 0, sysErr(err, "unable to seek in %s", f.Name())
		}
		return false, max(0, end-pos), nil
	}
	if err != nil {
		return false, 0, sysErr(err, "unable to seek in %s", f.Name())
	}
	if data > pos {
		return false, data - pos, nil
	}
	hole, err := unix.Seek(fd, pos, unix.SEEK_HOLE)
	if err != nil {
		return false, 0, sysErr(err, "unable to seek in %s", f.Name())
	}
	return true, hole - pos, nil
}

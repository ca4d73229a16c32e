package qmp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// SendFile runs getfd: QEMU keeps f under name, for a later command to use (a tap's
// descriptor for netdev_add, a file's for migrate). The descriptor travels with the
// command as SCM_RIGHTS ancillary data, as libvirt passes it.
func (m *Monitor) SendFile(ctx context.Context, name string, f *os.File) error {
	id := "vu-" + strconv.FormatUint(m.nextID.Add(1), 10)
	cmd, err := json.Marshal(map[string]any{"execute": "getfd", "arguments": map[string]string{"fdname": name}, "id": id})
	if err != nil {
		return err
	}
	cmd = append(cmd, '\n')
	ch := make(chan reply, 1)
	m.mu.Lock()
	if m.closed || m.conn == nil {
		m.mu.Unlock()
		return ErrClosed
	}
	uc, ok := m.conn.(*net.UnixConn)
	if !ok {
		m.mu.Unlock()
		return errors.New("the monitor is not a unix socket: it cannot carry descriptors")
	}
	m.pending[id] = ch
	m.mu.Unlock()

	m.wmu.Lock()
	dl, _ := ctx.Deadline()
	uc.SetWriteDeadline(dl)
	_, _, err = uc.WriteMsgUnix(cmd, syscall.UnixRights(int(f.Fd())), nil)
	m.wmu.Unlock()
	if err != nil {
		err = fmt.Errorf("send getfd: %w", err)
		m.shutdown(err)
		return err
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return fmt.Errorf("getfd: %w", r.err)
		}
		return nil
	case <-ctx.Done():
		m.forget(id)
		return fmt.Errorf("QEMU did not answer getfd: %w", ctx.Err())
	}
}

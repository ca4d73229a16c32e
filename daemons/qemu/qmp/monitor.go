package qmp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goqmp "github.com/digitalocean/go-qemu/qmp"
)

// DefaultTimeout bounds a command run without a deadline of its own (Run, Connect).
const DefaultTimeout = 30 * time.Second

// maxLine bounds one message from QEMU. The largest real reply, query-qmp-schema, is a
// few hundred KiB; the bound only keeps a broken peer from exhausting memory.
const maxLine = 64 << 20

// readBuffer is the size of the monitor reader's buffer (see ConnectContext).
const readBuffer = 2 << 10

// ErrClosed reports a command on a monitor whose connection is gone.
var ErrClosed = errors.New("QEMU monitor connection is closed")

// Error is an error reply from QEMU: {"error": {"class": ..., "desc": ...}}, with the
// command it answered when Execute ran it (libvirt names the command in its message).
type Error struct {
	Class   string `json:"class"`
	Desc    string `json:"desc"`
	Command string `json:"-"`
}

func (e *Error) Error() string { return e.Desc }

// Monitor is one QMP connection to a QEMU process, by the path of its monitor socket.
type Monitor struct {
	path    string
	nextID  atomic.Uint64
	version goqmp.Version

	wmu  sync.Mutex // one command written at a time
	conn net.Conn

	mu      sync.Mutex
	pending map[string]chan reply
	subs    map[*subscriber]struct{}
	closed  bool
	done    chan struct{} // closed when the connection ends
	err     error         // why it ended
}

var _ goqmp.Monitor = (*Monitor)(nil)

type reply struct {
	line []byte
	err  error
}

// message is any line QEMU sends: a greeting, a reply or an event.
type message struct {
	QMP *struct {
		Version goqmp.Version `json:"version"`
	} `json:"QMP"`
	ID     json.RawMessage `json:"id"`
	Return json.RawMessage `json:"return"`
	Error  *Error          `json:"error"`
	Event  string          `json:"event"`
}

// New returns a monitor for the socket at path; Connect opens it. Events may be
// subscribed to before Connect, so that nothing QEMU says after the handshake is missed.
func New(path string) *Monitor {
	return &Monitor{
		path:    path,
		pending: map[string]chan reply{},
		subs:    map[*subscriber]struct{}{},
		done:    make(chan struct{}),
	}
}

// Connect opens the monitor within DefaultTimeout; see ConnectContext.
func (m *Monitor) Connect() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return m.ConnectContext(ctx)
}

// ConnectContext dials the socket, reads QEMU's greeting and negotiates capabilities
// (qmp_capabilities), after which commands may run. Events QEMU sends during the
// handshake are kept, not mistaken for the reply.
func (m *Monitor) ConnectContext(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", m.path)
	if err != nil {
		return fmt.Errorf("connect to monitor %s: %w", m.path, err)
	}
	// A guest's reader lives as long as its monitor and holds its buffer all along:
	// a small one, as nearly every message (events, replies) fits; readLine joins the
	// few that do not.
	br := bufio.NewReaderSize(conn, readBuffer)
	greeting := make(chan error, 1)
	go func() {
		line, err := readLine(br)
		if err == nil {
			var msg message
			if err = json.Unmarshal(line, &msg); err == nil && msg.QMP == nil {
				err = fmt.Errorf("unexpected greeting %.200q", line)
			} else if err == nil {
				m.version = msg.QMP.Version
			}
		}
		greeting <- err
	}()
	select {
	case err = <-greeting:
	case <-ctx.Done():
		conn.Close()
		<-greeting
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("monitor %s greeting: %w", m.path, err)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		conn.Close()
		return ErrClosed
	}
	m.conn = conn
	m.mu.Unlock()
	go m.read(br)
	if _, err := m.RunContext(ctx, []byte(`{"execute":"qmp_capabilities"}`)); err != nil {
		m.Disconnect()
		return fmt.Errorf("monitor %s: qmp_capabilities: %w", m.path, err)
	}
	return nil
}

// Version is the QEMU version from the greeting.
func (m *Monitor) Version() goqmp.Version { return m.version }

// Done is closed when the connection has ended, by Disconnect or because QEMU went away.
func (m *Monitor) Done() <-chan struct{} { return m.done }

// Err says why the connection ended; nil while it is up or after Disconnect.
func (m *Monitor) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Disconnect closes the connection. Waiting commands fail with ErrClosed and event
// streams close. QEMU keeps running and accepts a new connection later.
func (m *Monitor) Disconnect() error {
	m.shutdown(nil)
	return nil
}

// shutdown ends the monitor once, recording why.
func (m *Monitor) shutdown(cause error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.err = cause
	conn := m.conn
	pending := m.pending
	m.pending = nil
	subs := m.subs
	m.subs = nil
	m.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	for _, ch := range pending {
		ch <- reply{err: ErrClosed}
	}
	for s := range subs {
		s.end()
	}
	close(m.done)
}

// read is the reader loop: replies to their commands by id, events to subscribers.
func (m *Monitor) read(br *bufio.Reader) {
	for {
		line, err := readLine(br)
		if err != nil {
			m.shutdown(fmt.Errorf("monitor %s: %w", m.path, err))
			return
		}
		var msg message
		if err := json.Unmarshal(line, &msg); err != nil {
			continue // not JSON: nothing can be waiting for it
		}
		if msg.Event != "" {
			var ev goqmp.Event
			if json.Unmarshal(line, &ev) == nil {
				m.publish(ev)
			}
			continue
		}
		id, err := strconv.Unquote(string(msg.ID))
		if err != nil {
			continue // a reply without our id: QEMU could not parse a command
		}
		m.mu.Lock()
		ch := m.pending[id]
		delete(m.pending, id)
		m.mu.Unlock()
		if ch == nil {
			continue // its command timed out and stopped waiting
		}
		r := reply{line: line}
		if msg.Error != nil {
			r.err = msg.Error
		}
		ch <- r
	}
}

// readLine reads one newline-terminated message of any size up to maxLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		line = append(line, frag...)
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if len(line) > maxLine {
			return nil, fmt.Errorf("message longer than %d bytes", maxLine)
		}
	}
}

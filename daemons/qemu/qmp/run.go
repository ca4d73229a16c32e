package qmp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Run sends a command, given as QMP JSON ({"execute": ..., "arguments": ...}), and
// returns QEMU's whole reply line, waiting at most DefaultTimeout. An error reply is
// returned as *Error. This is go-qemu's qmp.Monitor.Run.
func (m *Monitor) Run(command []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return m.RunContext(ctx, command)
}

// RunContext is Run bounded by ctx. The command gets an id of its own so its reply is
// found whatever else QEMU sends in between.
func (m *Monitor) RunContext(ctx context.Context, command []byte) ([]byte, error) {
	var cmd map[string]json.RawMessage
	if err := json.Unmarshal(command, &cmd); err != nil {
		return nil, fmt.Errorf("invalid QMP command: %w", err)
	}
	if _, ok := cmd["execute"]; !ok {
		return nil, fmt.Errorf("invalid QMP command: no \"execute\"")
	}
	id := "vu-" + strconv.FormatUint(m.nextID.Add(1), 10)
	cmd["id"] = json.RawMessage(strconv.Quote(id))
	out, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	out = append(out, '\n')

	ch := make(chan reply, 1)
	m.mu.Lock()
	if m.closed || m.conn == nil {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	m.pending[id] = ch
	conn := m.conn
	m.mu.Unlock()

	m.wmu.Lock()
	dl, _ := ctx.Deadline() // zero: no deadline
	conn.SetWriteDeadline(dl)
	_, err = conn.Write(out)
	m.wmu.Unlock()
	if err != nil {
		// A command cut off half-way leaves the stream unusable.
		err = fmt.Errorf("send %s: %w", cmd["execute"], err)
		m.shutdown(err)
		return nil, err
	}
	select {
	case r := <-ch:
		return r.line, r.err
	case <-ctx.Done():
		m.forget(id)
		return nil, fmt.Errorf("QEMU did not answer %s: %w", cmd["execute"], ctx.Err())
	}
}

func (m *Monitor) forget(id string) {
	m.mu.Lock()
	if m.pending != nil {
		delete(m.pending, id)
	}
	m.mu.Unlock()
}

// Execute runs command name with args (nil for none) and decodes the "return" member
// of the reply into ret (nil to ignore it).
func (m *Monitor) Execute(ctx context.Context, name string, args, ret any) error {
	cmd, err := json.Marshal(struct {
		Execute string `json:"execute"`
		Args    any    `json:"arguments,omitempty"`
	}{name, args})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	line, err := m.RunContext(ctx, cmd)
	if err != nil {
		var qe *Error
		if errors.As(err, &qe) {
			qe.Command = name
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if ret == nil {
		return nil
	}
	var r struct {
		Return json.RawMessage `json:"return"`
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := json.Unmarshal(r.Return, ret); err != nil {
		return fmt.Errorf("%s: decode reply: %w", name, err)
	}
	return nil
}

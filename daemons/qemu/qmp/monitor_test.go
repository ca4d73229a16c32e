package qmp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeQEMU is a scripted QMP peer for the edge cases a real QEMU will not produce on
// demand: replies out of order, huge replies, silence, events between greeting and
// reply. serve gets each command and writes whatever lines it likes; returning false
// hangs up, as a QEMU that exits.
func fakeQEMU(t *testing.T, serve func(w *bufio.Writer, cmd map[string]any) bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "monitor.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		w := bufio.NewWriter(conn)
		fmt.Fprintln(w, `{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}`)
		w.Flush()
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			var cmd map[string]any
			if err := json.Unmarshal(sc.Bytes(), &cmd); err != nil {
				return
			}
			if cmd["execute"] == "qmp_capabilities" {
				// An event before the reply must not be taken for it.
				fmt.Fprintln(w, `{"event": "RTC_CHANGE", "data": {"offset": 0}, "timestamp": {"seconds": 1, "microseconds": 2}}`)
				fmt.Fprintf(w, `{"return": {}, "id": %q}`+"\n", cmd["id"])
			} else if !serve(w, cmd) {
				w.Flush()
				return
			}
			w.Flush()
		}
	}()
	return path
}

func connect(t *testing.T, path string) *Monitor {
	t.Helper()
	m := New(path)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := m.ConnectContext(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Disconnect() })
	return m
}

func TestHugeReply(t *testing.T) {
	big := strings.Repeat("x", 1<<20) // go-qemu's monitor dies on anything over 64 KiB
	path := fakeQEMU(t, func(w *bufio.Writer, cmd map[string]any) bool {
		fmt.Fprintf(w, `{"return": {"s": %q}, "id": %q}`+"\n", big, cmd["id"])
		return true
	})
	m := connect(t, path)
	if v := m.Version().String(); v != "7.2.22" {
		t.Errorf("version %q", v)
	}
	for i := 0; i < 2; i++ {
		var r struct{ S string }
		if err := m.Execute(t.Context(), "query-qmp-schema", nil, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.S) != len(big) {
			t.Fatalf("reply of %d bytes, want %d", len(r.S), len(big))
		}
	}
}

func TestRepliesMatchedByID(t *testing.T) {
	// The peer holds the first command's reply until the second arrives, then answers
	// both in reverse order: each caller must still get its own answer.
	held := make(chan map[string]any, 1)
	path := fakeQEMU(t, func(w *bufio.Writer, cmd map[string]any) bool {
		select {
		case first := <-held:
			fmt.Fprintf(w, `{"return": %q, "id": %q}`+"\n", cmd["execute"], cmd["id"])
			fmt.Fprintf(w, `{"return": %q, "id": %q}`+"\n", first["execute"], first["id"])
		default:
			held <- cmd
		}
		return true
	})
	m := connect(t, path)
	type res struct {
		name, got string
		err       error
	}
	out := make(chan res, 2)
	for _, name := range []string{"query-status", "query-name"} {
		go func() {
			var got string
			err := m.Execute(t.Context(), name, nil, &got)
			out <- res{name, got, err}
		}()
		time.Sleep(10 * time.Millisecond) // let the first command reach the peer first
	}
	for range 2 {
		r := <-out
		if r.err != nil || r.got != r.name {
			t.Errorf("%s got %q, %v", r.name, r.got, r.err)
		}
	}
}

func TestErrorReply(t *testing.T) {
	path := fakeQEMU(t, func(w *bufio.Writer, cmd map[string]any) bool {
		fmt.Fprintf(w, `{"error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}, "id": %q}`+"\n", cmd["id"])
		return true
	})
	m := connect(t, path)
	err := m.Execute(t.Context(), "nope", nil, nil)
	var qe *Error
	if !errors.As(err, &qe) || qe.Class != "CommandNotFound" {
		t.Fatalf("err = %v, want a CommandNotFound *Error", err)
	}
}

func TestTimeoutThenNextCommandWorks(t *testing.T) {
	path := fakeQEMU(t, func(w *bufio.Writer, cmd map[string]any) bool {
		if cmd["execute"] != "stuck" { // stuck is never answered
			fmt.Fprintf(w, `{"return": {}, "id": %q}`+"\n", cmd["id"])
		}
		return true
	})
	m := connect(t, path)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := m.Execute(ctx, "stuck", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stuck command: %v, want a deadline error", err)
	}
	if err := m.Execute(t.Context(), "query-status", nil, nil); err != nil {
		t.Fatalf("command after a timeout: %v", err)
	}
}

func TestEventsAndClose(t *testing.T) {
	path := fakeQEMU(t, func(w *bufio.Writer, cmd map[string]any) bool {
		// Like QEMU on "cont": the event comes before the reply.
		fmt.Fprintln(w, `{"event": "RESUME", "timestamp": {"seconds": 3, "microseconds": 4}}`)
		fmt.Fprintf(w, `{"return": {}, "id": %q}`+"\n", cmd["id"])
		fmt.Fprintln(w, `{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}, "timestamp": {"seconds": 5, "microseconds": 6}}`)
		return false
	})
	m := New(path)
	evs, err := m.Events(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ConnectContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	pending := make(chan error, 1)
	go func() { pending <- m.Execute(t.Context(), "cont", nil, nil) }()
	var got []string
	for ev := range evs {
		got = append(got, ev.Event)
		if ev.Event == "SHUTDOWN" && ev.Data["reason"] != "guest-shutdown" {
			t.Errorf("SHUTDOWN data %v", ev.Data)
		}
	}
	if strings.Join(got, " ") != "RTC_CHANGE RESUME SHUTDOWN" {
		t.Errorf("events %v", got)
	}
	if err := <-pending; err != nil {
		t.Errorf("cont: %v", err)
	}
	<-m.Done()
	if m.Err() == nil {
		t.Error("no error after QEMU hung up")
	}
	if err := m.Execute(t.Context(), "query-status", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("command after close: %v", err)
	}
}

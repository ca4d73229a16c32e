package qemu

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The QEMU guest agent (qemu-ga), reached over the guest's org.qemu.guest_agent.0
// virtio channel: a unix socket QEMU listens on. As libvirt's qemu_agent.c, every
// command is preceded by guest-sync-delimited, so that the answer to an earlier,
// abandoned command is never taken for this one's; the agent answers the sync after
// a 0xFF byte.

// agentChannel is the name of the guest agent's channel.
const agentChannel = "org.qemu.guest_agent.0"

// agentTimeout is libvirt's default wait for the agent (VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_DEFAULT).
const agentTimeout = 5 * time.Second

// agentSocket is the path of the agent channel's socket, or "" when the guest has none.
func agentSocket(def *libvirtxml.Domain) string {
	for _, ch := range def.Devices.Channels {
		if ch.Target != nil && ch.Target.VirtIO != nil && ch.Target.VirtIO.Name == agentChannel &&
			ch.Source != nil && ch.Source.UNIX != nil {
			return ch.Source.UNIX.Path
		}
	}
	return ""
}

func errAgentNotConfigured() error {
	return virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromQEMU, "QEMU guest agent is not configured")
}

func errAgentUnresponsive(why string) error {
	return virerror.New(libvirt.ErrAgentUnresponsive, virerror.FromQEMU, "Guest agent is not responding: %s", why)
}

// agentError is an error the agent answered with, as libvirt reports it.
type agentError struct {
	Class string `json:"class"`
	Desc  string `json:"desc"`
}

// agentCommand runs one agent command of a running guest and returns the "return"
// member of the answer. The guest's agent lock keeps commands from interleaving.
func (d *Driver) agentCommand(ctx context.Context, v guestView, cmd []byte, timeout time.Duration) (json.RawMessage, error) {
	path := agentSocket(v.def)
	if path == "" {
		return nil, errAgentNotConfigured()
	}
	r := v.run
	r.agent.Lock()
	defer r.agent.Unlock()
	if timeout <= 0 {
		timeout = agentTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, errAgentUnresponsive("QEMU guest agent is not connected")
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	go func() {
		<-ctx.Done()
		conn.SetDeadline(time.Now())
	}()
	br := bufio.NewReader(conn)
	var idb [4]byte
	rand.Read(idb[:])
	id := binary.BigEndian.Uint32(idb[:]) >> 1
	sync := fmt.Sprintf(`{"execute":"guest-sync-delimited","arguments":{"id":%d}}`+"\n", id)
	// A 0xFF first makes the agent drop any half-read command of an earlier client.
	if _, err := conn.Write(append([]byte{0xff}, sync...)); err != nil {
		return nil, errAgentUnresponsive("Guest agent not available for now")
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			return nil, errAgentUnresponsive("Guest agent not available for now")
		}
		if b != 0xff {
			continue
		}
		line, err := br.ReadBytes('\n')
		if err != nil {
			return nil, errAgentUnresponsive("Guest agent not available for now")
		}
		var sr struct {
			Return uint64 `json:"return"`
		}
		if json.Unmarshal(bytes.TrimSpace(line), &sr) == nil && sr.Return == uint64(id) {
			break
		}
	}
	if _, err := conn.Write(append(bytes.TrimSpace(cmd), '\n')); err != nil {
		return nil, errAgentUnresponsive("Guest agent not available for now")
	}
	if isGuestShutdown(cmd) {
		// guest-shutdown answers nothing when it succeeds: the guest goes down.
		return json.RawMessage("{}"), nil
	}
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, errAgentUnresponsive("Guest agent not available for now")
			}
			return nil, virerror.New(libvirt.ErrAgentUnresponsive, virerror.FromQEMU, "Guest agent disappeared while executing command")
		}
		line = bytes.TrimSpace(bytes.TrimLeft(line, "\xff"))
		if len(line) == 0 {
			continue
		}
		var reply struct {
			Return json.RawMessage `json:"return"`
			Error  *agentError     `json:"error"`
		}
		if err := json.Unmarshal(line, &reply); err != nil {
			return nil, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "cannot parse json %s: %v", line, err)
		}
		if reply.Error != nil {
			return nil, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "unable to execute QEMU agent command '%s': %s", commandName(cmd), reply.Error.Desc)
		}
		if reply.Return == nil {
			continue // an event or something unasked for
		}
		return reply.Return, nil
	}
}

func commandName(cmd []byte) string {
	var c struct {
		Execute string `json:"execute"`
	}
	json.Unmarshal(cmd, &c)
	return c.Execute
}

func isGuestShutdown(cmd []byte) bool { return commandName(cmd) == "guest-shutdown" }

// agentRun runs a command by name with arguments and decodes its answer into out.
func (d *Driver) agentRun(ctx context.Context, v guestView, name string, args, out any) error {
	cmd, err := json.Marshal(struct {
		Execute string `json:"execute"`
		Args    any    `json:"arguments,omitempty"`
	}{name, args})
	if err != nil {
		return err
	}
	ret, err := d.agentCommand(ctx, v, cmd, 0)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(ret, out); err != nil {
		return virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "malformed reply to %s: %v", name, err)
	}
	return nil
}

// guestVCPUCount is vcpucount --guest: the vCPUs the guest has online, or all it knows.
func (d *Driver) guestVCPUCount(ctx context.Context, dom *domain, maximum bool) (libvirt.DomainGetVcpusFlagsRet, error) {
	v := dom.view()
	if !v.active() {
		return libvirt.DomainGetVcpusFlagsRet{}, errNotRunning()
	}
	var cpus []struct {
		Online bool `json:"online"`
	}
	if err := d.agentRun(ctx, v, "guest-get-vcpus", nil, &cpus); err != nil {
		return libvirt.DomainGetVcpusFlagsRet{}, err
	}
	n := 0
	for _, c := range cpus {
		if c.Online || maximum {
			n++
		}
	}
	return libvirt.DomainGetVcpusFlagsRet{Num: int32(n)}, nil
}

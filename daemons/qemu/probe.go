package qemu

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// probeEmulator starts the binary once with QMP on its standard input and output
// (no guest: machine "none", TCG) and asks what libvirt asks for the answers the
// driver gives (capabilities, domain capabilities, what a definition may use).
func probeEmulator(ctx context.Context, path string) (*emulator, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Cannot check QEMU binary %s: %v", path, virerror.Strerror(err))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	failed := func(err error) error {
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "Failed to probe capabilities for %s: %v", path, err)
	}
	cmds := []string{"query-version", "query-machines", "query-cpu-definitions", "qom-list-types", "query-commands"}
	var in bytes.Buffer
	in.WriteString(`{"execute":"qmp_capabilities","id":"caps"}` + "\n")
	for _, c := range cmds {
		args := ""
		if c == "qom-list-types" {
			args = `,"arguments":{"abstract":false}`
		}
		fmt.Fprintf(&in, `{"execute":%q,"id":%q%s}`+"\n", c, c, args)
	}
	in.WriteString(`{"execute":"quit","id":"quit"}` + "\n")
	cmd := exec.CommandContext(ctx, path, "-S", "-no-user-config", "-nodefaults", "-display", "none",
		"-machine", "none", "-accel", "tcg", "-qmp", "stdio")
	cmd.Stdin = &in
	cmd.Env = []string{"LC_ALL=C", "PATH=" + guestPath()}
	// QEMU's answers go to a memory file, not a pipe: when a pipe is full QEMU
	// keeps the rest of an answer to write later, and "quit" ends it first, so a
	// busy machine lost the long answer to qom-list-types.
	fd, err := unix.MemfdCreate("qemu-probe", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, failed(fmt.Errorf("memfd_create: %w", err))
	}
	outFile := os.NewFile(uintptr(fd), "qemu-probe")
	defer outFile.Close()
	cmd.Stdout = outFile
	if err := cmd.Run(); err != nil {
		return nil, failed(err)
	}
	out, err := io.ReadAll(io.NewSectionReader(outFile, 0, 1<<30))
	if err != nil {
		return nil, failed(err)
	}
	replies, err := qmpReplies(out)
	if err != nil {
		return nil, failed(err)
	}
	for _, c := range cmds {
		if _, ok := replies[c]; !ok {
			return nil, failed(fmt.Errorf("no answer to %s", c))
		}
	}
	return parseProbe(path, replies)
}

// qmpReplies collects the return value of each command by its id.
func qmpReplies(out []byte) (map[string]json.RawMessage, error) {
	replies := map[string]json.RawMessage{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var msg struct {
			ID     string          `json:"id"`
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Desc string `json:"desc"`
			} `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &msg) != nil || msg.ID == "" {
			continue // the greeting, events
		}
		if msg.Error != nil {
			return nil, fmt.Errorf("%s: %s", msg.ID, msg.Error.Desc)
		}
		replies[msg.ID] = msg.Return
	}
	return replies, sc.Err()
}

// cpuModelsUnknown are models QEMU 7.2 defines that libvirt 9.0's CPU map does not
// have, so its domain capabilities never list them.
var cpuModelsUnknown = map[string]bool{"max": true, "host": true, "base": true, "Denverton": true, "KnightsMill": true}

func parseProbe(path string, r map[string]json.RawMessage) (*emulator, error) {
	var ver struct {
		QEMU struct{ Major, Minor, Micro uint64 } `json:"qemu"`
	}
	var machines []struct {
		Name       string `json:"name"`
		Alias      string `json:"alias"`
		IsDefault  bool   `json:"is-default"`
		Deprecated bool   `json:"deprecated"`
		CPUMax     int    `json:"cpu-max"`
	}
	var cpus []struct {
		Name        string   `json:"name"`
		Unavailable []string `json:"unavailable-features"`
	}
	var types []struct {
		Name string `json:"name"`
	}
	var commands []struct {
		Name string `json:"name"`
	}
	for key, v := range map[string]any{"query-version": &ver, "query-machines": &machines,
		"query-cpu-definitions": &cpus, "qom-list-types": &types, "query-commands": &commands} {
		if err := json.Unmarshal(r[key], v); err != nil {
			return nil, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "Failed to probe capabilities for %s: %s: %v", path, key, err)
		}
	}
	em := &emulator{path: path, version: ver.QEMU.Major*1000000 + ver.QEMU.Minor*1000 + ver.QEMU.Micro, devices: map[string]bool{}}
	for _, m := range machines {
		if m.Name == "none" {
			continue
		}
		mc := machine{name: m.Name, alias: m.Alias, isDefault: m.IsDefault, deprecated: m.Deprecated, maxCPUs: m.CPUMax}
		if mc.isDefault {
			// libvirt lists the default machine first, so clients that take the
			// first one (virt-install) choose what QEMU would.
			em.machines = append([]machine{mc}, em.machines...)
		} else {
			em.machines = append(em.machines, mc)
		}
	}
	for _, c := range cpus {
		if cpuModelsUnknown[c.Name] || versionedModel(c.Name) {
			continue
		}
		em.cpus = append(em.cpus, cpuDef{name: c.Name, usable: len(c.Unavailable) == 0})
	}
	for _, t := range types {
		em.devices[t.Name] = true
	}
	for _, c := range commands {
		em.spice = em.spice || c.Name == "query-spice"
	}
	return em, nil
}

// versionedModel tells QEMU's versioned CPU model names ("EPYC-v2") from the names
// libvirt shows (their aliases, "EPYC-IBPB").
func versionedModel(name string) bool {
	i := strings.LastIndex(name, "-v")
	if i < 0 || i+2 == len(name) {
		return false
	}
	for _, c := range name[i+2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

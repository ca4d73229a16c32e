package qemu

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unsafe"

	libvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/sys/unix"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// storedDef is a persistent definition file read at start-up and not decoded yet.
// Decoding every definition into libvirtxml's structures is most of a start with many
// domains, and most of them are only ever listed; the text is decoded the first time
// a call needs the definition.
type storedDef struct {
	path string
	text string
}

// decode is the definition the file holds, checked as a file read back at start-up
// is (completeStored), and naming the domain it was registered as.
func (s *storedDef) decode(name string, uuid libvirt.UUID) (*libvirtxml.Domain, error) {
	def, err := decodeDomain(s.text)
	if err != nil {
		return nil, err
	}
	if def.Name != name {
		return nil, fmt.Errorf("domain name '%s' does not match file name '%s'", def.Name, name)
	}
	u, err := completeStored(def)
	if err != nil {
		return nil, err
	}
	if u != uuid {
		return nil, fmt.Errorf("domain '%s': uuid %s is not the %s read at start", name, formatUUID(u), formatUUID(uuid))
	}
	return def, nil
}

// loaded makes sure dom's persistent definition is decoded, for the calls that read
// dom.def. A file that turns out not to decode is what start-up would have skipped
// had it decoded every file: it is logged and left on disk, and the domain goes (or,
// while it runs, stays as a transient guest); the call then finds no such domain.
func (d *Driver) loaded(dom *domain) error { return d.decodeStored(dom, true) }

// decodeStored decodes dom's stored definition, if it still has one. keep publishes
// what decodes as dom.def; without it only a file that does not decode has an effect
// (checkStored). The error is loaded's.
func (d *Driver) decodeStored(dom *domain, keep bool) error {
	dom.mu.Lock()
	s := dom.stored
	dom.mu.Unlock()
	if s == nil {
		return nil
	}
	def, err := s.decode(dom.name, dom.uuid)
	if err == nil && !keep {
		return nil
	}
	dom.mu.Lock()
	if dom.stored != s { // decoded, replaced or undefined meanwhile
		dom.mu.Unlock()
		return nil
	}
	dom.stored = nil
	if err == nil {
		dom.def = def
		dom.mu.Unlock()
		return nil
	}
	// A running guest stays, transient, as if its status file alone had been read;
	// that file is not rewritten here (that takes the job), and a next start-up
	// comes to the same end by decoding the file again.
	active := dom.activeLocked()
	if active {
		dom.persistent, dom.autostart = false, false
	}
	dom.mu.Unlock()
	d.log.Error("skipping domain config that cannot be loaded", "file", s.path, "err", err)
	if active {
		return nil
	}
	d.doms.remove(dom)
	return virerror.New(libvirt.ErrNoDomain, virerror.FromQEMU,
		"no domain with matching uuid '%s' (%s)", formatUUID(dom.uuid), dom.name)
}

// checkStoredDelay is how long after start-up checkStored begins: past the first
// calls, which a start with many domains answers before decoding any of them.
const checkStoredDelay = 3 * time.Second

// checkStored decodes, soon after start-up, every definition still undecoded, so that
// a file that does not decode goes (logged) within seconds, as when start-up decoded
// every file, rather than whenever a call first needs it; until then it is listed.
// What decodes is not kept: most domains are only ever listed, and their text is what
// memory holds of them.
func (d *Driver) checkStored(delay time.Duration) {
	defer d.wg.Done()
	select {
	case <-time.After(delay):
	case <-d.ctx.Done():
		return
	}
	for _, dom := range d.doms.all() {
		if d.ctx.Err() != nil {
			return
		}
		d.decodeStored(dom, false)
	}
}

// scanHead reads the name and UUID of a domain definition from the root element's
// children, where libvirt (and this driver) write them first, without decoding the
// rest. It fails for a document without a <domain> root, or one whose root has no
// name or no UUID child. Files as libvirt writes them take a plain byte scan
// (quickHead); anything else goes through the XML tokenizer.
func scanHead(text string) (name, uuid string, err error) {
	if name, uuid, ok := quickHead(text); ok {
		return name, uuid, nil
	}
	return tokenHead(text)
}

// quickHead finds <name> and <uuid> as the first children of <domain>, in either
// order, with text that needs no unescaping; ok is false for anything else.
func quickHead(text string) (name, uuid string, ok bool) {
	// The comment libvirt puts first, and an XML declaration.
	rest := strings.TrimLeft(text, " \t\r\n")
	for _, skip := range [][2]string{{"<?", "?>"}, {"<!--", "-->"}, {"<?", "?>"}} {
		if !strings.HasPrefix(rest, skip[0]) {
			continue
		}
		end := strings.Index(rest, skip[1])
		if end < 0 {
			return "", "", false
		}
		rest = strings.TrimLeft(rest[end+len(skip[1]):], " \t\r\n")
	}
	if !strings.HasPrefix(rest, "<domain") || len(rest) < 8 || !strings.ContainsRune(" \t\r\n>", rune(rest[7])) {
		return "", "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 || rest[end-1] == '/' {
		return "", "", false
	}
	rest = rest[end+1:]
	var haveName, haveUUID bool
	for !haveName || !haveUUID {
		rest = strings.TrimLeft(rest, " \t\r\n")
		var field *string
		var tag string
		switch {
		case strings.HasPrefix(rest, "<name>") && !haveName:
			field, tag, haveName = &name, "name", true
		case strings.HasPrefix(rest, "<uuid>") && !haveUUID:
			field, tag, haveUUID = &uuid, "uuid", true
		default:
			return "", "", false
		}
		rest = rest[len(tag)+2:]
		end := strings.IndexByte(rest, '<')
		if end < 0 || !strings.HasPrefix(rest[end:], "</"+tag+">") {
			return "", "", false
		}
		if strings.ContainsAny(rest[:end], "&\r>") {
			return "", "", false // entities, or line ends XML would normalise
		}
		*field = rest[:end]
		rest = rest[end+len(tag)+3:]
	}
	return name, uuid, true
}

// tokenHead is scanHead through encoding/xml's tokenizer, for any well-formed head.
func tokenHead(text string) (name, uuid string, err error) {
	dec := xml.NewDecoder(bytes.NewReader([]byte(text)))
	depth := 0
	var field *string
	var haveName, haveUUID bool
	for !haveName || !haveUUID {
		tok, err := dec.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local != "domain":
				return "", "", fmt.Errorf("unexpected root element <%s>, expecting <domain>", t.Name.Local)
			case depth == 2 && t.Name.Space == "" && t.Name.Local == "name" && !haveName:
				field, haveName = &name, true
			case depth == 2 && t.Name.Space == "" && t.Name.Local == "uuid" && !haveUUID:
				field, haveUUID = &uuid, true
			}
		case xml.EndElement:
			depth--
			field = nil
			if depth == 0 {
				return "", "", errors.New("domain definition without name or uuid")
			}
		case xml.CharData:
			if field != nil && depth == 2 {
				*field += string(t)
			}
		}
	}
	if !haveName || !haveUUID {
		return "", "", errors.New("domain definition without name or uuid")
	}
	// The UUID's text may still be coming: read on to its end tag.
	for field != nil {
		tok, err := dec.RawToken()
		if err != nil {
			return "", "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			*field += string(t)
		case xml.EndElement:
			field = nil
		case xml.StartElement:
			return "", "", fmt.Errorf("unexpected element <%s> in <name> or <uuid>", t.Name.Local)
		}
	}
	return name, uuid, nil
}

// readSmall reads a whole file with plain system calls: a definition file is read
// once, so the runtime poller's registration (and its failure for regular files) that
// os.ReadFile attempts is wasted work, a thousand times over at start-up.
func readSmall(path string) (string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "", &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Size > maxXML {
		return "", fmt.Errorf("%s: %d bytes is too large", path, st.Size)
	}
	// One byte more than the file holds: a read that does not fill the buffer has
	// reached the end, and no second read is needed to see it.
	buf := make([]byte, 0, st.Size+1)
	for {
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", &os.PathError{Op: "read", Path: path, Err: err}
		}
		buf = buf[:len(buf)+n]
		if n == 0 || len(buf) < cap(buf) && int64(len(buf)) == st.Size {
			// As strings.Builder does: buf is never written again, so the string
			// may share it instead of holding a copy.
			return unsafe.String(unsafe.SliceData(buf), len(buf)), nil
		}
		if len(buf) == cap(buf) {
			if len(buf) > maxXML {
				return "", fmt.Errorf("%s: too large", path)
			}
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

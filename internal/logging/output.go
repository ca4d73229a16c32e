package logging

import (
	"fmt"
	"log/syslog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

// record is one message on its way to the outputs.
type record struct {
	time   time.Time
	prio   Priority
	module string
	msg    string  // message with its attributes
	fields []field // the attributes, for outputs that keep them apart
}

// field is one attribute: its key (with its groups, dot-separated) and its value.
type field struct{ key, value string }

// sink is where an output writes.
type sink interface {
	emit(r record)
	close()
}

// output is one parsed log_outputs entry.
type output struct {
	prio Priority
	raw  string
	sink sink
}

// parseOutputs parses libvirt's log_outputs syntax ("LEVEL:stderr",
// "LEVEL:file:PATH", "LEVEL:journald", "LEVEL:syslog:IDENT", space separated) and
// opens each destination, so a bad path fails here and not on the first message.
func parseOutputs(s, ident string) ([]*output, error) {
	var outs []*output
	fail := func(tok string, err error) ([]*output, error) {
		for _, o := range outs {
			o.sink.close()
		}
		if err != nil {
			return nil, fmt.Errorf("Failed to parse and define log output %s: %v", tok, err)
		}
		return nil, fmt.Errorf("Failed to parse and define log output %s", tok)
	}
	for _, tok := range strings.Fields(s) {
		parts := strings.SplitN(tok, ":", 3)
		if len(parts) < 2 {
			return fail(tok, nil)
		}
		prio, err := parsePriority(parts[0])
		if err != nil {
			return fail(tok, nil)
		}
		var sk sink
		switch parts[1] {
		case "stderr":
			if len(parts) != 2 {
				return fail(tok, nil)
			}
			sk = &streamSink{f: os.Stderr}
		case "file":
			if len(parts) != 3 || !filepath.IsAbs(parts[2]) {
				return fail(tok, fmt.Errorf("a file output needs an absolute path"))
			}
			f, err := openLogFile(parts[2])
			if err != nil {
				return fail(tok, err)
			}
			sk = &streamSink{f: f, owned: true}
		case "journald":
			if len(parts) != 2 {
				return fail(tok, nil)
			}
			if !journal.Enabled() {
				return fail(tok, fmt.Errorf("the journal socket is not available"))
			}
			sk = journalSink{ident: ident}
		case "syslog":
			name := ident
			if len(parts) == 3 && parts[2] != "" {
				name = parts[2]
			}
			w, err := syslog.New(syslog.LOG_DAEMON, name)
			if err != nil {
				return fail(tok, err)
			}
			sk = &syslogSink{w: w}
		default:
			return fail(tok, nil)
		}
		outs = append(outs, &output{prio: prio, raw: tok, sink: sk})
	}
	return outs, nil
}

func openLogFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}

func formatOutputs(outs []*output) string {
	parts := make([]string, len(outs))
	for i, o := range outs {
		parts[i] = o.raw
	}
	return strings.Join(parts, " ")
}

// streamSink writes libvirt-style lines:
// "2024-05-01 10:00:00.123+0000: 1234: info : rpc.server : message key=value".
type streamSink struct {
	mu    sync.Mutex
	f     *os.File
	owned bool
}

func (s *streamSink) emit(r record) {
	line := fmt.Sprintf("%s: %d: %s : %s : %s\n", r.time.UTC().Format("2006-01-02 15:04:05.000-0700"),
		os.Getpid(), r.prio, r.module, r.msg)
	s.mu.Lock()
	s.f.WriteString(line)
	s.mu.Unlock()
}

func (s *streamSink) close() {
	if s.owned {
		s.f.Close()
	}
}

type journalSink struct{ ident string }

func (j journalSink) emit(r record) {
	p := journal.PriErr
	switch r.prio {
	case Debug:
		p = journal.PriDebug
	case Info:
		p = journal.PriInfo
	case Warning:
		p = journal.PriWarning
	}
	journal.Send(r.msg, p, j.vars(r))
}

// vars are a record's journal fields: libvirt's, and each attribute as a field of its
// own, so that "journalctl DOMAIN=vm1" selects the lines about one guest.
func (j journalSink) vars(r record) map[string]string {
	vars := map[string]string{
		"SYSLOG_IDENTIFIER": j.ident,
		"LIBVIRT_SOURCE":    "file",
		"CODE_FUNC":         r.module,
	}
	for _, f := range r.fields {
		name := journalFieldName(f.key)
		if _, taken := vars[name]; name != "" && !taken && !reservedJournalFields[name] {
			vars[name] = f.value
		}
	}
	return vars
}

// reservedJournalFields are the fields a record's attributes must not set: journald's
// own and those the sink sets.
var reservedJournalFields = map[string]bool{"MESSAGE": true, "MESSAGE_ID": true, "PRIORITY": true,
	"CODE_FILE": true, "CODE_LINE": true, "SYSLOG_FACILITY": true, "SYSLOG_PID": true}

// journalFieldName turns an attribute key into a journal field name: upper case, with
// every character other than a letter or digit as '_'. journald accepts no leading
// '_' or digit and at most 64 characters; a key that cannot be one yields "".
func journalFieldName(key string) string {
	if key == "" || len(key) > 64 || !(key[0] >= 'a' && key[0] <= 'z' || key[0] >= 'A' && key[0] <= 'Z') {
		return ""
	}
	b := []byte(key)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

func (journalSink) close() {}

type syslogSink struct{ w *syslog.Writer }

func (s *syslogSink) emit(r record) {
	msg := r.module + " : " + r.msg
	switch r.prio {
	case Debug:
		s.w.Debug(msg)
	case Info:
		s.w.Info(msg)
	case Warning:
		s.w.Warning(msg)
	default:
		s.w.Err(msg)
	}
}

func (s *syslogSink) close() { s.w.Close() }

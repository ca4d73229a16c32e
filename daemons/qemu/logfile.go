package qemu

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// writeLogHeader starts the guest's log as libvirt does: a line saying who starts it,
// then the environment and command line. It returns where this start's part of the log
// begins, for error messages.
func writeLogHeader(path string, id int, cmd *command) int64 {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0
	}
	defer f.Close()
	off, _ := f.Seek(0, 2)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: starting up virtunit, domain id=%d\n", time.Now().UTC().Format("2006-01-02 15:04:05.000-0700"), id)
	for _, e := range cmd.env {
		b.WriteString(e + " \\\n")
	}
	// One option per line with its value, as libvirt's logs show them.
	for i, a := range cmd.argv {
		b.WriteString(shellQuote(a))
		switch {
		case i == len(cmd.argv)-1:
			b.WriteString("\n")
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(cmd.argv[i+1], "-"):
			b.WriteString(" ")
		default:
			b.WriteString(" \\\n")
		}
	}
	f.WriteString(b.String())
	return off
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ',' || r == '=' || r == ':' || r == '+' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// tailBytes bounds what a failed start reads of its log.
const tailBytes = 64 << 10

// logTail is QEMU's own words about a failed start: the log after this start's header.
// Only the last tailBytes are read, however long the log has grown.
func logTail(path string, from int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() <= from {
		return ""
	}
	from = max(from, fi.Size()-tailBytes)
	data := make([]byte, fi.Size()-from)
	n, _ := f.ReadAt(data, from)
	lines := strings.Split(strings.TrimSpace(string(data[:n])), "\n")
	var out []string
	for _, l := range lines {
		if !strings.HasSuffix(l, "\\") && !strings.Contains(l, "starting up virtunit") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	if len(out) > 1 {
		out = out[1:] // the last line of the command line
	}
	if len(out) > 5 {
		out = out[len(out)-5:]
	}
	if len(out) == 0 {
		return ""
	}
	return ": " + strings.Join(out, "\n")
}

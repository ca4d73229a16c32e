package logging

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Settings are the logging keys of a daemon config.
type Settings struct {
	Level   Priority // 0 means DefaultPriority
	Filters string
	Outputs string // "" means the default output
}

// Logger holds the live logging configuration of a daemon; its Handler reads it on
// every record, so changes apply at once to every logger derived from it.
type Logger struct {
	ident         string
	defaultOutput func(Priority) string

	mu    sync.Mutex // serialises changes
	state atomic.Pointer[state]
}

type state struct {
	level   Priority
	filters []filter
	outputs []*output
	// explicit is false when outputs came from defaultOutput.
	explicit bool
}

// New returns a logger for the daemon named ident, logging warnings and errors to
// stderr until Apply is called. defaultOutput gives the output used when none is
// configured, for a default priority.
func New(ident string, defaultOutput func(Priority) string) *Logger {
	l := &Logger{ident: ident, defaultOutput: defaultOutput}
	l.state.Store(&state{level: DefaultPriority, outputs: []*output{{prio: DefaultPriority, raw: "3:stderr", sink: &streamSink{f: os.Stderr}}}})
	return l
}

// Apply installs new settings. On error nothing changes.
func (l *Logger) Apply(s Settings) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	lvl := s.Level
	if lvl == 0 {
		lvl = DefaultPriority
	}
	fs, err := parseFilters(s.Filters)
	if err != nil {
		return err
	}
	outStr, explicit := s.Outputs, strings.TrimSpace(s.Outputs) != ""
	if !explicit {
		outStr = l.defaultOutput(lvl)
	}
	outs, err := parseOutputs(outStr, l.ident)
	if err != nil {
		return err
	}
	l.swap(&state{level: lvl, filters: fs, outputs: outs, explicit: explicit})
	return nil
}

func (l *Logger) swap(st *state) {
	old := l.state.Swap(st)
	for _, o := range old.outputs {
		if !contains(st.outputs, o) {
			o.sink.close()
		}
	}
}

func contains(outs []*output, o *output) bool {
	for _, x := range outs {
		if x == o {
			return true
		}
	}
	return false
}

// SetOutputs replaces the outputs; "" restores the default output.
func (l *Logger) SetOutputs(s string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.state.Load()
	outStr, explicit := s, strings.TrimSpace(s) != ""
	if !explicit {
		outStr = l.defaultOutput(cur.level)
	}
	outs, err := parseOutputs(outStr, l.ident)
	if err != nil {
		return err
	}
	l.swap(&state{level: cur.level, filters: cur.filters, outputs: outs, explicit: explicit})
	return nil
}

// SetFilters replaces the filters; "" removes them.
func (l *Logger) SetFilters(s string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs, err := parseFilters(s)
	if err != nil {
		return err
	}
	cur := l.state.Load()
	l.state.Store(&state{level: cur.level, filters: fs, outputs: cur.outputs, explicit: cur.explicit})
	return nil
}

// Outputs is the current outputs setting in libvirt's syntax.
func (l *Logger) Outputs() string { return formatOutputs(l.state.Load().outputs) }

// Filters is the current filters setting in libvirt's syntax.
func (l *Logger) Filters() string { return formatFilters(l.state.Load().filters) }

// Level is the current default priority.
func (l *Logger) Level() Priority { return l.state.Load().level }

// Close closes the outputs.
func (l *Logger) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.swap(&state{level: Error})
}

// Slog returns a logger for module.
func (l *Logger) Slog(module string) *slog.Logger {
	return slog.New(&handler{l: l, module: module})
}

// threshold is the priority a module's messages must reach: that of the first filter
// matching the module, else the default.
func (st *state) threshold(module string) Priority {
	for _, f := range st.filters {
		if f.matches(module) {
			return f.prio
		}
	}
	return st.level
}

type handler struct {
	l      *Logger
	module string
	prefix string  // attributes added by With, already formatted
	fields []field // the same attributes, for outputs that keep them apart
	group  string
}

func (h *handler) Enabled(_ context.Context, lvl slog.Level) bool {
	return fromSlog(lvl) >= h.l.state.Load().threshold(h.module)
}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	st := h.l.state.Load()
	p := fromSlog(r.Level)
	if p < st.threshold(h.module) {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString(h.prefix)
	fields := h.fields[:len(h.fields):len(h.fields)]
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, &fields, h.group, a)
		return true
	})
	rec := record{time: r.Time, prio: p, module: h.module, msg: b.String(), fields: fields}
	for _, o := range st.outputs {
		if p >= o.prio {
			o.sink.emit(rec)
		}
	}
	return nil
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	var b strings.Builder
	b.WriteString(h.prefix)
	n.fields = h.fields[:len(h.fields):len(h.fields)]
	for _, a := range as {
		if a.Key == "module" {
			n.module = a.Value.String()
			continue
		}
		appendAttr(&b, &n.fields, h.group, a)
	}
	n.prefix = b.String()
	return &n
}

func (h *handler) WithGroup(name string) slog.Handler {
	n := *h
	n.group = h.group + name + "."
	return &n
}

// appendAttr formats a as " key=value" onto b and adds it to fields.
func appendAttr(b *strings.Builder, fields *[]field, group string, a slog.Attr) {
	if a.Equal(slog.Attr{}) {
		return
	}
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, ga := range v.Group() {
			appendAttr(b, fields, group+a.Key+".", ga)
		}
		return
	}
	s := v.String()
	*fields = append(*fields, field{group + a.Key, s})
	if strings.ContainsAny(s, " \t\n\"=") || s == "" {
		s = strconv.Quote(s)
	}
	fmt.Fprintf(b, " %s%s=%s", group, a.Key, s)
}

package logging

import (
	"fmt"
	"path"
	"strings"
)

// filter raises or lowers the priority for modules whose name matches.
type filter struct {
	prio  Priority
	match string // glob, implicitly anchored with '*' on both sides as libvirt does
	stack bool   // the "+" flag: libvirt adds a stack trace; kept for round-tripping
	raw   string
}

func (f filter) matches(module string) bool {
	ok, _ := path.Match("*"+f.match+"*", module)
	return ok
}

// parseFilters parses libvirt's log_filters syntax, "LEVEL:[+]MATCH ...".
func parseFilters(s string) ([]filter, error) {
	var fs []filter
	for _, tok := range strings.Fields(s) {
		lvl, match, ok := strings.Cut(tok, ":")
		prio, err := parsePriority(lvl)
		if !ok || err != nil {
			return nil, fmt.Errorf("Failed to parse and define log filter %s", tok)
		}
		stack := strings.HasPrefix(match, "+")
		match = strings.TrimPrefix(match, "+")
		if match == "" {
			return nil, fmt.Errorf("Failed to parse and define log filter %s", tok)
		}
		if _, err := path.Match(match, ""); err != nil {
			return nil, fmt.Errorf("Failed to parse and define log filter %s: %v", tok, err)
		}
		fs = append(fs, filter{prio: prio, match: match, stack: stack, raw: tok})
	}
	return fs, nil
}

func formatFilters(fs []filter) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.raw
	}
	return strings.Join(parts, " ")
}

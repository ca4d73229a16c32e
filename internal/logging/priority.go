package logging

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Priority is libvirt's log priority: 1 debug, 2 info, 3 warning, 4 error.
type Priority int

// The libvirt priorities.
const (
	Debug   Priority = 1
	Info    Priority = 2
	Warning Priority = 3
	Error   Priority = 4
)

// DefaultPriority is libvirt's default log_level.
const DefaultPriority = Warning

func fromSlog(l slog.Level) Priority {
	switch {
	case l < slog.LevelInfo:
		return Debug
	case l < slog.LevelWarn:
		return Info
	case l < slog.LevelError:
		return Warning
	}
	return Error
}

func (p Priority) String() string {
	switch p {
	case Debug:
		return "debug"
	case Info:
		return "info"
	case Warning:
		return "warning"
	}
	return "error"
}

func parsePriority(s string) (Priority, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < int(Debug) || n > int(Error) {
		return 0, fmt.Errorf("invalid log priority %q", s)
	}
	return Priority(n), nil
}

// ParseLevel checks a log_level value.
func ParseLevel(n int) (Priority, error) {
	if n < int(Debug) || n > int(Error) {
		return 0, fmt.Errorf("invalid log level %d: expected 1 (debug) to 4 (error)", n)
	}
	return Priority(n), nil
}

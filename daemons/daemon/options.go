package daemon

import (
	"fmt"
	"strconv"
	"strings"
)

// options are the parsed command line.
type options struct {
	help, version, daemonize, verbose, listen bool
	config, pidFile                           string
	timeout                                   int
}

// usageError is a bad command line: the caller prints the message and the usage on
// stderr and exits 1, as getopt-based libvirt daemons do.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

type optSpec struct {
	short   byte
	long    string
	hasArg  bool
	listen  bool // only for daemons that take -l
	handler func(o *options, arg string) error
}

var optSpecs = []optSpec{
	{'h', "help", false, false, func(o *options, _ string) error { o.help = true; return nil }},
	{'v', "verbose", false, false, func(o *options, _ string) error { o.verbose = true; return nil }},
	{'d', "daemon", false, false, func(o *options, _ string) error { o.daemonize = true; return nil }},
	{'l', "listen", false, true, func(o *options, _ string) error { o.listen = true; return nil }},
	{'t', "timeout", true, false, func(o *options, a string) error {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 || n > (1<<31-1)/1000 {
			return fmt.Errorf("Invalid value for timeout")
		}
		o.timeout = n
		return nil
	}},
	{'f', "config", true, false, func(o *options, a string) error { o.config = a; return nil }},
	{'V', "version", false, false, func(o *options, _ string) error { o.version = true; return nil }},
	{'p', "pid-file", true, false, func(o *options, a string) error { o.pidFile = a; return nil }},
}

// parseOptions parses args (without the program name) as getopt_long does with
// libvirt's option table: bundled short options (-dv), attached or separate arguments
// (-t5, -t 5, --timeout=5, --timeout 5), unambiguous prefixes of long options, and "--"
// to end options. Non-option arguments are an error, as in libvirt.
func parseOptions(prog string, args []string, listen bool) (*options, error) {
	o := &options{}
	specs := make([]optSpec, 0, len(optSpecs))
	for _, s := range optSpecs {
		if !s.listen || listen {
			specs = append(specs, s)
		}
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, bool) {
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			s, err := longOpt(prog, specs, name)
			if err != nil {
				return nil, err
			}
			switch {
			case s.hasArg && !hasVal:
				v, ok := next()
				if !ok {
					return nil, &usageError{fmt.Sprintf("%s: option '--%s' requires an argument", prog, s.long)}
				}
				val = v
			case !s.hasArg && hasVal:
				return nil, &usageError{fmt.Sprintf("%s: option '--%s' doesn't allow an argument", prog, s.long)}
			}
			if err := s.handler(o, val); err != nil {
				return nil, err
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				s := shortOpt(specs, a[j])
				if s == nil {
					return nil, &usageError{fmt.Sprintf("%s: invalid option -- '%c'", prog, a[j])}
				}
				if !s.hasArg {
					if err := s.handler(o, ""); err != nil {
						return nil, err
					}
					continue
				}
				val := a[j+1:]
				if val == "" {
					v, ok := next()
					if !ok {
						return nil, &usageError{fmt.Sprintf("%s: option requires an argument -- '%c'", prog, s.short)}
					}
					val = v
				}
				if err := s.handler(o, val); err != nil {
					return nil, err
				}
				break
			}
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%s: unexpected, non-option, command line arguments", prog)
	}
	return o, nil
}

func shortOpt(specs []optSpec, c byte) *optSpec {
	for i := range specs {
		if specs[i].short == c {
			return &specs[i]
		}
	}
	return nil
}

func longOpt(prog string, specs []optSpec, name string) (*optSpec, error) {
	var found []*optSpec
	for i := range specs {
		if specs[i].long == name {
			return &specs[i], nil
		}
		if name != "" && strings.HasPrefix(specs[i].long, name) {
			found = append(found, &specs[i])
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, &usageError{fmt.Sprintf("%s: unrecognized option '--%s'", prog, name)}
	}
	return nil, &usageError{fmt.Sprintf("%s: option '--%s' is ambiguous", prog, name)}
}

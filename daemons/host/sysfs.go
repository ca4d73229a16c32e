package host

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// fs is the root the readers work under: "/" in daemons, a testdata tree in tests.
type fs string

func (f fs) path(p string) string { return filepath.Join(string(f), p) }

// read returns the trimmed content of a small file, or "" when it cannot be read
// (many SMBIOS files are readable by root only).
func (f fs) read(p string) string {
	b, err := os.ReadFile(f.path(p))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (f fs) readInt(p string) (int, bool) {
	n, err := strconv.Atoi(f.read(p))
	return n, err == nil
}

// cpuList parses the kernel's CPU list format ("0-3,8,10-11").
func cpuList(s string) []int {
	var cpus []int
	for _, part := range strings.Split(strings.TrimSpace(s), ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				continue
			}
		}
		for i := a; i <= b; i++ {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// meminfo returns the fields of a /proc/meminfo style file in KiB.
func (f fs) meminfo(p string) map[string]uint64 {
	m := map[string]uint64{}
	for _, line := range strings.Split(f.read(p), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			continue
		}
		// Per-node files prefix each key with "Node N "; keep only the last word.
		ks := strings.Fields(k)
		m[ks[len(ks)-1]] = n
	}
	return m
}

// cpuinfo returns the "key: value" pairs of the first processor block of /proc/cpuinfo.
func (f fs) cpuinfo() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(f.read("proc/cpuinfo"), "\n") {
		if strings.TrimSpace(line) == "" {
			if len(m) > 0 {
				break
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

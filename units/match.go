package units

// Match reports whether name matches pattern, in which '*' matches any run of bytes and
// '?' any one byte; every other byte, backslash included, matches itself. That is the
// subset of fnmatch(3) with FNM_NOESCAPE that systemd's ListUnitsByPatterns understands,
// and a plain unit name such as `machine-qemu\x2d1\x2dvm1.scope` matches just itself.
func Match(pattern, name string) bool {
	// Greedy matching with backtracking to the last '*': linear for one '*', and at
	// worst quadratic, on names of at most 255 bytes.
	p, n := 0, 0
	star, resume := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == name[n]):
			p++
			n++
		case p < len(pattern) && pattern[p] == '*':
			star, resume = p, n
			p++
		case star >= 0:
			resume++
			p, n = star+1, resume
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
)

// Kind is the type of a value as written.
type Kind int

// The kinds of value virconf knows.
const (
	String Kind = iota + 1
	Int         // written with a leading '-': possibly negative
	UInt        // written without sign or with '+'
	List
)

// Value is one parsed value.
type Value struct {
	Kind Kind
	Str  string
	Num  int64 // for Int; for UInt, NumU
	NumU uint64
	List []Value
}

type entry struct {
	key  string
	val  Value
	line int
}

// File is a parsed configuration file.
type File struct {
	Name    string
	entries []entry
}

// Error is a syntax or type error at a place in a file.
type Error struct {
	File string
	Line int
	Key  string // empty for syntax errors
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// maxSize is libvirt's sanity limit on a config file (MAX_CONFIG_FILE_SIZE).
const maxSize = 10 << 20

// ReadFile parses the file at path. A missing file is reported as an error satisfying
// errors.Is(err, fs.ErrNotExist), which callers treat as "all defaults".
func ReadFile(path string) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxSize {
		return nil, fmt.Errorf("%s: file is larger than %d bytes", path, maxSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// IsNotExist reports whether err means the file does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// Parse parses data; name is used in error messages.
func Parse(name string, data []byte) (*File, error) {
	p := parser{name: name, b: data, line: 1}
	f := &File{Name: name}
	for {
		p.skipSpaceLines()
		if p.eof() {
			return f, nil
		}
		if p.peek() == '#' {
			p.skipComment()
			continue
		}
		line := p.line
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		p.skipBlanks()
		if p.eof() || p.peek() != '=' {
			return nil, p.errorf("expecting an assignment")
		}
		p.pos++
		p.skipBlanks()
		v, err := p.value(0)
		if err != nil {
			return nil, err
		}
		f.entries = append(f.entries, entry{key: key, val: v, line: line})
		p.skipBlanks()
		if !p.eof() && p.peek() == '#' {
			p.skipComment()
		}
		if err := p.separator(); err != nil {
			return nil, err
		}
	}
}

type parser struct {
	name string
	b    []byte
	pos  int
	line int
}

func (p *parser) eof() bool  { return p.pos >= len(p.b) }
func (p *parser) peek() byte { return p.b[p.pos] }

func (p *parser) errorf(format string, args ...any) error {
	return &Error{File: p.name, Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }
func isEOL(c byte) bool   { return c == '\n' || c == '\r' }

func (p *parser) skipBlanks() {
	for !p.eof() && isBlank(p.peek()) {
		p.pos++
	}
}

// skipSpaceLines skips blanks and line ends, counting lines.
func (p *parser) skipSpaceLines() {
	for !p.eof() && (isBlank(p.peek()) || isEOL(p.peek())) {
		if p.peek() == '\n' {
			p.line++
		}
		p.pos++
	}
}

func (p *parser) skipComment() {
	for !p.eof() && !isEOL(p.peek()) {
		p.pos++
	}
}

// separator accepts the end of a statement: end of file, a line end or ';'.
func (p *parser) separator() error {
	p.skipBlanks()
	switch {
	case p.eof():
	case isEOL(p.peek()):
		p.skipSpaceLines()
	case p.peek() == ';':
		p.pos++
		p.skipSpaceLines()
	default:
		return p.errorf("expecting a separator")
	}
	return nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) key() (string, error) {
	if p.eof() || !isAlpha(p.peek()) {
		return "", p.errorf("expecting a name")
	}
	start := p.pos
	for !p.eof() && (isAlpha(p.peek()) || isDigit(p.peek()) || p.peek() == '_') {
		p.pos++
	}
	return string(p.b[start:p.pos]), nil
}

// maxDepth bounds list nesting so hostile input cannot exhaust the stack.
const maxDepth = 32

func (p *parser) value(depth int) (Value, error) {
	if p.eof() {
		return Value{}, p.errorf("expecting a value")
	}
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		s, err := p.str()
		return Value{Kind: String, Str: s}, err
	case c == '[':
		if depth >= maxDepth {
			return Value{}, p.errorf("lists nested too deeply")
		}
		return p.list(depth + 1)
	case isDigit(c) || c == '-' || c == '+':
		return p.number()
	}
	return Value{}, p.errorf("expecting a value")
}

func (p *parser) str() (string, error) {
	if len(p.b)-p.pos >= 6 && string(p.b[p.pos:p.pos+3]) == `"""` {
		startLine := p.line
		p.pos += 3
		start := p.pos
		for p.pos+3 <= len(p.b) && string(p.b[p.pos:p.pos+3]) != `"""` {
			if p.b[p.pos] == '\n' {
				p.line++
			}
			p.pos++
		}
		if p.pos+3 > len(p.b) {
			p.line = startLine // point at where the string began
			return "", p.errorf("unterminated string")
		}
		s := string(p.b[start:p.pos])
		p.pos += 3
		return s, nil
	}
	q := p.peek()
	p.pos++
	start := p.pos
	for !p.eof() && p.peek() != q && !isEOL(p.peek()) {
		p.pos++
	}
	if p.eof() || p.peek() != q {
		return "", p.errorf("unterminated string")
	}
	s := string(p.b[start:p.pos])
	p.pos++
	return s, nil
}

func (p *parser) number() (Value, error) {
	neg := false
	switch p.peek() {
	case '-':
		neg = true
		p.pos++
	case '+':
		p.pos++
	}
	start := p.pos
	for !p.eof() && isDigit(p.peek()) {
		p.pos++
	}
	if start == p.pos {
		return Value{}, p.errorf("unterminated number")
	}
	n, err := strconv.ParseUint(string(p.b[start:p.pos]), 10, 64)
	if err != nil {
		return Value{}, p.errorf("number out of range")
	}
	if !neg {
		return Value{Kind: UInt, NumU: n}, nil
	}
	if n > math.MaxInt64+1 {
		return Value{}, p.errorf("number out of range")
	}
	return Value{Kind: Int, Num: -int64(n)}, nil
}

// list parses "[ v, v, ... ]". Blank lines and comments may appear between elements.
func (p *parser) list(depth int) (Value, error) {
	p.pos++ // '['
	v := Value{Kind: List}
	p.skipListSpace()
	if !p.eof() && p.peek() == ']' {
		p.pos++
		return v, nil
	}
	for {
		elem, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		v.List = append(v.List, elem)
		p.skipListSpace()
		if p.eof() {
			return Value{}, p.errorf("list is not closed with ]")
		}
		switch p.peek() {
		case ']':
			p.pos++
			return v, nil
		case ',':
			p.pos++
			p.skipListSpace()
			if !p.eof() && p.peek() == ']' { // trailing comma
				p.pos++
				return v, nil
			}
		default:
			return Value{}, p.errorf("expecting a separator in list")
		}
	}
}

func (p *parser) skipListSpace() {
	for {
		p.skipSpaceLines()
		if p.eof() || p.peek() != '#' {
			return
		}
		p.skipComment()
	}
}

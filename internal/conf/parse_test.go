package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValues(t *testing.T) {
	if _, err := Parse("t.conf", []byte("single='it''s'\n")); err == nil {
		t.Fatalf("two adjacent single-quoted strings must not parse")
	}
	f, err := Parse("t.conf", []byte(`# a comment
str = "hello world"   # trailing comment
single = 'say "hi"'
neg = -12
pos = +7
num = 42
list = [ "a", "b",
   # comment inside a list
   "c", ]
empty = []
triple = """one
two"""; after = 1
`))
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := f.String("str", &s); err != nil || s != "hello world" {
		t.Errorf("str = %q, %v", s, err)
	}
	if err := f.String("single", &s); err != nil || s != `say "hi"` {
		t.Errorf("single = %q, %v", s, err)
	}
	if err := f.String("triple", &s); err != nil || s != "one\ntwo" {
		t.Errorf("triple = %q, %v", s, err)
	}
	var n int
	if err := f.Int("neg", &n); err != nil || n != -12 {
		t.Errorf("neg = %d, %v", n, err)
	}
	var u uint
	if err := f.UInt("pos", &u); err != nil || u != 7 {
		t.Errorf("pos = %d, %v", u, err)
	}
	var l []string
	if err := f.StringList("list", false, &l); err != nil || strings.Join(l, ",") != "a,b,c" {
		t.Errorf("list = %q, %v", l, err)
	}
	if err := f.StringList("empty", false, &l); err != nil || len(l) != 0 {
		t.Errorf("empty = %q, %v", l, err)
	}
	if got := f.Line("after"); got != 12 {
		t.Errorf("line of after = %d, want 12", got)
	}
	if got := strings.Join(f.Keys(), " "); got != "str single neg pos num list empty triple after" {
		t.Errorf("keys = %s", got)
	}
}

func TestSyntaxErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a = \n", "t.conf:1: expecting a value"},
		{"\n\nx 1\n", "t.conf:3: expecting an assignment"},
		{"1x = 2\n", "t.conf:1: expecting a name"},
		{"s = \"open\n", "t.conf:1: unterminated string"},
		{"l = [ \"a\" \"b\" ]\n", "t.conf:1: expecting a separator in list"},
		{"l = [ \"a\",\n", "t.conf:2: expecting a value"},
		{"l = [ \"a\"\n", "t.conf:2: list is not closed with ]"},
		{"a = 1 b = 2\n", "t.conf:1: expecting a separator"},
		{"a = -\n", "t.conf:1: unterminated number"},
		{"a = 99999999999999999999999\n", "t.conf:1: number out of range"},
		{"\na = \"\"\"never closed\n\n", "t.conf:2: unterminated string"},
	} {
		_, err := Parse("t.conf", []byte(tc.in))
		var ce *Error
		if !errors.As(err, &ce) || err.Error() != tc.want {
			t.Errorf("Parse(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestTypeErrorsNameKeyAndLine(t *testing.T) {
	f, err := Parse("/etc/libvirt/x.conf", []byte("s = 1\nn = \"x\"\nb = 2\nu = -1\nl = [ 1 ]\nbig = 5000000000\n"))
	if err != nil {
		t.Fatal(err)
	}
	var s string
	var n int
	var b bool
	var u uint
	var l []string
	for _, tc := range []struct {
		err  error
		want string
	}{
		{f.String("s", &s), "/etc/libvirt/x.conf:1: expected a string for 's' parameter"},
		{f.Int("n", &n), "/etc/libvirt/x.conf:2: expected a signed integer for 'n' parameter"},
		{f.Bool("b", &b), "/etc/libvirt/x.conf:3: value for 'b' parameter must be 0 or 1"},
		{f.UInt("u", &u), "/etc/libvirt/x.conf:4: expected an unsigned integer for 'u' parameter"},
		{f.StringList("l", true, &l), "/etc/libvirt/x.conf:5: expected a string list for 'l' parameter"},
		{f.UInt("big", &u), "/etc/libvirt/x.conf:6: value for 'big' parameter must be in range 0:4294967295"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("got %v, want %q", tc.err, tc.want)
		}
	}
}

func TestFirstSettingWins(t *testing.T) {
	f, err := Parse("t", []byte("a = 1\na = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	var u uint
	if err := f.UInt("a", &u); err != nil || u != 1 {
		t.Errorf("a = %d, %v; libvirt uses the first setting", u, err)
	}
}

func TestMissingKeyLeavesDefault(t *testing.T) {
	f, _ := Parse("t", nil)
	s := "default"
	if err := f.String("nope", &s); err != nil || s != "default" {
		t.Errorf("s = %q, %v", s, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"a = 1\n", "s = \"x\" # c\n", "l = [ \"a\",\n \"b\" ]\n", "t = \"\"\"x\ny\"\"\"\n",
		"a = -5; b = +3\n", "x = [ [ 1, 2 ], [] ]\n", "# only a comment", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.conf", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		for _, k := range c.Keys() {
			var s string
			var l []string
			var u uint
			_ = c.String(k, &s)
			_ = c.StringList(k, true, &l)
			_ = c.UInt(k, &u)
			if c.Line(k) < 1 {
				t.Fatalf("key %q without a line", k)
			}
		}
	})
}

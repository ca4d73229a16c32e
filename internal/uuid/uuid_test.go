package uuid

import "testing"

func TestParse(t *testing.T) {
	want := "b65cf152-27fb-4f30-9eae-4ef416e259fd"
	for _, in := range []string{want, " b65cf15227fb4f309eae4ef416e259fd ", "b6-5c-f152-27fb-4f30-9eae-4ef416e259fd", "B65CF152-27FB-4F30-9EAE-4EF416E259FD"} {
		u, err := Parse(in)
		if err != nil || Format(u) != want {
			t.Errorf("Parse(%q) = %s, %v", in, Format(u), err)
		}
	}
	for _, in := range []string{"", "b65cf152", "b65cf152-27fb-4f30-9eae-4ef416e259fdaa", "b-65cf15227fb4f309eae4ef416e259fd", "g65cf152-27fb-4f30-9eae-4ef416e259fd"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
	if a, b := New(), New(); a == b || a[6]>>4 != 4 {
		t.Errorf("New gave %s and %s", Format(a), Format(b))
	}
}

package leases

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestUpdateAddRenewDelete(t *testing.T) {
	p := filepath.Join(t.TempDir(), "virbr0.status")
	now := time.Unix(1_700_000_000, 0)
	add := func(action, mac, ip, host string, exp int64) {
		t.Helper()
		e := Event{Action: action, ID: mac, IP: ip, Hostname: host,
			Env: env(map[string]string{"DNSMASQ_LEASE_EXPIRES": itoa(exp), "DNSMASQ_CLIENT_ID": "01:" + mac})}
		if err := Update(p, e, now); err != nil {
			t.Fatal(err)
		}
	}
	add("add", "52:54:00:00:00:01", "192.0.2.10", "g1", now.Unix()+3600)
	add("add", "52:54:00:00:00:02", "192.0.2.11", "", now.Unix()+3600)
	add("old", "52:54:00:00:00:01", "192.0.2.10", "g1-renamed", now.Unix()+7200)
	ls, err := Read(p, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[1].Hostname != "g1-renamed" || ls[1].Expiry != now.Unix()+7200 || ls[0].MAC != "52:54:00:00:00:02" {
		t.Fatalf("after renew: %+v", ls)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), `"ip-address": "192.0.2.10",`) || !strings.Contains(string(b), `"client-id": "01:52:54:00:00:00:01"`) {
		t.Errorf("file is not in libvirt's format:\n%s", b)
	}
	if err := Update(p, Event{Action: "del", ID: "52:54:00:00:00:02", IP: "192.0.2.11", Env: env(nil)}, now); err != nil {
		t.Fatal(err)
	}
	if ls, _ := Read(p, now); len(ls) != 1 || ls[0].IP != "192.0.2.10" {
		t.Fatalf("after del: %+v", ls)
	}
	// Expired leases are not reported, and the next update drops them.
	later := now.Add(3 * time.Hour)
	if ls, _ := Read(p, later); len(ls) != 0 {
		t.Errorf("expired lease reported: %+v", ls)
	}
	var out strings.Builder
	if err := Init(p, &out, now); err != nil {
		t.Fatal(err)
	}
	if want := itoa(now.Unix()+7200) + " 52:54:00:00:00:01 192.0.2.10 g1-renamed 01:52:54:00:00:00:01\n"; out.String() != want {
		t.Errorf("init printed %q, want %q", out.String(), want)
	}
}

func TestIPv6LeaseNeedsMAC(t *testing.T) {
	p := filepath.Join(t.TempDir(), "virbr0.status")
	now := time.Unix(1_700_000_000, 0)
	e := Event{Action: "add", ID: "00:01:00:01:aa", IP: "2001:db8::10", Env: env(map[string]string{
		"DNSMASQ_IAID": "1234", "DNSMASQ_LEASE_EXPIRES": itoa(now.Unix() + 60), "DNSMASQ_SERVER_DUID": "00:01:00:01:bb"})}
	if err := Update(p, e, now); err != nil {
		t.Fatal(err)
	}
	if ls, _ := Read(p, now); len(ls) != 0 {
		t.Fatalf("IPv6 lease without MAC recorded: %+v", ls)
	}
	e.Env = env(map[string]string{"DNSMASQ_IAID": "1234", "DNSMASQ_MAC": "52:54:00:00:00:09",
		"DNSMASQ_LEASE_EXPIRES": itoa(now.Unix() + 60), "DNSMASQ_SERVER_DUID": "00:01:00:01:bb"})
	if err := Update(p, e, now); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := Init(p, &out, now); err != nil {
		t.Fatal(err)
	}
	want := "duid 00:01:00:01:bb\n" + itoa(now.Unix()+60) + " 1234 2001:db8::10 * 00:01:00:01:aa\n"
	if out.String() != want {
		t.Errorf("init printed %q, want %q", out.String(), want)
	}
}

func TestReadRejectsGarbage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.status")
	os.WriteFile(p, []byte("not json"), 0o644)
	if _, err := Read(p, time.Now()); err == nil || !strings.Contains(err.Error(), "invalid json") {
		t.Errorf("garbage read as %v", err)
	}
	if ls, err := Read(filepath.Join(t.TempDir(), "missing"), time.Now()); err != nil || ls != nil {
		t.Errorf("missing file: %v %v", ls, err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`[{"ip-address":"192.0.2.1","mac-address":"52:54:00:00:00:01","expiry-time":5}]`))
	f.Add([]byte(`[{"iaid":"7","ip-address":"2001:db8::5","mac-address":"52:54:00:00:00:02","client-id":"00:01","expiry-time":0,"server-duid":"00:01:00:01:bb"}]`))
	f.Add([]byte(`[{"ip-address":"192.0.2.1","mac-address":"52:54 00","hostname":"a b","expiry-time":0}]`))
	f.Add([]byte(`[]`))
	// One file per worker process: its calls run one after another.
	p := filepath.Join(f.TempDir(), "virbr0.status")
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		before, err := Read(p, now)
		if err != nil {
			return
		}
		// dnsmasq reads "init" line by line, split at spaces: every line must keep its
		// shape whatever the file holds.
		var out strings.Builder
		if err := Init(p, &out, now); err != nil {
			t.Fatalf("init of a readable file: %v", err)
		}
		for _, l := range strings.SplitAfter(out.String(), "\n") {
			if l == "" {
				continue
			}
			fields := strings.Split(strings.TrimSuffix(l, "\n"), " ")
			if !strings.HasSuffix(l, "\n") || !(len(fields) == 5 || len(fields) == 2 && fields[0] == "duid") {
				t.Fatalf("init line %q", l)
			}
			for _, v := range fields {
				if !token(v) {
					t.Fatalf("init line %q has an empty or spaced field", l)
				}
			}
		}
		// An update of a readable file keeps it readable and records the lease.
		e := Event{Action: "add", ID: "52:54:00:00:00:99", IP: "198.51.100.9",
			Env: env(map[string]string{"DNSMASQ_LEASE_EXPIRES": "0"})}
		if err := Update(p, e, now); err != nil {
			t.Fatalf("update of a readable file: %v", err)
		}
		after, err := Read(p, now)
		if err != nil {
			t.Fatalf("file unreadable after update: %v", err)
		}
		if len(after) == 0 || after[len(after)-1].IP != e.IP || len(after) > len(before)+1 {
			t.Fatalf("update of %d leases gave %+v", len(before), after)
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

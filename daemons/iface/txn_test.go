package iface

import (
	"reflect"
	"testing"
)

func TestPlanRollback(t *testing.T) {
	saved := []linkState{
		{Name: "br0", Kind: "bridge", MTU: 1500, Up: true, Addrs: []string{"192.0.2.1/24"}, STP: "0", Delay: "1500"},
		{Name: "br0.7", Kind: "vlan", MTU: 1500, Up: true, VLANID: 7, Parent: "br0"},
		{Name: "lo", Kind: "device", MTU: 65536, Up: true, Addrs: []string{"127.0.0.1/8"}},
		{Name: "veth0", Kind: "veth", MTU: 1500, Up: true, Master: "br0"},
		{Name: "veth1", Kind: "veth", MTU: 1500, Up: true, Addrs: []string{"198.51.100.2/24"}},
		{Name: "gone0", Kind: "veth", MTU: 1500},
	}
	now := []linkState{
		{Name: "br9", Kind: "bridge", MTU: 1500, Up: true},
		{Name: "lo", Kind: "device", MTU: 65536, Up: true, Addrs: []string{"127.0.0.1/8"}},
		{Name: "veth0", Kind: "veth", MTU: 9000, Up: false, Master: "br9"},
		{Name: "veth1", Kind: "veth", MTU: 1500, Up: true, Addrs: []string{"203.0.113.5/24"}},
		{Name: "veth2", Kind: "veth", MTU: 1500, Up: true},
	}
	steps, problems := planRollback(saved, now)
	want := []step{
		{Op: "delete", Link: "br9"},
		{Op: "create", Link: "br0", State: saved[0]},
		{Op: "create", Link: "br0.7", State: saved[1]},
		{Op: "mtu", Link: "br0", Arg: "1500"},
		{Op: "bridge", Link: "br0", State: saved[0]},
		{Op: "addr-add", Link: "br0", Arg: "192.0.2.1/24"},
		{Op: "up", Link: "br0"},
		{Op: "mtu", Link: "br0.7", Arg: "1500"},
		{Op: "up", Link: "br0.7"},
		{Op: "master", Link: "veth0", Arg: "br0"},
		{Op: "mtu", Link: "veth0", Arg: "1500"},
		{Op: "up", Link: "veth0"},
		{Op: "addr-del", Link: "veth1", Arg: "203.0.113.5/24"},
		{Op: "addr-add", Link: "veth1", Arg: "198.51.100.2/24"},
	}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("steps:\n%+v\nwant:\n%+v", steps, want)
	}
	if !reflect.DeepEqual(problems, []string{"cannot recreate veth interface 'gone0'"}) {
		t.Errorf("problems %v", problems)
	}
	// Nothing changed, nothing to do.
	if steps, problems := planRollback(now, now); len(steps) != 0 || len(problems) != 0 {
		t.Errorf("no-op rollback: %v %v", steps, problems)
	}
}

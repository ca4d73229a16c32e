package storage

import (
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

func TestParsePool(t *testing.T) {
	for _, c := range []struct {
		name, xml string
		code      libvirt.ErrorNumber
		msg       string
	}{
		{"not XML", "<pool", libvirt.ErrXMLDetail, "(storage_pool_definition):1:"},
		{"empty", "", libvirt.ErrXMLDetail, "Document is empty"},
		{"wrong root", "<volume/>", libvirt.ErrXMLError, "expecting root element of 'pool', not 'volume'"},
		{"no type", "<pool><name>p</name></pool>", libvirt.ErrXMLError, "Missing required attribute 'type' in element 'pool'"},
		{"bad type", "<pool type='x'/>", libvirt.ErrXMLError, "Invalid value for attribute 'type' in element 'pool': 'x'."},
		{"no name", "<pool type='dir'><target><path>/p</path></target></pool>", libvirt.ErrXMLError, "missing pool source name element"},
		{"slash", "<pool type='dir'><name>a/b</name></pool>", libvirt.ErrXMLError, "name a/b cannot contain '/'"},
		{"bad uuid", "<pool type='dir'><name>p</name><uuid>x</uuid></pool>", libvirt.ErrXMLError, "malformed uuid element"},
		{"no target", "<pool type='dir'><name>p</name></pool>", libvirt.ErrXMLError, "missing storage pool target path"},
		{"fs without device", "<pool type='fs'><name>p</name><target><path>/p</path></target></pool>", libvirt.ErrXMLError, "missing storage pool source device name"},
		{"fs bad format", "<pool type='fs'><name>p</name><source><device path='/d'/><format type='zfs'/></source></pool>", libvirt.ErrConfigUnsupported, "unknown pool format type zfs"},
		{"netfs without host", "<pool type='netfs'><name>p</name><source><dir path='/x'/></source></pool>", libvirt.ErrXMLError, "missing storage pool source host name"},
		{"mode", "<pool type='dir'><name>p</name><target><path>/p</path><permissions><mode>8</mode></permissions></target></pool>", libvirt.ErrXMLError, "malformed octal mode"},
		{"owner", "<pool type='dir'><name>p</name><target><path>/p</path><permissions><owner>x</owner></permissions></target></pool>", libvirt.ErrXMLError, "malformed owner element"},
		{"cow on fs ok, on netfs not", "<pool type='netfs'><name>p</name><features><cow state='yes'/></features></pool>", libvirt.ErrNoSupport, "cow feature may only be used for 'fs' and 'dir' pools"},
	} {
		_, err := parsePool(c.xml)
		var ve *virerror.Error
		if !asVirErr(err, &ve) || ve.Code != c.code || !strings.Contains(ve.Error(), c.msg) {
			t.Errorf("%s: got %v, want code %d %q", c.name, err, c.code, c.msg)
		}
	}
	def, err := parsePool("<pool type='fs'><name> p </name><source><device path='/dev/loop7'/></source><target><path>//srv//pools/p/</path><permissions><mode>0750</mode><owner>107</owner></permissions></target></pool>")
	if err != nil {
		t.Fatal(err)
	}
	if def.Name != " p " || def.Target.Path != "//srv/pools/p" || def.Target.Perms.Mode != 0o750 || def.Target.Perms.UID != 107 || def.Target.Perms.GID != -1 {
		t.Errorf("parsed %+v", def)
	}
	want := "<pool type='fs'>\n  <name> p </name>\n  <uuid>"
	if got := formatPool(def); !strings.HasPrefix(got, want) || !strings.Contains(got, "    <device path='/dev/loop7'/>\n    <format type='auto'/>\n") ||
		!strings.Contains(got, "    <permissions>\n      <mode>0750</mode>\n      <owner>107</owner>\n    </permissions>\n") {
		t.Errorf("formatted:\n%s", got)
	}
}

func asVirErr(err error, ve **virerror.Error) bool {
	e, ok := err.(*virerror.Error)
	*ve = e
	return ok
}

func TestParseVol(t *testing.T) {
	for _, c := range []struct {
		name, xml string
		mode      int
		msg       string
	}{
		{"no name", "<volume><capacity>1</capacity></volume>", capacityOptional, "missing volume name element"},
		{"no capacity", "<volume><name>v</name></volume>", capacityOptional, "missing capacity element"},
		{"negative", "<volume><name>v</name><capacity>-5</capacity></volume>", capacityOptional, "malformed capacity element"},
		{"unit", "<volume><name>v</name><capacity unit='KQ'>5</capacity></volume>", capacityOptional, "unknown suffix 'KQ'"},
		{"overflow", "<volume><name>v</name><capacity unit='E'>9</capacity></volume>", capacityOptional, "value too large: 9E"},
		{"format none", "<volume><name>v</name><capacity>1</capacity><target><format type='none'/></target></volume>", capacityOptional, "unknown volume format type none"},
		{"type", "<volume type='x'><name>v</name><capacity>1</capacity></volume>", capacityOptional, "unknown volume type 'x'"},
		{"compat", "<volume><name>v</name><capacity>1</capacity><target><compat>1.a</compat></target></volume>", capacityOptional, "forbidden characters in 'compat' attribute"},
		{"feature", "<volume><name>v</name><capacity>1</capacity><target><features><zz/></features></target></volume>", capacityOptional, "unsupported feature zz"},
	} {
		if _, err := parseVol(c.xml, poolDir, c.mode); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.msg)
		}
	}
	// An overlay may take its size from its backing store; a clone from its source.
	if _, err := parseVol("<volume><name>o</name><backingStore><path>/b</path></backingStore></volume>", poolDir, capacityOptional); err != nil {
		t.Errorf("overlay without capacity: %v", err)
	}
	if _, err := parseVol("<volume><name>c</name></volume>", poolDir, capacityIgnored); err != nil {
		t.Errorf("clone without capacity: %v", err)
	}
	v, err := parseVol("<volume><name>v</name><capacity unit='G'>2</capacity><allocation unit='KiB'>3</allocation><target><format type='qcow2'/><features><lazy_refcounts/></features></target></volume>", poolDir, capacityOptional)
	if err != nil {
		t.Fatal(err)
	}
	if v.Target.Capacity != 2<<30 || v.Target.Allocation != 3072 || v.Target.Format != fmtQcow2 || v.Target.Compat != "1.1" || !v.Target.hasFeature(0) {
		t.Errorf("parsed %+v", v.Target)
	}
	if v, _ := parseVol("<volume><name>v</name><capacity unit='GB'>1</capacity></volume>", poolDir, capacityOptional); v.Target.Capacity != 1e9 || v.Target.Allocation != 1e9 {
		t.Errorf("GB: %+v", v.Target)
	}
}

// TestQemuImgArgs checks the command lines against those libvirtd 9.0 ran.
func TestQemuImgArgs(t *testing.T) {
	vol := func(xml string) *volDef {
		v, err := parseVol(xml, poolDir, capacityIgnored)
		if err != nil {
			t.Fatal(err)
		}
		v.Target.Path = "/p/" + v.Name
		return v
	}
	for _, c := range []struct {
		xml      string
		input    *volDef
		prealloc bool
		want     string
	}{
		{"<volume><name>v1</name><capacity unit='M'>10</capacity><target><format type='qcow2'/></target></volume>", nil, false,
			"qemu-img create -f qcow2 -o compat=0.10 /p/v1 10240K"},
		{"<volume><name>stvi2.qcow2</name><capacity>10737418</capacity><allocation>0</allocation><target><format type='qcow2'/><features><lazy_refcounts/></features></target></volume>", nil, true,
			"qemu-img create -f qcow2 -o preallocation=metadata,compat=1.1,lazy_refcounts /p/stvi2.qcow2 10486K"},
		{"<volume><name>f</name><capacity unit='M'>1</capacity><target><format type='qcow2'/></target></volume>", nil, true,
			"qemu-img create -f qcow2 -o preallocation=falloc,compat=0.10 /p/f 1024K"},
		{"<volume><name>o</name><capacity unit='M'>10</capacity><target><format type='qcow2'/></target><backingStore><path>/</path><format type='raw'/></backingStore></volume>", nil, false,
			"qemu-img create -f qcow2 -b / -o backing_fmt=raw,compat=0.10 /p/o 10240K"},
		{"<volume><name>c</name><capacity>1</capacity><target><format type='raw'/></target></volume>", vol("<volume><name>q</name><capacity>1</capacity><target><format type='qcow2'/></target></volume>"), false,
			"qemu-img convert -f qcow2 -O raw /p/q /p/c"},
	} {
		argv, err := qemuImgArgs("qemu-img", "/p", vol(c.xml), c.input, c.prealloc)
		if err != nil || strings.Join(argv, " ") != c.want {
			t.Errorf("got %q, %v\nwant %q", strings.Join(argv, " "), err, c.want)
		}
	}
	if _, err := qemuImgArgs("qemu-img", "/p", vol("<volume><name>l</name><capacity>1</capacity><target><format type='qcow2'/><compat>0.10</compat><features><lazy_refcounts/></features></target></volume>"), nil, false); err == nil ||
		!strings.Contains(err.Error(), "lazy_refcounts not supported with compat level 0.10") {
		t.Errorf("lazy_refcounts with compat 0.10: %v", err)
	}
}

func TestSanitizePath(t *testing.T) {
	for in, want := range map[string]string{"/a//b/": "/a/b", "//a": "//a", "///a": "/a", "/": "/", "a/b/": "a/b"} {
		if got := sanitizePath(in); got != want {
			t.Errorf("sanitizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzPoolXML: any document parses or fails with a libvirt error, never a panic, and
// what parses formats to XML that parses to the same definition.
func FuzzPoolXML(f *testing.F) {
	for _, s := range []string{
		"<pool type='dir'><name>p</name><target><path>/var/lib/libvirt/images</path></target></pool>",
		"<pool type='fs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'><name>f</name><source><device path='/dev/loop0'/><format type='ext4'/></source><target><path>/mnt</path><permissions><mode>0755</mode><owner>0</owner><group>-1</group><label>x</label></permissions></target><fs:mount_opts><fs:option name='sync'/></fs:mount_opts></pool>",
		"<pool type='netfs'><name>n</name><source><host name='h' port='2049'/><dir path='/x'/><format type='nfs'/><protocol ver='4'/></source><target><path>/n</path></target></pool>",
		"<pool type='logical'><source><name>vg</name><device path='/dev/sdb'/></source></pool>",
		"<pool type='dir'><name>&lt;&amp;'\"&gt;</name><uuid>b65cf152-27fb-4f30-9eae-4ef416e259fd</uuid><features><cow state='no'/></features><target><path>/x</path></target><refresh><volume allocation='capacity'/></refresh></pool>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		def, err := parsePool(doc)
		if err != nil {
			if _, ok := err.(*virerror.Error); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		out := formatPool(def)
		again, err := parsePool(out)
		if err != nil {
			t.Fatalf("our output does not parse: %v\n%s", err, out)
		}
		if out2 := formatPool(again); out2 != out {
			t.Fatalf("round trip changed the definition:\n%s\n%s", out, out2)
		}
	})
}

// FuzzVolXML: any document parses or fails with a libvirt error, and what parses
// formats and parses again to the same volume.
func FuzzVolXML(f *testing.F) {
	for _, s := range []string{
		"<volume><name>v</name><capacity unit='G'>1</capacity><allocation>0</allocation><target><format type='qcow2'/><compat>1.1</compat><clusterSize unit='K'>64</clusterSize><features><lazy_refcounts/><extended_l2/></features><nocow/></target></volume>",
		"<volume type='file'><name>o</name><key>k</key><capacity>5</capacity><target><path>/x</path><permissions><mode>0644</mode></permissions></target><backingStore><path>/b</path><format type='raw'/></backingStore></volume>",
		"<volume><name>e</name><capacity>1</capacity><target><encryption format='luks'/></target></volume>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, typ := range []int{poolDir, poolDisk} {
			v, err := parseVol(doc, typ, capacityOptional)
			if err != nil {
				if _, ok := err.(*virerror.Error); !ok {
					t.Fatalf("untyped error %v", err)
				}
				continue
			}
			out := formatVol(typ, v)
			again, err := parseVol(out, typ, capacityRequired)
			if err != nil {
				t.Fatalf("our output does not parse: %v\n%s", err, out)
			}
			if out2 := formatVol(typ, again); out2 != out {
				t.Fatalf("round trip changed the volume:\n%s\n%s", out, out2)
			}
		}
	})
}

package storage

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// qemuImgArgs is the qemu-img command line that makes vol, from input when set, as
// virStorageBackendCreateQemuImgCmdFromVol builds it:
//
//	qemu-img create -f FMT [-b BACKING] [-o OPTS] PATH SIZEK
//	qemu-img convert -f INFMT -O FMT [-o OPTS] INPUT PATH
//
// Sizes go in KiB, rounded up; qcow2 gets compat=0.10 unless its features need 1.1.
func qemuImgArgs(bin string, poolDir string, vol, input *volDef, prealloc bool) ([]string, error) {
	t := &vol.Target
	format := t.Format
	if vol.Type == volBlock || format == fmtISO {
		format = fmtRaw
	}
	qcow2 := format == fmtQcow2
	switch {
	case prealloc && !qcow2:
		return nil, unsupportedConfig("metadata preallocation only available with qcow2")
	case t.Compat != "" && !qcow2:
		return nil, unsupportedConfig("compatibility option only available with qcow2")
	case t.HasFeatures && !qcow2:
		return nil, unsupportedConfig("format features only available with qcow2")
	}
	var inFormat string
	if input != nil {
		f := input.Target.Format
		if input.Type == volBlock || f == fmtISO {
			f = fmtRaw
		}
		inFormat = fileFormats[f]
	}
	backing := ""
	if vol.Backing != nil {
		if format == fmtRaw {
			return nil, unsupportedConfig("cannot set backing store for raw volume")
		}
		if prealloc {
			return nil, unsupportedConfig("metadata preallocation conflicts with backing store")
		}
		if input != nil && input.Backing != nil && input.Backing.Path != vol.Backing.Path {
			return nil, virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "a different backing store cannot be specified.")
		}
		check := vol.Backing.Path
		if !filepath.IsAbs(check) {
			check = poolDir + "/" + check
		}
		if err := syscall.Access(check, 4); err != nil {
			return nil, sysErr(err, "inaccessible backing store volume %s", vol.Backing.Path)
		}
		if input == nil { // a conversion ignores the backing store
			backing = vol.Backing.Path
		}
	}
	sizeK := (t.Capacity + 1023) / 1024
	var opts []string
	if backing != "" {
		opts = append(opts, "backing_fmt="+fileFormats[vol.Backing.Format])
	}
	if prealloc {
		if sizeK > (t.Allocation+1023)/1024 {
			opts = append(opts, "preallocation=metadata")
		} else {
			opts = append(opts, "preallocation=falloc")
		}
	}
	if t.NoCOW {
		opts = append(opts, "nocow=on")
	}
	if t.Compat != "" {
		opts = append(opts, "compat="+t.Compat)
	} else if qcow2 {
		opts = append(opts, "compat=0.10")
	}
	if t.ClusterSize > 0 {
		opts = append(opts, fmt.Sprintf("cluster_size=%d", t.ClusterSize))
	}
	if qcow2 && t.hasFeature(0) {
		if t.Compat == "0.10" {
			return nil, unsupportedConfig("lazy_refcounts not supported with compat level %s", t.Compat)
		}
		opts = append(opts, "lazy_refcounts")
	}
	if qcow2 && t.hasFeature(1) {
		if t.Compat == "0.10" {
			return nil, unsupportedConfig("'extended_l2' not supported with compat level %s", t.Compat)
		}
		opts = append(opts, "extended_l2=on")
	}
	argv := []string{bin}
	if input != nil {
		argv = append(argv, "convert", "-f", inFormat, "-O", fileFormats[format])
	} else {
		argv = append(argv, "create", "-f", fileFormats[format])
	}
	if backing != "" {
		argv = append(argv, "-b", backing)
	}
	if len(opts) > 0 {
		argv = append(argv, "-o", strings.Join(opts, ","))
	}
	if input != nil {
		argv = append(argv, input.Target.Path)
	}
	argv = append(argv, t.Path)
	if input == nil && (sizeK != 0 || backing == "") {
		argv = append(argv, fmt.Sprintf("%dK", sizeK))
	}
	return argv, nil
}

func unsupportedConfig(format string, args ...any) error {
	return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, format, args...)
}

// qemuImg finds qemu-img, which every image format but raw needs.
func qemuImg() (string, error) {
	p, err := tool("", "qemu-img")
	if err != nil {
		return "", virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "creation of non-raw file images is not supported without qemu-img.")
	}
	return p, nil
}

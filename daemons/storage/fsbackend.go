package storage

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// defaultMountOpts are the options libvirt mounts every fs pool with.
const defaultMountOpts = "nodev,nosuid,noexec"

// fsBackend is the fs pool: a block device (a loop device over an image, here)
// holding a filesystem that is mounted on the target directory
// (storage_backend_fs.c's virStorageBackendFileSystem).
type fsBackend struct{}

func (fsBackend) valid(def *poolDef) error {
	switch len(def.Source.Devices) {
	case 1:
		return nil
	case 0:
		return virerror.New(libvirt.ErrInternalError, virerror.FromStorage, "missing source device")
	}
	return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromStorage, "expected exactly 1 device for the storage pool")
}

func (b fsBackend) check(def *poolDef) (bool, error) {
	if err := b.valid(def); err != nil {
		return false, err
	}
	return mounted(def)
}

// mounted reports whether the pool's device is mounted on its target in this mount
// namespace, comparing resolved paths as virFileComparePaths does.
func mounted(def *poolDef) (bool, error) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return false, sysErr(err, "cannot read mount list '%s'", "/etc/mtab")
	}
	defer f.Close()
	dev, target := resolved(def.Source.Devices[0].Path), resolved(def.Target.Path)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && resolved(unescapeMount(fields[1])) == target && resolved(unescapeMount(fields[0])) == dev {
			return true, nil
		}
	}
	return false, nil
}

func resolved(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// unescapeMount decodes the octal escapes (\040 for a space) of /proc/self/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (b fsBackend) build(ctx context.Context, def *poolDef, flags libvirt.StoragePoolBuildFlags) error {
	if err := checkBuildFlags(flags); err != nil {
		return err
	}
	if err := buildLocal(def); err != nil {
		return err
	}
	if flags == 0 {
		return nil
	}
	if len(def.Source.Devices) == 0 {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "No source device specified when formatting pool '%s'", def.Name)
	}
	dev, format := def.Source.Devices[0].Path, poolFormatName(def.Type, def.Source.Format)
	if _, err := os.Stat(dev); err != nil {
		return virerror.New(libvirt.ErrOperationInvalid, virerror.FromStorage, "Source device does not exist when formatting pool '%s'", def.Name)
	}
	if flags&libvirt.StoragePoolBuildNoOverwrite != 0 {
		if err := deviceEmpty(ctx, dev, format); err != nil {
			return err
		}
	}
	return mkfs(ctx, dev, format)
}

// deviceEmpty succeeds when the device holds no filesystem or partition table, as
// virStorageBackendBLKIDFindEmpty's probe (with blkid) decides before a build that
// must not overwrite.
func deviceEmpty(ctx context.Context, dev, format string) error {
	blkid, err := tool("/sbin/blkid", "blkid")
	if err != nil {
		return err
	}
	out, err := run(ctx, blkid, "-p", "-o", "export", dev)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 2 { // nothing found on the device
			return nil
		}
		return virerror.New(libvirt.ErrStorageProbeFailed, virerror.FromStorage, "Failed to create filesystem probe for device %s", dev)
	}
	var found string
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "TYPE="); ok {
			found = v
			break
		}
		if v, ok := strings.CutPrefix(l, "PTTYPE="); ok && found == "" {
			found = v
		}
	}
	switch found {
	case "":
		return nil
	case format:
		return virerror.New(libvirt.ErrStoragePoolBuilt, virerror.FromStorage, "Device '%s' already formatted using '%s'", dev, format)
	}
	return virerror.New(libvirt.ErrStoragePoolBuilt, virerror.FromStorage,
		"Format of device '%s' does not match the expected format '%s', forced overwrite is necessary", dev, format)
}

// mkfs makes a filesystem of format on dev, forcing where the tool asks, as
// virStorageBackendExecuteMKFS does.
func mkfs(ctx context.Context, dev, format string) error {
	bin, err := tool("/sbin/mkfs", "mkfs")
	if err != nil {
		return virerror.New(libvirt.ErrInternalError, virerror.FromStorage,
			"mkfs is not available on this platform: Failed to make filesystem of type '%s' on device '%s'", format, dev)
	}
	argv := []string{bin, "-t", format}
	switch format {
	case "xfs":
		argv = append(argv, "-f")
	case "ext2", "ext3", "ext4":
		argv = append(argv, "-F")
	case "vfat":
		argv = append(argv, "-I")
	}
	_, err = run(ctx, append(argv, dev)...)
	return err
}

func (b fsBackend) start(ctx context.Context, def *poolDef) error {
	if err := b.valid(def); err != nil {
		return err
	}
	if up, err := mounted(def); err != nil || up {
		return err
	}
	bin, err := tool("/bin/mount", "mount")
	if err != nil {
		return err
	}
	opts := defaultMountOpts
	for _, o := range def.MountOpts {
		opts += "," + o
	}
	_, err = run(ctx, bin, "-o", opts, "-t", poolFormatName(def.Type, def.Source.Format), def.Source.Devices[0].Path, def.Target.Path)
	return err
}

func (b fsBackend) stop(ctx context.Context, def *poolDef) error {
	if err := b.valid(def); err != nil {
		return err
	}
	if up, err := mounted(def); err != nil || !up {
		return err
	}
	bin, err := tool("/bin/umount", "umount")
	if err != nil {
		return err
	}
	_, err = run(ctx, bin, def.Target.Path)
	return err
}

func (fsBackend) delete(ctx context.Context, def *poolDef) error { return deleteLocal(def) }

func (fsBackend) refresh(ctx context.Context, def *poolDef, known probeCache) (*volSet, error) {
	return refreshLocal(ctx, def, known)
}

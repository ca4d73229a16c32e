package nodedev

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// udevRecord is what udevd stored about one device in its database
// (/run/udev/data/<id>): the properties its rules added (ID_VENDOR_FROM_DATABASE,
// ID_SERIAL, ID_FS_LABEL...) and the symlinks it made under /dev. The kernel's uevent
// file has none of these; libvirt gets them through libudev.
type udevRecord struct {
	Props map[string]string
	Links []string // absolute paths, "/dev/disk/by-id/..."
}

// maxUdevRecord bounds what is read of one database file. Real records are a few
// kilobytes; anything larger is not a udev record.
const maxUdevRecord = 1 << 20

// parseUdevRecord reads the database format of systemd's sd-device
// (device_read_db_internal_filename): one "X:value" per line, where S is a devlink
// relative to /dev, E a KEY=VALUE property, and I, L, W, G, Q, V are bookkeeping this
// driver does not need. Unknown or malformed lines are skipped, as systemd does.
func parseUdevRecord(data []byte) (udevRecord, error) {
	if len(data) > maxUdevRecord {
		return udevRecord{}, fmt.Errorf("udev database record of %d bytes is larger than %d", len(data), maxUdevRecord)
	}
	r := udevRecord{Props: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxUdevRecord)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		val := line[2:]
		switch line[0] {
		case 'S':
			if l := strings.TrimLeft(val, "/"); l != "" && !strings.Contains(l, "\x00") {
				r.Links = append(r.Links, "/dev/"+l)
			}
		case 'E':
			k, v, ok := strings.Cut(val, "=")
			if ok && k != "" {
				r.Props[k] = v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return udevRecord{}, fmt.Errorf("read udev database record: %w", err)
	}
	return r, nil
}

// udevDB reads udevd's database under dir ("/run/udev/data"). A missing directory
// means udevd does not run here, which is not an error: devices then carry only what
// the kernel reports.
type udevDB struct{ dir string }

// recordID names a device's database file as sd-device does
// (device_get_device_id): b or c with major:minor for device nodes, n with the
// interface index for network interfaces, +subsystem:sysname for everything else.
func recordID(subsystem, sysname string, props map[string]string) string {
	if maj, min := props["MAJOR"], props["MINOR"]; maj != "" && min != "" && maj != "0" {
		kind := "c"
		if subsystem == "block" {
			kind = "b"
		}
		return kind + maj + ":" + min
	}
	if idx := props["IFINDEX"]; idx != "" && subsystem == "net" {
		return "n" + idx
	}
	return "+" + subsystem + ":" + sysname
}

// lookup returns the record of a device, and false when udevd has none.
func (db udevDB) lookup(subsystem, sysname string, props map[string]string) (udevRecord, bool, error) {
	if db.dir == "" {
		return udevRecord{}, false, nil
	}
	id := recordID(subsystem, sysname, props)
	if strings.ContainsAny(id, "/\x00") {
		return udevRecord{}, false, nil
	}
	data, err := os.ReadFile(filepath.Join(db.dir, id))
	if os.IsNotExist(err) {
		return udevRecord{}, false, nil
	}
	if err != nil {
		return udevRecord{}, false, fmt.Errorf("read udev database: %w", err)
	}
	r, err := parseUdevRecord(data)
	if err != nil {
		return udevRecord{}, false, fmt.Errorf("udev database %s: %w", id, err)
	}
	return r, true, nil
}

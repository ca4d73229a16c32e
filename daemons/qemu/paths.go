package qemu

import (
	"path/filepath"
	"strconv"

	"github.com/virtunit/virtunit/daemons/driver"
)

// dirs are where the driver keeps things, as libvirt's QEMU driver lays them out
// (virQEMUDriverConfigNew in src/qemu/qemu_conf.c), so a libvirt host's files read as
// ours and the other way round.
type dirs struct {
	// config holds NAME.xml of every persistent domain (/etc/libvirt/qemu).
	config string
	// autostart holds a link to the config of every autostarted domain.
	autostart string
	// run holds NAME.xml status files of running domains and, per domain, a private
	// directory with its monitor socket (/run/libvirt/qemu).
	run string
	// log holds NAME.log: QEMU's command line and output (/var/log/libvirt/qemu).
	log string
	// confFile is qemu.conf, whose location no option changes.
	confFile string
	// capabilities caches what the emulators said when probed.
	capabilities string
	// nvram holds the UEFI variable stores of guests with firmware='efi'
	// (/var/lib/libvirt/qemu/nvram).
	nvram string
}

func dirsFor(p driver.Paths) dirs {
	config := filepath.Join(p.ConfigDir, "qemu")
	d := dirs{
		config:    config,
		autostart: filepath.Join(config, "autostart"),
		confFile:  filepath.Join(p.ConfigDir, "qemu.conf"),
		nvram:     filepath.Join(p.StateDir, "qemu", "nvram"),
	}
	if p.Privileged {
		d.run = filepath.Join(p.RunDir, "qemu")
		d.log = filepath.Join(p.LogDir, "qemu")
		d.capabilities = filepath.Join(p.CacheDir, "qemu", "capabilities")
	} else {
		d.run = filepath.Join(p.RunDir, "qemu", "run")
		d.log = filepath.Join(p.CacheDir, "qemu", "log")
		d.capabilities = filepath.Join(p.CacheDir, "qemu", "cache", "capabilities")
	}
	return d
}

func (d dirs) configFile(name string) string    { return filepath.Join(d.config, name+".xml") }
func (d dirs) autostartLink(name string) string { return filepath.Join(d.autostart, name+".xml") }
func (d dirs) statusFile(name string) string    { return filepath.Join(d.run, name+".xml") }
func (d dirs) logFile(name string) string       { return filepath.Join(d.log, name+".log") }

// consoleLog keeps everything the guest wrote to its serial console.
func (d dirs) consoleLog(name string) string { return filepath.Join(d.log, name+"-console.log") }

// domainDir is the private directory of a running domain, named as libvirt names it
// (domain-ID-SHORTNAME, the name cut to 20 characters so socket paths stay short).
func (d dirs) domainDir(id int, name string) string {
	short := []rune(name)
	if len(short) > 20 {
		short = short[:20]
	}
	return filepath.Join(d.run, "domain-"+strconv.Itoa(id)+"-"+string(short))
}

// nvramFile is the variable store a firmware='efi' guest gets: NAME_VARS.fd.
func (d dirs) nvramFile(name string) string { return filepath.Join(d.nvram, name+"_VARS.fd") }

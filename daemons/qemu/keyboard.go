package qemu

import (
	"context"
	"io"
	"os"
	"path/filepath"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// virsh send-key, inject-nmi and screenshot.

// The keycode sets of virDomainSendKey (virKeycodeSet) the driver translates.
const (
	keysLinux  = 0
	keysXT     = 1
	keysATSet1 = 2
	keysQNum   = 9
)

var keycodeSetNames = []string{"linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum"}

// linuxExtended maps the Linux keycodes above the XT range to QEMU's numbers (QNum:
// the XT scancode, with 0x80 set for the 0xe0-prefixed keys), as libvirt's keymap
// tables do.
var linuxExtended = map[uint32]uint32{
	85: 0x76, 86: 0x56, 87: 0x57, 88: 0x58, 89: 0x73, 90: 0x78, 91: 0x77, 92: 0x79, 93: 0x70,
	94: 0x7b, 95: 0x5c, 96: 0x9c, 97: 0x9d, 98: 0xb5, 99: 0x54, 100: 0xb8, 102: 0xc7, 103: 0xc8,
	104: 0xc9, 105: 0xcb, 106: 0xcd, 107: 0xcf, 108: 0xd0, 109: 0xd1, 110: 0xd2, 111: 0xd3,
	113: 0xa0, 114: 0xae, 115: 0xb0, 116: 0xde, 117: 0x59, 119: 0xc6, 121: 0x7e, 122: 0x72,
	123: 0x71, 124: 0x7d, 125: 0xdb, 126: 0xdc, 127: 0xdd, 128: 0xe8, 138: 0xf5, 142: 0xdf,
	143: 0xe3, 163: 0x99, 164: 0xa2, 165: 0x90, 166: 0xa4, 183: 0x5d, 184: 0x5e, 185: 0x5f,
}

// toQNum translates one keycode of a set to QEMU's number.
func toQNum(set, code uint32) (uint32, bool) {
	switch set {
	case keysQNum:
		return code, true
	case keysXT, keysATSet1:
		switch {
		case code < 0x80:
			return code, true
		case code&0xff00 == 0xe000 && code&0xff < 0x80:
			return 0x80 | code&0x7f, true
		}
	case keysLinux:
		if code > 0 && code <= 84 {
			return code, true
		}
		q, ok := linuxExtended[code]
		return q, ok
	}
	return 0, false
}

func (d *Driver) DomainSendKey(ctx context.Context, a libvirt.DomainSendKeyArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainSendKey"); err != nil {
		return struct{}{}, err
	}
	if len(a.Keycodes) > 16 { // VIR_DOMAIN_SEND_KEY_MAX_KEYS
		return struct{}{}, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "nkeycodes > REMOTE_DOMAIN_SEND_KEY_MAX")
	}
	keys := make([]map[string]any, 0, len(a.Keycodes))
	for _, k := range a.Keycodes {
		q, ok := toQNum(a.Codeset, k)
		if !ok {
			set := "unknown"
			if int(a.Codeset) < len(keycodeSetNames) {
				set = keycodeSetNames[a.Codeset]
			}
			return struct{}{}, virerror.New(libvirt.ErrInternalError, virerror.FromQEMU, "cannot translate keycode %d of %s codeset to qnum keycode", k, set)
		}
		keys = append(keys, map[string]any{"type": "number", "data": q})
	}
	dom, r, err := d.lockRunning(a.Dom, virerror.FromDomain)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	args := map[string]any{"keys": keys}
	if a.Holdtime > 0 {
		args["hold-time"] = a.Holdtime
	}
	if err := r.mon.Execute(ctx, "send-key", args, nil); err != nil {
		return struct{}{}, monitorError(err)
	}
	return struct{}{}, nil
}

func (d *Driver) DomainInjectNmi(ctx context.Context, a libvirt.DomainInjectNmiArgs) (struct{}, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainInjectNMI"); err != nil {
		return struct{}{}, err
	}
	dom, r, err := d.lockRunning(a.Dom, virerror.FromDomain)
	if err != nil {
		return struct{}{}, err
	}
	defer dom.job.Unlock()
	if err := r.mon.Execute(ctx, "inject-nmi", nil, nil); err != nil {
		return struct{}{}, monitorError(err)
	}
	return struct{}{}, nil
}

// DomainScreenshot is virsh screenshot: QEMU dumps the screen to a file in the guest's
// directory (PNG, as libvirt 9.0 asks QEMU 7.2 for), which goes to the client over the
// stream the call opened.
func (d *Driver) DomainScreenshot(ctx context.Context, a libvirt.DomainScreenshotArgs) (libvirt.DomainScreenshotRet, error) {
	if err := checkFlags(a.Flags, 0, "qemuDomainScreenshot"); err != nil {
		return libvirt.DomainScreenshotRet{}, err
	}
	dom, r, err := d.lockRunning(a.Dom, virerror.FromDomain)
	if err != nil {
		return libvirt.DomainScreenshotRet{}, err
	}
	defer dom.job.Unlock()
	v := dom.view()
	if len(v.def.Devices.Videos) == 0 {
		return libvirt.DomainScreenshotRet{}, virerror.New(libvirt.ErrOperationInvalid, virerror.FromQEMU, "no screens to take screenshot from")
	}
	heads := uint32(1)
	if m := v.def.Devices.Videos[0].Model; m.Heads > 0 {
		heads = uint32(m.Heads)
	}
	if a.Screen >= heads {
		return libvirt.DomainScreenshotRet{}, virerror.New(libvirt.ErrInvalidArg, virerror.FromQEMU, "no screen with index %d", a.Screen)
	}
	path := filepath.Join(r.dir, "screenshot")
	os.Remove(path)
	args := map[string]any{"filename": path, "format": "png"}
	if a.Screen > 0 {
		args["head"] = a.Screen
	}
	mime := "image/png"
	if err := r.mon.Execute(ctx, "screendump", args, nil); err != nil {
		// A QEMU built without PNG writes PPM only.
		delete(args, "format")
		mime = "image/x-portable-pixmap"
		if err := r.mon.Execute(ctx, "screendump", args, nil); err != nil {
			return libvirt.DomainScreenshotRet{}, monitorError(err)
		}
	}
	f, err := os.Open(path)
	os.Remove(path)
	if err != nil {
		return libvirt.DomainScreenshotRet{}, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "unable to open %s: %s", path, virerror.Strerror(err))
	}
	s, err := rpc.OpenStream(ctx)
	if err != nil {
		f.Close()
		return libvirt.DomainScreenshotRet{}, virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "%v", err)
	}
	go func() {
		defer f.Close()
		if _, err := io.Copy(s, f); err != nil {
			s.Abort(virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStreams, "cannot read screenshot: %v", err))
			return
		}
		s.CloseWrite()
	}()
	return libvirt.DomainScreenshotRet{Mime: libvirt.OptString{mime}}, nil
}

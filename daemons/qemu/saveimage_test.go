package qemu

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestSaveImageHeader writes an image as a save does and reads it back: the layout is
// libvirt's (92-byte header, NUL-terminated XML padded to 4 KiB, the stream after), the
// partial magic until the stream is complete, and a redefined XML in the same space.
func TestSaveImageHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := writeSaveHeader(f, "<domain/>", true)
	if err != nil {
		t.Fatal(err)
	}
	if img.streamOffset() != 4096 {
		t.Errorf("stream at %d, want 4096", img.streamOffset())
	}
	if _, err := f.Write([]byte("STREAM")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readSaveImage(path); err == nil {
		t.Error("a partial image was read as complete")
	}
	if err := completeSaveImage(f); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.HasPrefix(raw, []byte("LibvirtQemudSave\x02\x00\x00\x00")) || raw[saveHeaderLen-1+1] != '<' {
		t.Errorf("header bytes: %q", raw[:saveHeaderLen+1])
	}
	got, rf, err := readSaveImage(path)
	if err != nil {
		t.Fatal(err)
	}
	rf.Close()
	if got.xml != "<domain/>" || got.header.wasRunning != 1 || got.streamOffset() != 4096 {
		t.Errorf("read back %+v", got)
	}
	if err := rewriteSaveXML(path, "<domain><name>x</name></domain>"); err != nil {
		t.Fatal(err)
	}
	got, rf, err = readSaveImage(path)
	if err != nil {
		t.Fatal(err)
	}
	rf.Close()
	if got.xml != "<domain><name>x</name></domain>" {
		t.Errorf("redefined XML %q", got.xml)
	}
	if raw, _ := os.ReadFile(path); string(raw[4096:]) != "STREAM" {
		t.Errorf("the stream moved: %q", raw[4096:])
	}
}

// FuzzSaveImage: whatever a file holds, reading it as a save image fails cleanly or
// yields a definition within the header's bounds.
func FuzzSaveImage(f *testing.F) {
	var good bytes.Buffer
	good.Write(saveHeader{magic: saveMagic, version: saveVersion, dataLen: 16}.bytes())
	good.WriteString("<domain/>\x00\x00\x00\x00\x00\x00\x00")
	f.Add(good.Bytes())
	f.Add([]byte("LibvirtQemudPart"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := decodeSaveImage(bytes.NewReader(data))
		if err == nil && len(img.xml) > int(img.header.dataLen) {
			t.Fatalf("definition of %d bytes beyond data_len %d", len(img.xml), img.header.dataLen)
		}
	})
}

package storage_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// sparseFile writes 2 MiB of random data, a 2 MiB hole and 2 MiB of random data.
func sparseFile(t *testing.T, path string) []byte {
	t.Helper()
	content := make([]byte, 6<<20)
	rand.Read(content[:2<<20])
	rand.Read(content[4<<20:])
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteAt(content[:2<<20], 0)
	f.WriteAt(content[4<<20:], 4<<20)
	return content
}

func allocated(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

func sameContent(t *testing.T, what, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes differ from the %d sent", what, len(got), len(want))
	}
}

// TestUploadDownload sends random content up and back over the RPC stream protocol,
// byte for byte: plain and sparse (holes stay holes both ways), partial ranges, a
// qcow2 image as its file's bytes, and an upload larger than its raw volume, refused
// with libvirt's error. It runs against virtstoraged and through virtqemud, which
// relays the streams.
func TestUploadDownload(t *testing.T) {
	for _, modular := range []bool{false, true} {
		name := "virtstoraged"
		if modular {
			name = "virtqemud+virtstoraged"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var d *daemontest.Daemon
			if modular {
				d = startModular(t)
			} else {
				d = startStoraged(t, daemontest.Options{})
			}
			target := filepath.Join(poolDir(t), "up")
			tmp := t.TempDir()
			v := func(args ...string) string { return d.Virsh(t, args...) }
			v("pool-create-as", "up", "dir", "--target", target, "--build")
			v("vol-create-as", "up", "v", "6M", "--allocation", "0")
			vol := filepath.Join(target, "v")

			src := filepath.Join(tmp, "src")
			content := sparseFile(t, src)
			v("vol-upload", "--pool", "up", "v", src)
			sameContent(t, "uploaded volume", vol, content)
			v("vol-download", "--pool", "up", "v", filepath.Join(tmp, "dl"))
			sameContent(t, "downloaded file", filepath.Join(tmp, "dl"), content)

			// Sparse: the holes are not written, on either side.
			v("vol-wipe", "--pool", "up", "v")
			v("vol-upload", "--pool", "up", "v", src, "--sparse")
			sameContent(t, "sparse upload", vol, content)
			if a := allocated(t, vol); a > 5<<20 {
				t.Errorf("a sparse upload allocated %d bytes of a 6 MiB volume with a 2 MiB hole", a)
			}
			v("vol-download", "--pool", "up", "v", filepath.Join(tmp, "sdl"), "--sparse")
			sameContent(t, "sparse download", filepath.Join(tmp, "sdl"), content)
			if a := allocated(t, filepath.Join(tmp, "sdl")); a > 5<<20 {
				t.Errorf("a sparse download allocated %d bytes for a 2 MiB hole", a)
			}

			// Ranges: only what was asked for moves.
			patch := make([]byte, 1<<20)
			rand.Read(patch)
			os.WriteFile(filepath.Join(tmp, "patch"), patch, 0o644)
			v("vol-upload", "--pool", "up", "v", filepath.Join(tmp, "patch"), "--offset", "1048576", "--length", "1048576")
			copy(content[1<<20:], patch)
			sameContent(t, "volume after a partial upload", vol, content)
			v("vol-download", "--pool", "up", "v", filepath.Join(tmp, "part"), "--offset", "1572864", "--length", "524288")
			sameContent(t, "partial download", filepath.Join(tmp, "part"), content[1572864:2<<20])

			// Too big for the raw volume: libvirt's error, the volume keeps its size.
			big := filepath.Join(tmp, "big")
			os.WriteFile(big, make([]byte, 7<<20), 0o644)
			wantFails(t, d, "cannot write to stream: No space left on device", "vol-upload", "--pool", "up", "v", big)
			if st, _ := os.Stat(vol); st == nil || st.Size() != 6<<20 {
				t.Errorf("an oversized upload changed the volume's size: %v", st)
			}

			// A qcow2 volume downloads as its file.
			v("vol-create-as", "up", "q", "8M", "--format", "qcow2")
			v("vol-download", "--pool", "up", "q", filepath.Join(tmp, "q"))
			want, _ := os.ReadFile(filepath.Join(target, "q"))
			sameContent(t, "qcow2 download", filepath.Join(tmp, "q"), want)
			wantContains(t, "downloaded qcow2", qemuImgInfo(t, filepath.Join(tmp, "q")), "file format: qcow2")

			// Read-only connections may not read a volume's data either.
			out, errOut, err := daemontest.Run(t.Context(), nil, "virsh", "-r", "-c", d.URI(""), "vol-download", "--pool", "up", "v", filepath.Join(tmp, "ro"))
			if err == nil || !strings.Contains(errOut, "read only access prevents virStorageVolDownload") {
				t.Errorf("read-only vol-download: %v %s %s", err, out, errOut)
			}
		})
	}
}

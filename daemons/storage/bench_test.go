package storage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkRefresh1000 is a refresh of a pool of 500 qcow2 and 500 raw files, the
// scan bench/storage.sh times through the daemon: the first of a pool (cold), and the
// next ones, which open only the files that changed (warm).
func BenchmarkRefresh1000(b *testing.B) {
	dir := b.TempDir()
	img := filepath.Join(dir, "q0.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", img, "1M").CombinedOutput(); err != nil {
		b.Fatalf("qemu-img: %v\n%s", err, out)
	}
	q, _ := os.ReadFile(img)
	for i := range 500 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("q%d.qcow2", i)), q, 0o600)
		f, _ := os.Create(filepath.Join(dir, fmt.Sprintf("r%d.img", i)))
		f.Truncate(1 << 20)
		f.Close()
	}
	def := &poolDef{Type: poolDir}
	def.Target.Path = dir
	b.Run("cold", func(b *testing.B) {
		for range b.N {
			if _, err := refreshLocal(context.Background(), def, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		set, _ := refreshLocal(context.Background(), def, nil)
		for range b.N {
			var err error
			if set, err = refreshLocal(context.Background(), def, set.probes()); err != nil {
				b.Fatal(err)
			}
		}
		if len(set.byName) != 1000 {
			b.Fatalf("%d volumes", len(set.byName))
		}
	})
}

package vmtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Install builds the tree at src with meson (prefix /usr, as a distribution would) and
// installs it into dest, a staging directory to lay over a root filesystem. The
// build directory lives in work.
func Install(ctx context.Context, src, work, dest string) error {
	if err := need("meson", "ninja", "go"); err != nil {
		return err
	}
	build := filepath.Join(work, "build")
	steps := []*exec.Cmd{
		exec.CommandContext(ctx, "meson", "setup", "--prefix=/usr", build, src),
		exec.CommandContext(ctx, "meson", "compile", "-C", build),
		exec.CommandContext(ctx, "meson", "install", "-C", build, "--no-rebuild", "--destdir", dest),
	}
	for _, cmd := range steps {
		cmd.Env = append(os.Environ(), "DESTDIR="+dest)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %v\n%s", cmd.Args, err, tail(out, 30))
		}
	}
	return nil
}

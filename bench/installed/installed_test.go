package installed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/vmtest"
)

// side is one of the two systems: its container and the service behind its socket.
type side struct {
	name    string
	service string
	c       *vmtest.Container
}

// hosts are booted once for all benchmarks of the run.
var hosts struct {
	once  sync.Once
	sides []*side
	work  string
	err   error
}

// setupScript prepares a container: sockets enabled, ten tiny guests defined (with
// vmtest's scenario helpers), for Debian's libvirtd the qemu.conf that lets guests
// start in a container.
const setupScript = `set -e
if [ "$1" = libvirtd ]; then
	echo 'cgroup_controllers = [ ]' >> /etc/libvirt/qemu.conf
	systemctl enable --now libvirtd.socket >/dev/null 2>&1
	systemctl restart libvirtd.service
else
	systemctl enable --now virtqemud.socket >/dev/null 2>&1
fi
. /in/scenarios/lib.sh
for i in $(seq 10); do tiny_guest g$i; done
`

// TestMain powers the containers off after the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, s := range hosts.sides {
		if err := s.c.Poweroff(60 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, s.name+":", err)
		}
	}
	if hosts.work != "" {
		os.RemoveAll(hosts.work)
	}
	os.Exit(code)
}

func boot(b *testing.B) []*side {
	hosts.once.Do(func() { hosts.sides, hosts.err = bootHosts(b) })
	if hosts.err != nil {
		b.Fatal(hosts.err)
	}
	return hosts.sides
}

func bootHosts(b *testing.B) ([]*side, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("the benchmark needs root: it boots containers with systemd-nspawn")
	}
	ctx := context.Background()
	ours, err := vmtest.Rootfs(ctx, os.Stderr)
	if err != nil {
		return nil, err
	}
	debian, err := vmtest.RootfsWith(ctx, []string{"libvirt-daemon-system"}, os.Stderr)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "virtunit-bench-")
	if err != nil {
		return nil, err
	}
	hosts.work = work
	os.Chmod(work, 0o755)
	src, _ := filepath.Abs("../..")
	stage := filepath.Join(work, "stage")
	if err := vmtest.Install(ctx, src, work, stage); err != nil {
		return nil, err
	}
	in := filepath.Join(work, "in")
	os.MkdirAll(in, 0o755)
	if out, err := exec.Command("cp", qemutest.TinyImage(b), filepath.Join(in, "tiny.elf")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("copy the tiny guest: %v\n%s", err, out)
	}
	if out, err := exec.Command("cp", "-r", "../../vmtest/scenarios", in).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("copy vmtest's scenario helpers: %v\n%s", err, out)
	}
	os.Chmod(filepath.Join(in, "tiny.elf"), 0o644)
	var sides []*side
	for _, s := range []struct {
		name, service, rootfs string
		layers                []string
	}{
		{"virtunit", "virtqemud.service", ours, []string{stage}},
		{"libvirtd", "libvirtd.service", debian, nil},
	} {
		dir := filepath.Join(work, s.name)
		os.MkdirAll(dir, 0o755)
		c, err := vmtest.Boot(ctx, vmtest.Config{Rootfs: s.rootfs, Layers: s.layers, Work: dir,
			Console: filepath.Join(dir, "console.log"), Binds: []vmtest.Bind{{Host: in, Guest: "/in", ReadOnly: true}}})
		if err != nil {
			return nil, fmt.Errorf("boot %s: %w", s.name, err)
		}
		if out, err := c.Run(ctx, nil, "/bin/sh", "-c", setupScript, "sh", strings.TrimSuffix(s.service, ".service")); err != nil {
			return nil, fmt.Errorf("set up %s: %v\n%s", s.name, err, out)
		}
		sides = append(sides, &side{name: s.name, service: s.service, c: c})
	}
	return sides, nil
}

// interleave calls f for each side n times, alternating which side goes first.
func interleave(n int, sides []*side, f func(*side)) {
	for i := 0; i < n; i++ {
		order := sides
		if i%2 == 1 {
			order = []*side{sides[1], sides[0]}
		}
		for _, s := range order {
			f(s)
		}
	}
}

// timed runs script in a side's container and returns the microseconds it printed.
func (s *side) timed(b *testing.B, script string) time.Duration {
	t, err := s.times(script, 1)
	if err != nil {
		b.Fatal(err)
	}
	return t[0]
}

// times runs script in a side's container and returns the n microsecond counts its
// last line holds.
func (s *side) times(script string, n int) ([]time.Duration, error) {
	out, err := s.c.Run(context.Background(), nil, "/bin/bash", "-c", script, "bash", s.service)
	if err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", s.name, err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != n {
		return nil, fmt.Errorf("%s: no %d times in %q", s.name, n, out)
	}
	t := make([]time.Duration, n)
	for k := range f {
		us, err := strconv.Atoi(f[k])
		if err != nil {
			return nil, fmt.Errorf("%s: no %d times in %q", s.name, n, out)
		}
		t[k] = time.Duration(us) * time.Microsecond
	}
	return t, nil
}

// medianMS sorts ts and returns its median in milliseconds (the upper one of an even
// count), the statistic every benchmark here reports.
func medianMS(ts []time.Duration) float64 {
	slices.Sort(ts)
	return float64(ts[len(ts)/2].Microseconds()) / 1000
}

// now is in microseconds; bash's EPOCHREALTIME costs no process.
const clock = `now() { local t=$EPOCHREALTIME; echo "${t/./}"; }
`

// firstCallScript stops the daemon (its socket keeps listening) and times the next
// client call, which starts it.
const firstCallScript = clock + `systemctl stop "$1"
systemctl reset-failed "$1" # the rounds come faster than systemd's start limit allows
t0=$(now)
virsh -c qemu:///system list >/dev/null
t1=$(now)
echo $((t1 - t0))`

// restartScript times a restart of the daemon until all ten guests show running.
const restartScript = clock + `systemctl reset-failed "$1"
t0=$(now)
systemctl restart "$1"
until [ "$(virsh -c qemu:///system list --state-running --name 2>/dev/null | grep -c .)" -ge 10 ]; do
	[ $(( $(now) - t0 )) -lt 60000000 ] || { echo "not all 10 guests running 60 s after the restart"; exit 1; }
done
t1=$(now)
echo $((t1 - t0))`

// startAllScript starts the ten guests that are not running.
const startAllScript = `for i in $(seq 10); do
	virsh -c qemu:///system domstate g$i | grep -q running || virsh -q -c qemu:///system start g$i >/dev/null
done
[ "$(virsh -c qemu:///system list --state-running --name | grep -c .)" -ge 10 ] || { virsh -c qemu:///system list --all; exit 1; }
echo 0`

// warmCallScript times virsh list against the running daemon: the floor under the
// first call, most of it virsh's own start.
const warmCallScript = clock + `systemctl reset-failed "$1"
systemctl start "$1"
t0=$(now)
virsh -c qemu:///system list >/dev/null
t1=$(now)
echo $((t1 - t0))`

// BenchmarkWarmCall: virsh list against a running daemon, for reference.
func BenchmarkWarmCall(b *testing.B) {
	compare(b, boot(b), warmCallScript, "")
}

// BenchmarkFirstCall: virsh list against a stopped, socket-activated daemon.
func BenchmarkFirstCall(b *testing.B) {
	compare(b, boot(b), firstCallScript, "")
}

// BenchmarkRestart10Guests: systemctl restart with ten guests running, until virsh
// lists them all running again.
func BenchmarkRestart10Guests(b *testing.B) {
	compare(b, boot(b), restartScript, startAllScript)
}

// compare runs script b.N times on each side, alternating which goes first, and
// reports each side's median and their ratio.
func compare(b *testing.B, sides []*side, script, prepare string) {
	times := map[string][]time.Duration{}
	if prepare != "" {
		for _, s := range sides {
			s.timed(b, prepare)
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	b.ResetTimer()
	interleave(b.N, sides, func(s *side) { times[s.name] = append(times[s.name], s.timed(b, script)) })
	b.StopTimer()
	med := map[string]float64{}
	for name, ts := range times {
		med[name] = medianMS(ts)
		b.ReportMetric(med[name], name+"-ms")
	}
	b.ReportMetric(med["virtunit"]/med["libvirtd"], "ratio")
	b.Logf("medians of %d interleaved rounds: virtunit %.1f ms, libvirtd %.1f ms (load before: %s)",
		b.N, med["virtunit"], med["libvirtd"], strings.TrimSpace(string(load)))
}

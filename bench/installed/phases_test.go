package installed

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// phasesScript is firstCallScript with systemd's own timestamps of the activation:
// when the manager forked the service (ExecMainStartTimestamp), when the daemon said
// READY=1 (ActiveEnterTimestamp) and when virsh returned, each in microseconds after
// virsh was started. The time until the fork is virsh's own start-up plus systemd's
// reaction to the connection: the same programs on both sides, so it is the floor
// under the first call that no daemon can take away.
const phasesScript = clock + `systemctl stop "$1" 2>/dev/null
systemctl reset-failed "$1"
sleep 0.2 # the stop's own work is over before the clock starts
t0=$(now)
virsh -c qemu:///system list >/dev/null
t1=$(now)
at() { date -u -d "$(systemctl show "$1" --timestamp=us+utc -p "$2" --value)" +%s%6N; }
echo "$(( $(at "$1" ExecMainStartTimestamp) - t0 )) $(( $(at "$1" ActiveEnterTimestamp) - t0 )) $((t1 - t0))"`

// BenchmarkFirstCallPhases splits the first call (BenchmarkFirstCall) at the fork of
// the daemon and at its READY=1, to show which part of it is the daemon's.
func BenchmarkFirstCallPhases(b *testing.B) {
	sides := boot(b)
	phases := map[string][3][]time.Duration{}
	b.ResetTimer()
	interleave(b.N, sides, func(s *side) {
		p, err := s.phases()
		if err != nil {
			b.Fatal(err)
		}
		all := phases[s.name]
		for k := range all {
			all[k] = append(all[k], p[k])
		}
		phases[s.name] = all
	})
	b.StopTimer()
	for _, s := range sides {
		var med [3]float64
		for k, ts := range phases[s.name] {
			slices.Sort(ts)
			med[k] = float64(ts[len(ts)/2].Microseconds()) / 1000
		}
		b.ReportMetric(med[2]-med[0], s.name+"-daemon-ms")
		b.Logf("%s, medians of %d rounds after virsh started: fork %.1f ms, READY=1 %.1f ms, answered %.1f ms; fork to answer %.1f ms",
			s.name, b.N, med[0], med[1], med[2], med[2]-med[0])
	}
}

// phases runs phasesScript in the side's container.
func (s *side) phases() ([3]time.Duration, error) {
	var p [3]time.Duration
	out, err := s.c.Run(context.Background(), nil, "/bin/bash", "-c", phasesScript, "bash", s.service)
	if err != nil {
		return p, fmt.Errorf("%s: %v\n%s", s.name, err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != len(p) {
		return p, fmt.Errorf("%s: no phases in %q", s.name, out)
	}
	for k := range p {
		us, err := strconv.Atoi(f[k])
		if err != nil {
			return p, fmt.Errorf("%s: no phases in %q", s.name, out)
		}
		p[k] = time.Duration(us) * time.Microsecond
	}
	return p, nil
}

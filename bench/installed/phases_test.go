package installed

import (
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
// the daemon and at its READY=1, to show which part of it is the daemon's: the
// median, over the rounds, of each phase and of each round's fork to answer.
func BenchmarkFirstCallPhases(b *testing.B) {
	sides := boot(b)
	const fork, ready, answered, daemon = 0, 1, 2, 3
	phases := map[string]*[4][]time.Duration{}
	for _, s := range sides {
		phases[s.name] = &[4][]time.Duration{}
	}
	b.ResetTimer()
	interleave(b.N, sides, func(s *side) {
		t, err := s.times(phasesScript, 3)
		if err != nil {
			b.Fatal(err)
		}
		p := phases[s.name]
		for k, d := range append(t, t[answered]-t[fork]) {
			p[k] = append(p[k], d)
		}
	})
	b.StopTimer()
	meds := map[string][4]float64{}
	for _, s := range sides {
		var med [4]float64
		for k, ts := range phases[s.name] {
			med[k] = medianMS(ts)
		}
		meds[s.name] = med
		b.ReportMetric(med[daemon], s.name+"-daemon-ms")
		b.Logf("%s, medians of %d rounds after virsh started: fork %.1f ms, READY=1 %.1f ms, answered %.1f ms; fork to answer %.1f ms",
			s.name, b.N, med[fork], med[ready], med[answered], med[daemon])
	}
	// The ceiling of BenchmarkFirstCall's ratio: a daemon that answered the moment
	// systemd forked it would still wait for the earlier of the two sides' forks.
	v, l := meds["virtunit"], meds["libvirtd"]
	if l[answered] > 0 {
		floor := min(v[fork], l[fork])
		b.ReportMetric(floor/l[answered], "floor-ratio")
		b.ReportMetric(v[daemon]/l[daemon], "daemon-ratio")
		b.Logf("floor: %.1f ms until the fork, %.2f of libvirtd's first call; fork to answer, virtunit/libvirtd: %.2f",
			floor, floor/l[answered], v[daemon]/l[daemon])
	}
}

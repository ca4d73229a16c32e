package daemon

import (
	"runtime/debug"
	"testing"
)

// TestCollectOftenDuringStart: start-up runs with the lower target and gets the
// previous one back, once; a GOGC from the environment is left alone.
func TestCollectOftenDuringStart(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	restore := collectOftenDuringStart()
	if got := debug.SetGCPercent(startupGCPercent); got != startupGCPercent {
		t.Errorf("during start-up the target is %d%%, want %d%%", got, startupGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(70); got != 100 {
		t.Errorf("after start-up the target is %d%%, want 100%% back", got)
	}
	restore() // a second call changes nothing
	if got := debug.SetGCPercent(100); got != 70 {
		t.Errorf("a second restore set the target to %d%%", got)
	}

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	collectOftenDuringStart()()
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("with GOGC=50 start-up set the target to %d%%", got)
	}
}

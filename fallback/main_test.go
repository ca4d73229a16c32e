package fallback

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// daemonEnv makes the test binary act as a daemon that starts a unit in the run
// directory it names and waits to be killed (see TestSurvivesDaemonKill9).
const daemonEnv = "FALLBACK_TEST_DAEMON"

func TestMain(m *testing.M) {
	if dir := os.Getenv(daemonEnv); dir != "" {
		os.Exit(daemon(dir))
	}
	os.Exit(m.Run())
}

func daemon(dir string) int {
	r, err := New(dir, Options{})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	st, err := r.Start(context.Background(), sleeper("survivor.service"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println(st.MainPID)
	select {}
}

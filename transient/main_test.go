package transient

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/virtunit/virtunit/transient/systemdtest"
	"github.com/virtunit/virtunit/units"
)

// daemonEnv makes the test binary act as a daemon that starts units and waits to be
// killed (see TestAdoptAfterDaemonKill9).
const daemonEnv = "TRANSIENT_TEST_DAEMON"

func TestMain(m *testing.M) {
	if os.Getenv(daemonEnv) != "" {
		os.Exit(daemon())
	}
	systemdtest.Main(m, systemdtest.WithMachined())
}

// daemon starts a scope and a service, prints their pids and blocks.
func daemon() int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := New(ctx, Options{})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	for _, s := range []units.Spec{
		{Name: "killed-daemon.scope", Kind: units.Scope, Argv: []string{"sleep", "60"}},
		{Name: "killed-daemon.service", Kind: units.Service, Argv: []string{"sleep", "60"}},
	} {
		st, err := r.Start(ctx, s)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println(st.MainPID)
	}
	select {}
}

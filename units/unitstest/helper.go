package unitstest

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

// The payload of every unit in the suite is the test binary itself, re-run as a helper
// process the way os/exec's tests do: helperEnv names the behaviour and reportEnv the
// socket it reports to. The hook is an init function so that it runs before TestMain
// (which may re-execute the binary into a namespace).
const (
	helperEnv = "UNITSTEST_HELPER"
	reportEnv = "UNITSTEST_REPORT"
)

func init() {
	if cmd, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(helper(cmd, os.Args[1:]))
	}
}

// helper behaviours, chosen by helperEnv:
//
//	serve        report "ready", then run; report "hup" on SIGHUP; exit 7 on SIGUSR1
//	ignore-term  like serve, but ignore SIGTERM
//	fd3          write "hello fd3" to fd 3, then serve
//	append F W   append the line W to file F and exit 0
//	exit N       exit with status N
func helper(cmd string, args []string) int {
	switch cmd {
	case "serve", "ignore-term", "fd3":
		if cmd == "ignore-term" {
			signal.Ignore(syscall.SIGTERM)
		}
		if cmd == "fd3" {
			if _, err := os.NewFile(3, "fd3").WriteString("hello fd3"); err != nil {
				return 3
			}
		}
		sigs := make(chan os.Signal, 4)
		signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1)
		report("ready")
		for s := range sigs {
			if s == syscall.SIGUSR1 {
				return 7
			}
			report("hup")
		}
	case "append":
		f, err := os.OpenFile(args[len(args)-2], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return 2
		}
		defer f.Close()
		if _, err := fmt.Fprintln(f, args[len(args)-1]); err != nil {
			return 2
		}
		return 0
	case "exit":
		n, _ := strconv.Atoi(args[len(args)-1])
		return n
	}
	return 100
}

// report tells the test "<what> <pid>" over the report socket.
func report(what string) {
	c, err := net.Dial("unix", os.Getenv(reportEnv))
	if err != nil {
		return
	}
	defer c.Close()
	fmt.Fprintf(c, "%s %d\n", what, os.Getpid())
}

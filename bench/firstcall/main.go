// Command firstcall starts a daemon and measures how long after its exec it answers
// a first ConnectListAllDomains, with go-libvirt as the client: the daemon's part of a
// cold start, without the few tens of milliseconds virsh spends starting itself.
//
//	firstcall -socket /run/libvirt/libvirt-sock -- /usr/sbin/libvirtd -f libvirtd.conf
//
// It prints the milliseconds from exec to the socket accepting, to CONNECT_OPEN
// answered and to the listing answered, then stops the daemon with SIGTERM.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func main() {
	sock := flag.String("socket", "/run/libvirt/libvirt-sock", "the daemon's unix socket")
	uri := flag.String("uri", "qemu:///system", "URI to open")
	timeout := flag.Duration("timeout", 30*time.Second, "how long to wait for the socket")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: firstcall [-socket PATH] [-uri URI] -- DAEMON [ARGS...]")
		os.Exit(2)
	}
	if err := run(*sock, *uri, *timeout, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "firstcall:", err)
		os.Exit(1)
	}
}

func run(sock, uri string, timeout time.Duration, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	accepted, err := waitSocket(sock, t0, t0.Add(timeout))
	if err != nil {
		return err
	}
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock)))
	if err := l.ConnectToURI(libvirt.ConnectURI(uri)); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	opened := time.Since(t0)
	if _, _, err := l.ConnectListAllDomains(1, 3); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	listed := time.Since(t0)
	l.Disconnect()
	fmt.Printf("accept_ms %.1f\nopen_ms %.1f\nlist_ms %.1f\n", ms(accepted), ms(opened), ms(listed))
	return nil
}

// waitSocket dials every 100µs until the socket accepts, and says how long after t0
// it did: the poll interval bounds the error of the figure.
func waitSocket(sock string, t0, deadline time.Time) (time.Duration, error) {
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
			return time.Since(t0), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("socket %s: %w", sock, err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

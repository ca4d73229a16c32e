// Command storagebench times storage calls over one go-libvirt connection, for the
// storage benchmark (bench/storage.sh): a pool refresh as the call itself, without a
// client's start-up around it, and a volume's upload or download with go-libvirt's
// streams, a client that costs less per byte than virsh.
//
//	storagebench -socket /run/libvirt/libvirt-sock -pool big -n 20
//	storagebench -socket ... -pool up -upload FILE -vol v
//	storagebench -socket ... -pool up -download FILE -vol v
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func main() {
	sock := flag.String("socket", "", "unix socket of the daemon")
	uri := flag.String("uri", "qemu:///system", "URI to open")
	pool := flag.String("pool", "", "pool to refresh")
	n := flag.Int("n", 20, "refreshes")
	vol := flag.String("vol", "", "volume to upload to or download")
	up := flag.String("upload", "", "file to upload into the volume")
	down := flag.String("download", "", "file to download the volume into")
	flag.Parse()
	var err error
	if *up != "" || *down != "" {
		err = transfer(*sock, *uri, *pool, *vol, *up, *down)
	} else {
		err = run(*sock, *uri, *pool, *n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "storagebench:", err)
		os.Exit(1)
	}
}

func connect(sock, uri string) (*libvirt.Libvirt, error) {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock)))
	if err := l.ConnectToURI(libvirt.ConnectURI(uri)); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return l, nil
}

// transfer uploads or downloads a volume and prints how long it took.
func transfer(sock, uri, pool, vol, up, down string) error {
	l, err := connect(sock, uri)
	if err != nil {
		return err
	}
	defer l.Disconnect()
	p, err := l.StoragePoolLookupByName(pool)
	if err != nil {
		return err
	}
	v, err := l.StorageVolLookupByName(p, vol)
	if err != nil {
		return err
	}
	t := time.Now()
	if up != "" {
		f, err := os.Open(up)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := l.StorageVolUpload(v, f, 0, 0, 0); err != nil {
			return err
		}
	} else {
		f, err := os.Create(down)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := l.StorageVolDownload(v, f, 0, 0, 0); err != nil {
			return err
		}
	}
	fmt.Printf("transfer_ms %d\n", time.Since(t).Milliseconds())
	return nil
}

func run(sock, uri, name string, n int) error {
	l, err := connect(sock, uri)
	if err != nil {
		return err
	}
	defer l.Disconnect()
	p, err := l.StoragePoolLookupByName(name)
	if err != nil {
		return err
	}
	if err := l.StoragePoolRefresh(p, 0); err != nil { // warm the page cache
		return err
	}
	lat := make([]time.Duration, n)
	for i := range lat {
		t := time.Now()
		if err := l.StoragePoolRefresh(p, 0); err != nil {
			return err
		}
		lat[i] = time.Since(t)
	}
	vols, _, err := l.StoragePoolListAllVolumes(p, 1, 0)
	if err != nil {
		return err
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("refresh_median_ms %.1f\nvolumes %d\n", float64(lat[n/2].Microseconds())/1000, len(vols))
	return nil
}

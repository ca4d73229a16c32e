package iface

import (
	"context"
	"fmt"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// linkEventBuffer is the subscription socket's receive buffer: enough for the burst of
// notifications a few hundred links going away at once produce. An overflow is not
// fatal: the watcher subscribes again and reloads the table.
const linkEventBuffer = 4 << 20

// subscribe opens a netlink subscription to link changes. Closing stop ends it.
func (d *Driver) subscribe() (<-chan netlink.LinkUpdate, chan struct{}, error) {
	updates := make(chan netlink.LinkUpdate, 256)
	stop := make(chan struct{})
	opts := netlink.LinkSubscribeOptions{
		ReceiveBufferSize:      linkEventBuffer,
		ReceiveBufferForceSize: d.privileged,
		ErrorCallback: func(err error) {
			select {
			case <-stop:
			default:
				d.log.Warn("link subscription", "err", err)
			}
		},
	}
	if err := netlink.LinkSubscribeWithOptions(updates, stop, opts); err != nil {
		return nil, nil, fmt.Errorf("subscribe to link changes: %w", err)
	}
	return updates, stop, nil
}

// watch applies link notifications to the table until ctx ends. When the subscription
// breaks (its socket overflowed and notifications were lost), it subscribes again and
// reloads every link, so the table never stays wrong.
func (d *Driver) watch(ctx context.Context, updates <-chan netlink.LinkUpdate, stop chan struct{}) {
	defer close(d.done)
	for {
		d.follow(ctx, updates)
		close(stop)
		for range updates {
		}
		if ctx.Err() != nil {
			return
		}
		for {
			var err error
			if updates, stop, err = d.subscribe(); err == nil {
				if err = d.links.reload(); err == nil {
					d.log.Info("link subscription restarted; links reloaded")
					break
				}
				close(stop)
			}
			d.log.Error("cannot follow link changes", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// follow handles notifications until ctx ends or the subscription closes.
func (d *Driver) follow(ctx context.Context, updates <-chan netlink.LinkUpdate) {
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-updates:
			if !ok {
				return
			}
			name, appeared, vanished, err := d.links.refresh(int(u.Index))
			switch {
			case err != nil:
				d.log.Warn("cannot read changed link", "index", u.Index, "err", err)
			case appeared:
				d.log.Info("interface appeared", "interface", name)
			case vanished:
				d.log.Info("interface vanished", "interface", name)
			case u.Header.Type == unix.RTM_NEWLINK:
				d.log.Debug("interface changed", "interface", name)
			}
		}
	}
}

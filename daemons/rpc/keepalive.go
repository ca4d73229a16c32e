package rpc

import (
	"sync"
	"time"
)

// The KEEPALIVE program (src/rpc/virkeepaliveprotocol.x).
const (
	KeepaliveProgram = 0x6b656570
	KeepaliveVersion = 1
	keepalivePing    = 1
	keepalivePong    = 2
)

// keepalive probes a client that said it speaks the keepalive protocol: after interval
// without any packet from it, send a PING; after count unanswered PINGs, drop it.
type keepalive struct {
	mu       sync.Mutex
	timer    *time.Timer
	interval time.Duration
	count    int
	missed   int
	last     time.Time
}

// onPacket notes that the client is alive.
func (k *keepalive) onPacket(now time.Time) {
	k.mu.Lock()
	k.last = now
	k.missed = 0
	k.mu.Unlock()
}

// start arms the probe timer; probe is called from the timer with what to do.
func (k *keepalive) start(interval time.Duration, count int, probe func(dead bool)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.timer != nil || interval <= 0 {
		return
	}
	k.interval, k.count, k.last = interval, count, time.Now()
	tick := func() {
		k.mu.Lock()
		if k.timer == nil {
			k.mu.Unlock()
			return
		}
		idle := time.Since(k.last)
		if idle < k.interval {
			k.timer.Reset(k.interval - idle)
			k.mu.Unlock()
			return
		}
		dead := k.missed >= k.count
		k.missed++
		k.timer.Reset(k.interval)
		k.mu.Unlock()
		probe(dead)
	}
	k.timer = time.AfterFunc(interval, tick)
}

func (k *keepalive) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.timer != nil {
		k.timer.Stop()
		k.timer = nil
	}
}

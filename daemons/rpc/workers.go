package rpc

import "sync"

// pool runs calls on worker goroutines the way libvirt's virThreadPool does, so that
// the limits virt-admin shows and sets (srv-threadpool-info/-set) are real: min workers
// always exist, more are started up to max while every worker is busy, and priority
// workers run only high-priority calls, so lookups and destroys still get through when
// every ordinary worker is stuck in a slow call.
type pool struct {
	mu       sync.Mutex
	work     *sync.Cond // signalled when a job is queued or the pool shrinks/quits
	prioWork *sync.Cond // signalled when a priority job is queued
	queue    []job
	nprio    int // priority jobs in queue

	min, max, prioMax int
	workers, idle     int // ordinary workers, and how many of them wait for work
	prio, prioIdle    int // priority workers, and how many of them wait for work
	quit              bool
	done              sync.WaitGroup
}

type job struct {
	run      func()
	priority bool
}

// PoolParams are the thread pool figures admin clients read.
type PoolParams struct {
	MinWorkers, MaxWorkers, PrioWorkers uint32
	Workers, FreeWorkers, JobQueueDepth uint32
}

func newPool(min, max, prio int) *pool {
	p := &pool{}
	p.work = sync.NewCond(&p.mu)
	p.prioWork = sync.NewCond(&p.mu)
	p.mu.Lock()
	p.setLimitsLocked(min, max, prio)
	p.mu.Unlock()
	return p
}

// setLimitsLocked applies new limits, starting workers to reach the minimums; surplus
// workers exit when they next wait for work.
func (p *pool) setLimitsLocked(min, max, prio int) {
	if max < 1 {
		max = 1
	}
	if min > max {
		min = max
	}
	p.min, p.max, p.prioMax = min, max, prio
	for p.workers < p.min {
		p.spawnLocked(false)
	}
	for p.prio < p.prioMax {
		p.spawnLocked(true)
	}
	p.work.Broadcast()
	p.prioWork.Broadcast()
}

func (p *pool) spawnLocked(priority bool) {
	p.done.Add(1)
	if priority {
		p.prio++
	} else {
		p.workers++
	}
	go p.worker(priority)
}

// submit queues j. It never blocks: the per-client request limit bounds the queue.
func (p *pool) submit(j job) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quit {
		return false
	}
	p.queue = append(p.queue, j)
	if j.priority {
		p.nprio++
	}
	if len(p.queue) > p.idle && p.workers < p.max {
		p.spawnLocked(false)
	}
	// Wake one worker that may run j, an ordinary one first: any worker runs a
	// priority job, and each wake-up is a goroutine (often a thread) scheduled.
	switch {
	case p.idle > 0:
		p.work.Signal()
	case j.priority && p.prioIdle > 0:
		p.prioWork.Signal()
	}
	return true
}

func (p *pool) worker(priority bool) {
	defer p.done.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		j, ok := p.nextLocked(priority)
		if !ok {
			return
		}
		p.mu.Unlock()
		j.run()
		p.mu.Lock()
	}
}

// nextLocked waits for a job this worker may run; false means the worker must exit.
func (p *pool) nextLocked(priority bool) (job, bool) {
	for {
		if priority {
			if p.quit || p.prio > p.prioMax {
				p.prio--
				return job{}, false
			}
			if p.nprio > 0 {
				for i, j := range p.queue {
					if j.priority {
						p.queue = append(p.queue[:i], p.queue[i+1:]...)
						p.nprio--
						return j, true
					}
				}
			}
			p.prioIdle++
			p.prioWork.Wait()
			p.prioIdle--
			continue
		}
		if len(p.queue) > 0 {
			j := p.queue[0]
			p.queue[0] = job{}
			p.queue = p.queue[1:]
			if j.priority {
				p.nprio--
			}
			return j, true
		}
		if p.quit || p.workers > p.max {
			p.workers--
			return job{}, false
		}
		p.idle++
		p.work.Wait()
		p.idle--
	}
}

// stop lets queued jobs finish, then ends every worker.
func (p *pool) stop() {
	p.mu.Lock()
	p.quit = true
	p.work.Broadcast()
	p.prioWork.Broadcast()
	p.mu.Unlock()
	p.done.Wait()
}

func (p *pool) params() PoolParams {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolParams{
		MinWorkers:    uint32(p.min),
		MaxWorkers:    uint32(p.max),
		PrioWorkers:   uint32(p.prio),
		Workers:       uint32(p.workers),
		FreeWorkers:   uint32(p.idle),
		JobQueueDepth: uint32(len(p.queue)),
	}
}

func (p *pool) setLimits(min, max, prio int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLimitsLocked(min, max, prio)
}

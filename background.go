package kesu

import (
	"sync"

	"github.com/kesu-go/kesu/complaint"
)

// bgBatchSize is how many events the engine hands the background observers
// at once; bgMaxQueued how many batches may wait for them before the
// engine waits (so a caller that never calls Tick or Sync keeps memory
// bounded).
const (
	bgBatchSize = 256
	bgMaxQueued = 16
)

// background runs Config.Background observers on a goroutine of their own:
// the engine copies each stored event and the ticket after it into a batch,
// hands full batches over, and waits for them all in Sync. The goroutine
// runs while there are batches to see, and ends when there are none.
type background struct {
	obs []Observer

	cur *bgBatch // being filled, under the engine's mu

	mu      sync.Mutex
	queue   []*bgBatch // handed over, in commit order
	free    []*bgBatch
	running bool
	changed sync.Cond // signalled when a batch was taken and when nothing runs
}

type bgBatch struct {
	items [bgBatchSize]bgItem
	n     int
}

// bgItem is an event and the ticket right after it, with their own arrays
// and payloads (the engine reuses its own).
type bgItem struct {
	ev   complaint.Event
	p    payloads
	t    complaint.Ticket
	tags []complaint.Tag
}

func newBackground(obs []Observer) *background {
	bg := &background{obs: obs}
	bg.changed.L = &bg.mu
	return bg
}

// add copies e and t into the current batch and hands it over when full.
// The caller holds the engine's mu.
func (bg *background) add(e *complaint.Event, t *complaint.Ticket) {
	if bg.cur == nil {
		bg.mu.Lock()
		if n := len(bg.free); n > 0 {
			bg.cur = bg.free[n-1]
			bg.free = bg.free[:n-1]
		}
		bg.mu.Unlock()
		if bg.cur == nil {
			bg.cur = new(bgBatch)
		}
	}
	it := &bg.cur.items[bg.cur.n]
	bg.cur.n++
	it.ev = it.p.clone(e)
	copyTicket(&it.t, t, &it.tags)
	if bg.cur.n == bgBatchSize {
		bg.flush()
	}
}

// flush hands the current batch over. The caller holds the engine's mu.
func (bg *background) flush() {
	b := bg.cur
	if b == nil || b.n == 0 {
		return
	}
	bg.cur = nil
	bg.mu.Lock()
	for len(bg.queue) >= bgMaxQueued {
		bg.changed.Wait()
	}
	bg.queue = append(bg.queue, b)
	if !bg.running {
		bg.running = true
		go bg.run()
	}
	bg.mu.Unlock()
}

// run shows the observers the batches handed over, in order, until there
// are none.
func (bg *background) run() {
	for {
		bg.mu.Lock()
		if len(bg.queue) == 0 {
			bg.running = false
			bg.changed.Broadcast()
			bg.mu.Unlock()
			return
		}
		b := bg.queue[0]
		bg.queue[0] = nil
		bg.queue = bg.queue[1:]
		bg.changed.Broadcast()
		bg.mu.Unlock()
		for i := range b.items[:b.n] {
			it := &b.items[i]
			for _, o := range bg.obs {
				o.Observe(&it.ev, &it.t)
			}
		}
		b.n = 0
		bg.mu.Lock()
		bg.free = append(bg.free, b)
		bg.mu.Unlock()
	}
}

// wait returns once every batch handed over has been seen.
func (bg *background) wait() {
	bg.mu.Lock()
	for bg.running || len(bg.queue) > 0 {
		bg.changed.Wait()
	}
	bg.mu.Unlock()
}

// Sync waits until the background observers (Config.Background) have seen
// every event stored so far. Tick calls it before the tickers run and
// before it returns; call it before reading what they project.
func (e *Engine) Sync() {
	if e.bg == nil {
		return
	}
	e.mu.Lock()
	e.bg.flush()
	e.mu.Unlock()
	e.bg.wait()
}

package kesu

import (
	"log/slog"
	"sync"
	"time"

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
// the engine copies each stored event into a batch, with the ticket it
// needs to show them (see bgItem), hands full batches over, and waits for
// them all in Sync. The goroutine runs while there are batches to see, and
// ends when there are none.
type background struct {
	obs     []Observer
	forgets []Forgetter // the observers that are Forgetters
	log     *slog.Logger

	cur *bgBatch // being filled, under the engine's mu

	mu      sync.Mutex
	queue   []*bgBatch // handed over, in commit order
	free    []*bgBatch
	running bool
	changed sync.Cond // signalled when a batch was taken and when nothing runs

	// The goroutine's working ticket: it folds a commit's events into it,
	// from the ticket before the commit, to show each event with the
	// ticket right after it. ok is false after a fold failed, until the
	// next commit.
	work     complaint.Ticket
	workTags []complaint.Tag
	ok       bool
}

type bgBatch struct {
	items [bgBatchSize]bgItem
	n     int
}

// bgItem is an event with its own payloads (the engine reuses its own)
// and, for the first event of a commit, the ticket its observers see it
// with, or fold it into (see from).
type bgItem struct {
	ev   complaint.Event
	p    payloads
	from bgFrom
	t    complaint.Ticket // with from bgAfter or bgBefore
	tags []complaint.Tag
}

// bgFrom says where the ticket an item's event is shown with comes from.
// A commit of one event (most actions) carries the ticket after it, as
// the engine has it; a longer one (an intake and its decisions, an action
// and the decisions it triggered) carries the ticket before it once, and
// the goroutine folds the events into a copy of it (complaint.Apply, as
// the engine did), instead of the engine copying the ticket after every
// event: those copies were most of what handing events over cost the
// engine.
type bgFrom uint8

const (
	bgAfter  bgFrom = iota // t is the ticket after the event (a commit of one)
	bgBefore               // t is the ticket before the commit: fold the event into it
	bgZero                 // the commit creates the ticket: fold the event into the zero Ticket
	bgNext                 // a later event of the commit: fold it into the working ticket
	bgForget               // not an event: Engine.Forget of ticket t at ev.At
)

func newBackground(obs []Observer, log *slog.Logger) *background {
	bg := &background{obs: obs, log: log}
	for _, o := range obs {
		if f, ok := o.(Forgetter); ok {
			bg.forgets = append(bg.forgets, f)
		}
	}
	bg.changed.L = &bg.mu
	return bg
}

// addCommit copies a commit's events into the current batch, handing
// batches over as they fill: with the ticket after the event when there
// is one event, else with pre, the ticket before the commit (the zero
// Ticket, at version 0, for an intake). pre is read only when there are
// two events or more (over a copying store the engine loads it only then)
// and must not yet be re-folded. The caller holds the engine's mu.
func (bg *background) addCommit(evs []complaint.Event, pre, t *complaint.Ticket) {
	for i := range evs {
		if bg.cur == nil {
			bg.take()
		}
		it := &bg.cur.items[bg.cur.n]
		bg.cur.n++
		it.p.cloneInto(&it.ev, &evs[i])
		switch {
		case i > 0:
			it.from = bgNext
		case len(evs) == 1:
			it.from = bgAfter
			copyTicket(&it.t, t, &it.tags)
		case pre.Version == 0:
			it.from = bgZero
		default:
			it.from = bgBefore
			copyTicket(&it.t, pre, &it.tags)
		}
		if bg.cur.n == bgBatchSize {
			bg.flush()
		}
	}
}

// addForget adds Engine.Forget of ticket t at at to the current batch, in
// its place among the commits, with a copy of t. The caller holds the
// engine's mu.
func (bg *background) addForget(t *complaint.Ticket, at time.Time) {
	if len(bg.forgets) == 0 {
		return
	}
	if bg.cur == nil {
		bg.take()
	}
	it := &bg.cur.items[bg.cur.n]
	bg.cur.n++
	it.ev = complaint.Event{Ticket: t.ID, At: at}
	it.from = bgForget
	copyTicket(&it.t, t, &it.tags)
	if bg.cur.n == bgBatchSize {
		bg.flush()
	}
}

// take makes a free batch (or a new one) the current one. The caller holds
// the engine's mu.
func (bg *background) take() {
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

// ticket returns the ticket right after it.ev, folding the event
// into the working ticket when the item does not carry it; nil when a
// fold failed (which cannot happen: the engine applied the same events to
// the same ticket). Only the goroutine calls it.
func (bg *background) ticket(it *bgItem) *complaint.Ticket {
	w := &bg.work
	switch it.from {
	case bgAfter:
		return &it.t
	case bgBefore:
		copyTicket(w, &it.t, &bg.workTags)
		bg.ok = true
	case bgZero:
		*w = complaint.Ticket{}
		bg.ok = true
	}
	if !bg.ok {
		return nil
	}
	// Tags grow in the working array, not in a new one for every
	// ticket; a ticket without tags keeps a nil Tags, as the engine's.
	if w.Tags == nil {
		w.Tags = bg.workTags[:0]
	}
	if err := complaint.Apply(w, &it.ev); err != nil {
		bg.ok = false
		bg.log.Error("kesu: re-folding a stored event for the background observers failed", "ticket", it.ev.Ticket, "seq", it.ev.Seq, "err", err)
		return nil
	}
	if len(w.Tags) == 0 {
		w.Tags = nil
	} else if cap(w.Tags) > cap(bg.workTags) {
		bg.workTags = w.Tags[:0]
	}
	return w
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
			if it.from == bgForget {
				for _, f := range bg.forgets {
					f.Forget(&it.t, it.ev.At)
				}
				continue
			}
			t := bg.ticket(it)
			if t == nil {
				continue
			}
			for _, o := range bg.obs {
				o.Observe(&it.ev, t)
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

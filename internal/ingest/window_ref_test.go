package ingest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/idtab"
)

// refWindow is the Window as it was before ids were kept inline in the
// slots and tags beside the ticket (session 13, commit 26ae4ce), kept as the
// oracle of TestWindowMatchesRef and the baseline of BenchmarkWindowEvent.
// Comments stripped; see git history for them.
type refWindow struct {
	horizon time.Duration

	mu          sync.Mutex
	tickets     idtab.Table
	ext         idtab.Table
	isID, isExt func(int32, string) bool
	pages       [][]refSlot
	nslots      int32
	links       []refLink
	free        []int32
	hours       map[int64]int32
	minHour     int64
	last        int32
	pos         int64
	expired     int64
	closed      int64
}

type refSlot struct {
	t    complaint.Ticket
	tags []complaint.Tag
}

const (
	refPageBits = 10
	refPage     = 1 << refPageBits
)

func (w *refWindow) at(i int32) *refSlot {
	return &w.pages[i>>refPageBits][i&(refPage-1)]
}

type refLink struct {
	prev, next int32
	nsec       int32
	sec        int64
}

func (l *refLink) before(sec int64, nsec int32) bool {
	return l.sec < sec || (l.sec == sec && l.nsec < nsec)
}

func newRefWindow(horizon time.Duration) *refWindow {
	w := &refWindow{horizon: max(horizon, 24*time.Hour), hours: map[int64]int32{}, minHour: math.MaxInt64, last: -1}
	w.isID = func(i int32, id string) bool { return w.at(i).t.ID == id }
	w.isExt = func(i int32, id string) bool { return w.at(i).t.ExternalID == id }
	return w
}

func (w *refWindow) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tickets.Len()
}

func (w *refWindow) Counts() (closed, expired int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed, w.expired
}

// Expire returns nil: it is kept as it was before Window.Expire returned
// the tickets it forgot (TestWindowExpireMatchesReference checks those).
func (w *refWindow) Expire(now time.Time) []*complaint.Ticket {
	w.mu.Lock()
	defer w.mu.Unlock()
	cut := now.Add(-w.horizon)
	sec, nsec := cut.Unix(), int32(cut.Nanosecond())
	ch := hourOf(sec)
	if w.minHour < ch && ch-w.minHour > int64(len(w.hours)) {
		var old []int64
		for h := range w.hours {
			if h < ch {
				old = append(old, h)
			}
		}
		slices.Sort(old)
		for _, h := range old {
			w.forgetHour(h)
		}
		w.minHour = ch
	}
	for ; w.minHour < ch && len(w.hours) > 0; w.minHour++ {
		w.forgetHour(w.minHour)
	}
	if len(w.hours) == 0 {
		w.minHour = math.MaxInt64
		return nil
	}
	if w.minHour == ch {
		for i, ok := w.hours[ch]; ok && i >= 0; {
			next := w.links[i].next
			if w.links[i].before(sec, nsec) {
				w.forget(i)
				w.expired++
			}
			i = next
		}
	}
	return nil
}

func (w *refWindow) forgetHour(h int64) {
	for {
		i, ok := w.hours[h]
		if !ok {
			return
		}
		w.forget(i)
		w.expired++
	}
}

func (w *refWindow) unlink(i int32) {
	l := &w.links[i]
	if l.prev >= 0 {
		w.links[l.prev].next = l.next
	} else if h := hourOf(l.sec); l.next >= 0 {
		w.hours[h] = l.next
	} else {
		delete(w.hours, h)
	}
	if l.next >= 0 {
		w.links[l.next].prev = l.prev
	}
	l.prev, l.next = -1, -1
}

func (w *refWindow) link(i int32) {
	at := w.at(i).t.UpdatedAt
	l := &w.links[i]
	l.sec, l.nsec = at.Unix(), int32(at.Nanosecond())
	h := hourOf(l.sec)
	l.prev, l.next = -1, -1
	if head, ok := w.hours[h]; ok {
		l.next = head
		w.links[head].prev = i
	}
	w.hours[h] = i
	w.minHour = min(w.minHour, h)
}

func (w *refWindow) forget(i int32) {
	w.unlink(i)
	s := w.at(i)
	if j, _, ok := w.tickets.Find(s.t.ID, idtab.Hash(s.t.ID), w.isID); ok {
		w.tickets.Remove(j)
	}
	if s.t.ExternalID != "" {
		if j, _, ok := w.ext.Find(s.t.ExternalID, idtab.Hash(s.t.ExternalID), w.isExt); ok {
			w.ext.Remove(j)
		}
	}
	if w.last == i {
		w.last = -1
	}
	clear(s.tags[:cap(s.tags)])
	*s = refSlot{tags: s.tags[:0]}
	w.free = append(w.free, i)
}

func (w *refWindow) copyIn(i int32, t *complaint.Ticket) {
	s := w.at(i)
	s.t = *t
	if t.Tags != nil {
		s.tags = append(s.tags[:0], t.Tags...)
		s.t.Tags = s.tags
	}
}

func (w *refWindow) number(events []complaint.Event) {
	for i := range events {
		w.pos++
		events[i].Pos = w.pos
	}
}

func (w *refWindow) find(id string) int32 {
	if i := w.last; i >= 0 && w.at(i).t.ID == id {
		return i
	}
	_, i, ok := w.tickets.Find(id, idtab.Hash(id), w.isID)
	if !ok {
		return -1
	}
	w.last = i
	return i
}

func (w *refWindow) Create(_ context.Context, t *complaint.Ticket, events []complaint.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	hid := idtab.Hash(t.ID)
	at, _, ok := w.tickets.Find(t.ID, hid, w.isID)
	if ok {
		return fmt.Errorf("ingest: ticket %s: %w", t.ID, complaint.ErrDuplicate)
	}
	var hext uint32
	var atExt int
	if t.ExternalID != "" {
		hext = idtab.Hash(t.ExternalID)
		if atExt, _, ok = w.ext.Find(t.ExternalID, hext, w.isExt); ok {
			return fmt.Errorf("ingest: external id %s: %w", t.ExternalID, complaint.ErrDuplicate)
		}
	}
	w.number(events)
	if t.Status == complaint.StatusClosed {
		w.closed++
		return nil
	}
	var i int32
	if n := len(w.free); n > 0 {
		i = w.free[n-1]
		w.free = w.free[:n-1]
	} else {
		i = w.nslots
		if int(i>>refPageBits) == len(w.pages) {
			w.pages = append(w.pages, make([]refSlot, refPage))
		}
		w.nslots++
		w.links = append(w.links, refLink{prev: -1, next: -1})
	}
	w.copyIn(i, t)
	w.link(i)
	w.tickets.Insert(at, hid, i)
	if t.ExternalID != "" {
		w.ext.Insert(atExt, hext, i)
	}
	return nil
}

func (w *refWindow) Append(_ context.Context, t *complaint.Ticket, events []complaint.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.find(t.ID)
	if i < 0 {
		return fmt.Errorf("ingest: ticket %s: %w", t.ID, complaint.ErrNotFound)
	}
	if v := w.at(i).t.Version; v != t.Version-len(events) {
		return fmt.Errorf("ingest: ticket %s at version %d, not %d: %w", t.ID, v, t.Version-len(events), complaint.ErrConflict)
	}
	w.number(events)
	if t.Status == complaint.StatusClosed {
		w.forget(i)
		w.closed++
		return nil
	}
	moved := !w.at(i).t.UpdatedAt.Equal(t.UpdatedAt)
	w.copyIn(i, t)
	if moved {
		w.unlink(i)
		w.link(i)
	}
	return nil
}

func (w *refWindow) Get(_ context.Context, id string) (*complaint.Ticket, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.find(id)
	if i < 0 {
		return nil, fmt.Errorf("ingest: ticket %s: %w", id, complaint.ErrNotFound)
	}
	return w.at(i).t.Clone(), nil
}

func (w *refWindow) GetInto(_ context.Context, id string, dst *complaint.Ticket, tags *[]complaint.Tag) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.find(id)
	if i < 0 {
		return fmt.Errorf("ingest: ticket %s: %w", id, complaint.ErrNotFound)
	}
	src := &w.at(i).t
	*dst = *src
	if src.Tags != nil {
		*tags = append((*tags)[:0], src.Tags...)
		dst.Tags = *tags
	}
	return nil
}

func (w *refWindow) HoldsExternal(externalID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _, ok := w.ext.Find(externalID, idtab.Hash(externalID), w.isExt)
	return ok
}

func (w *refWindow) CopiesTickets() bool { return true }

func (w *refWindow) GetExternal(_ context.Context, externalID string) (*complaint.Ticket, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, i, ok := w.ext.Find(externalID, idtab.Hash(externalID), w.isExt)
	if !ok {
		return nil, fmt.Errorf("ingest: external id %s: %w", externalID, complaint.ErrNotFound)
	}
	return w.at(i).t.Clone(), nil
}

func (w *refWindow) state(externalID string) (string, ticketState, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, i, ok := w.ext.Find(externalID, idtab.Hash(externalID), w.isExt)
	if !ok {
		return "", ticketState{}, false
	}
	w.last = i
	t := &w.at(i).t
	return t.ID, ticketState{t.Status, t.Unit, t.Assignee}, true
}

func (w *refWindow) Events(_ context.Context, id string) ([]complaint.Event, error) {
	return nil, fmt.Errorf("ingest: events of %s: %w", id, ErrNotKept)
}

func (w *refWindow) Find(_ context.Context, q complaint.Query) ([]*complaint.Ticket, error) {
	w.mu.Lock()
	var out []*complaint.Ticket
	for i := range w.nslots {
		if t := &w.at(i).t; t.ID != "" && q.Match(t) {
			out = append(out, t.Clone())
		}
	}
	w.mu.Unlock()
	slices.SortFunc(out, func(a, b *complaint.Ticket) int {
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (w *refWindow) Scan(context.Context, int64, func(*complaint.Event) error) error { return nil }

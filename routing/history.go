package routing

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/idtab"
)

// HistoryWindow is how far back History looks (its longest window).
const HistoryWindow = 30 * 24 * time.Hour

// HistoryMarks is the most marks History keeps per customer; older ones are
// dropped first.
const HistoryMarks = 64

type markKind uint8

const (
	markContact markKind = iota + 1
	markUrge
	markReopen
	markEscalation
)

// mark is one contact, urge, reopen or escalation, 24 bytes without a
// pointer: the ticket is its idtab.Key, the category the id of its two-level
// truncation in History's category table (0 in the marks that are not
// contacts: only contacts compare categories).
type mark struct {
	at     int64  // unix nanoseconds
	ticket uint64 // idtab.Key of the ticket's id
	cat    uint32 // History.cats id of complaint.Truncate(category, 2); contacts only
	kind   markKind
}

// customerHistory is a customer's slot in History's slab. Its marks (oldest
// first, at most HistoryMarks) and the idtab.Keys of its open tickets are
// blocks of History's pools: the slot holds one pointer, its id.
type customerHistory struct {
	id     string // the customer (the key of History.tab), "" while free
	queued int64  // when Tick looks at it next (its entry in the expiry heap); 0: none
	gen    uint32 // incremented when the slot is freed: tells its old expiry entries apart
	marks  block
	open   block
}

// block is a run of n items at offset off of a pool's class c-1 items
// (capacity 1<<(c-1)); c == 0: no block.
type block struct {
	off int32
	n   uint32
	c   uint8
}

// pool hands out blocks of 1, 2, 4, … items, each class pointer-free
// chunks of poolChunk items with a free list, so that customers' marks and
// open tickets are not heap objects of their own and growing copies
// nothing. Blocks are reused; the chunks are never freed (they are bounded
// by the most items held at once, rounded up to powers of two).
type pool[T any] struct {
	items [][][]T   // items[c]: chunks of blocks of 1<<c; offset o is items[c][o/poolChunk][o%poolChunk]
	n     []int32   // n[c]: items handed out of items[c]
	free  [][]int32 // free[c]: offsets of free blocks in items[c]
}

// poolChunk is the number of items in a pool chunk: a multiple of every
// block size, so no block straddles two chunks.
const poolChunk = 1 << 12

// view returns b's items (capacity: the block's). It is valid until the
// next get of the pool.
func (p *pool[T]) view(b block) []T {
	if b.c == 0 {
		return nil
	}
	c := int(b.c - 1)
	chunk, i := p.items[c][b.off/poolChunk], int(b.off%poolChunk)
	return chunk[i : i+int(b.n) : i+1<<c]
}

// push appends x to b, moving it to a block twice as big when it is full.
func (p *pool[T]) push(b *block, x T) {
	if b.c == 0 || int(b.n) == 1<<(b.c-1) {
		c := int(b.c) // the next class
		off := p.get(c)
		old := *b
		b.off, b.c = off, uint8(c+1)
		if old.c != 0 {
			copy(p.view(block{off: off, n: old.n, c: b.c}), p.view(old))
			p.put(old)
		}
	}
	p.items[b.c-1][b.off/poolChunk][int(b.off%poolChunk)+int(b.n)] = x
	b.n++
}

// release returns b's block to the pool and empties b.
func (p *pool[T]) release(b *block) {
	if b.c != 0 {
		p.put(*b)
	}
	*b = block{}
}

func (p *pool[T]) get(c int) int32 {
	for len(p.items) <= c {
		p.items, p.n, p.free = append(p.items, nil), append(p.n, 0), append(p.free, nil)
	}
	if n := len(p.free[c]); n > 0 {
		off := p.free[c][n-1]
		p.free[c] = p.free[c][:n-1]
		return off
	}
	off := p.n[c]
	if int(off/poolChunk) == len(p.items[c]) {
		p.items[c] = append(p.items[c], make([]T, poolChunk))
	}
	p.n[c] += 1 << c
	return off
}

func (p *pool[T]) put(b block) {
	c := b.c - 1
	i := int(b.off % poolChunk)
	clear(p.items[c][b.off/poolChunk][i : i+1<<c])
	p.free[c] = append(p.free[c], b.off)
}

// expiry is an entry of History's expiry heap: when the customer in slot
// next needs trimming or forgetting. It is stale once the slot was freed
// (gen moved on) or the customer was queued earlier (queued moved on).
type expiry struct {
	at   int64
	slot int32
	gen  uint32
}

// slabShift sets the size of History's slab chunks (4096 slots): chunks
// never move, so growing the slab copies no customer.
const slabShift = 12

// History is the index of each customer's recent history that tag and route
// expressions read (history.*): a projection of the event log kept as a
// kesu.Observer, never a store scan. It keeps, per customer, the contacts,
// urges, reopens and escalations of the last HistoryWindow (at most
// HistoryMarks of them) and the open tickets. Entries are trimmed as events
// arrive and dropped by Tick once a customer has nothing recent and nothing
// open, so memory is bounded by the active customers.
//
// Customers live in a slab of fixed-size chunks (one pointer each, the id),
// found by a pointer-free hash table from the id to the slot; their marks
// (24 bytes without pointers) and open tickets are blocks of pointer-free
// pools. Categories are kept as the id of their two-level truncation in a
// table that grows with the distinct sub-categories seen (a taxonomy's
// worth). Slots, blocks and table space of forgotten customers are reused.
//
// Tickets are kept as a fixed, deterministic 64-bit hash of their id (no
// random seed, so a replay behaves the same every run), not as the string;
// customer ids are compared in full. Ids of up to 8 bytes of one length get
// distinct keys; other ids collide with probability about 2⁻⁶⁴ per pair. A
// key is only ever compared with the keys of the same customer's marks and
// open tickets (at most HistoryMarks and a few open ones), so over ten
// million look-ups the chance that one counts wrong is below 10⁻¹⁰. The
// hash is not built to resist ids crafted to collide: such a pair of one
// customer's tickets would drop one contact or escalation from the other's
// counts, or one open ticket from the customer's.
//
// The zero value is not usable; call NewHistory. A History is safe for
// concurrent use (Observe is called one at a time by the engine; Lookup may
// run concurrently).
type History struct {
	mu   sync.RWMutex
	tab  idtab.Table              // customer → slot
	is   func(int32, string) bool // whether a slot holds that customer (for tab)
	mp   pool[mark]               // the customers' marks
	op   pool[uint64]             // the idtab.Keys of the customers' open tickets
	slab [][]customerHistory      // slot s is slab[s>>slabShift][s&(1<<slabShift-1)]
	free []int32                  // freed slots, reused last in first out
	cats map[string]uint32        // complaint.Truncate(category, 2) → id (from 1)
	n    atomic.Int64
	exp  []expiry // min-heap by at: Tick looks only at what expired
}

// NewHistory returns an empty history index.
func NewHistory() *History {
	h := &History{cats: map[string]uint32{}}
	h.is = func(s int32, id string) bool { return h.slot(s).id == id }
	return h
}

// slot returns the customer in slot s.
func (h *History) slot(s int32) *customerHistory {
	return &h.slab[s>>slabShift][s&(1<<slabShift-1)]
}

// alloc returns a slot for customer id, a freed one if there is one.
func (h *History) alloc(id string) (int32, *customerHistory) {
	if n := len(h.free); n > 0 {
		s := h.free[n-1]
		h.free = h.free[:n-1]
		ch := h.slot(s)
		ch.id = id
		return s, ch
	}
	n := len(h.slab)
	if n == 0 || len(h.slab[n-1]) == 1<<slabShift {
		h.slab = append(h.slab, make([]customerHistory, 0, 1<<slabShift))
		n++
	}
	c := &h.slab[n-1]
	*c = append(*c, customerHistory{id: id})
	return int32((n-1)<<slabShift + len(*c) - 1), &(*c)[len(*c)-1]
}

// release frees slot s (its customer is forgotten) and its blocks.
func (h *History) release(s int32, ch *customerHistory) {
	h.mp.release(&ch.marks)
	h.op.release(&ch.open)
	ch.id, ch.queued = "", 0
	ch.gen++
	h.free = append(h.free, s)
}

// catID returns the id of code's two-level truncation, adding it to the
// table if it is new.
func (h *History) catID(code string) uint32 {
	sub := complaint.Truncate(code, 2)
	if c, ok := h.cats[sub]; ok {
		return c
	}
	c := uint32(len(h.cats) + 1)
	h.cats[strings.Clone(sub)] = c
	return c
}

// Observe implements kesu.Observer. Only the events that add a mark
// (received, urged, reopened, escalated) or open or close a ticket
// (received, resolved, reopened) look the customer up; the others return at
// once. It does not allocate once a customer's marks and open tickets fit
// their slices (a forgotten customer's slot and slices serve the next new
// one).
func (h *History) Observe(e *complaint.Event, t *complaint.Ticket) {
	if t.Customer == "" {
		return
	}
	var k markKind
	at := e.At
	switch e.Type {
	case complaint.EventReceived:
		k, at = markContact, t.ReceivedAt
	case complaint.EventUrged:
		k = markUrge
	case complaint.EventReopened:
		k = markReopen
	case complaint.EventEscalated:
		k = markEscalation
	case complaint.EventResolved:
		// closes the ticket (resolved, visited and closed are not open)
	default:
		// No other event adds a mark, opens or closes a ticket (see
		// complaint's lifecycle): the index already holds what it says, so
		// most of a ticket's events cost nothing here.
		return
	}
	tk, ck := idtab.Key(t.ID), idtab.Hash(t.Customer)
	h.mu.Lock()
	defer h.mu.Unlock()
	var s int32
	var ch *customerHistory
	if i, found, ok := h.tab.Find(t.Customer, ck, h.is); ok {
		s = found
		ch = h.slot(s)
	} else {
		if k == 0 && !t.Open() {
			return
		}
		s, ch = h.alloc(t.Customer)
		h.tab.Insert(i, ck, s)
		h.n.Add(1)
	}
	if k != 0 {
		var cat uint32
		if k == markContact {
			cat = h.catID(t.Category)
		}
		h.trim(ch, at.UnixNano()-int64(HistoryWindow))
		h.pushMark(ch, mark{at: at.UnixNano(), kind: k, ticket: tk, cat: cat})
		if e.Type == complaint.EventReceived && t.Escalated {
			h.pushMark(ch, mark{at: at.UnixNano(), kind: markEscalation, ticket: tk})
		}
	}
	open := h.op.view(ch.open)
	i := slices.Index(open, tk)
	switch {
	case t.Open() && i < 0:
		h.op.push(&ch.open, tk)
	case !t.Open() && i >= 0:
		open = slices.Delete(open, i, i+1)
		ch.open.n = uint32(len(open))
	}
	h.schedule(s, ch, e.At.UnixNano())
}

// Forget implements kesu.Forgetter: the engine's store no longer holds the
// open ticket t (a replay window forgets tickets idle past its horizon), so
// it no longer counts among its customer's open tickets, and the customer
// is dropped at a Tick once nothing recent is left either. The marks stay:
// they are the customer's history, and leave with the window.
func (h *History) Forget(t *complaint.Ticket, at time.Time) {
	if t.Customer == "" {
		return
	}
	tk, ck := idtab.Key(t.ID), idtab.Hash(t.Customer)
	h.mu.Lock()
	defer h.mu.Unlock()
	_, s, ok := h.tab.Find(t.Customer, ck, h.is)
	if !ok {
		return
	}
	ch := h.slot(s)
	open := h.op.view(ch.open)
	i := slices.Index(open, tk)
	if i < 0 {
		return
	}
	open = slices.Delete(open, i, i+1)
	ch.open.n = uint32(len(open))
	h.schedule(s, ch, at.UnixNano())
}

// schedule queues the customer in slot s for the first Tick after its
// oldest mark left the window (or, with no marks and no open ticket, the
// first Tick from now).
func (h *History) schedule(s int32, ch *customerHistory, now int64) {
	var at int64
	marks := h.mp.view(ch.marks)
	switch {
	case len(marks) > 0 && ch.queued != 0:
		// Queued no later than every older mark's expiry: only the newest
		// mark (marks may arrive out of order) can bring it forward.
		at = marks[len(marks)-1].at + int64(HistoryWindow)
	case len(marks) > 0:
		at = marks[0].at + int64(HistoryWindow)
		for _, m := range marks[1:] {
			at = min(at, m.at+int64(HistoryWindow))
		}
	case ch.open.n == 0:
		at = now - 1
	default:
		return // open tickets: looked at again when one closes
	}
	if at == 0 {
		at = 1
	}
	if ch.queued != 0 && ch.queued <= at {
		return
	}
	ch.queued = at
	h.exp = append(h.exp, expiry{at: at, slot: s, gen: ch.gen})
	for i := len(h.exp) - 1; i > 0; {
		p := (i - 1) / 2
		if h.exp[p].at <= h.exp[i].at {
			break
		}
		h.exp[i], h.exp[p] = h.exp[p], h.exp[i]
		i = p
	}
}

func (h *History) popExpiry() expiry {
	top := h.exp[0]
	n := len(h.exp) - 1
	h.exp[0] = h.exp[n]
	h.exp = h.exp[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.exp[l].at < h.exp[m].at {
			m = l
		}
		if r < n && h.exp[r].at < h.exp[m].at {
			m = r
		}
		if m == i {
			break
		}
		h.exp[i], h.exp[m] = h.exp[m], h.exp[i]
		i = m
	}
	return top
}

// trim drops ch's leading marks older than before.
func (h *History) trim(ch *customerHistory, before int64) {
	marks := h.mp.view(ch.marks)
	n := 0
	for n < len(marks) && marks[n].at < before {
		n++
	}
	if n > 0 {
		ch.marks.n = uint32(len(slices.Delete(marks, 0, n)))
	}
}

// pushMark appends m to ch's marks, dropping the oldest first if there are
// HistoryMarks.
func (h *History) pushMark(ch *customerHistory, m mark) {
	if ch.marks.n == HistoryMarks {
		marks := h.mp.view(ch.marks)
		ch.marks.n = uint32(len(slices.Delete(marks, 0, 1)))
	}
	h.mp.push(&ch.marks, m)
}

// Lookup returns the recent history of customer for a ticket (excluded from
// the counts) on category, as of now. It does not allocate.
func (h *History) Lookup(customer, ticket, category string, now time.Time) HistoryView {
	var v HistoryView
	if h == nil || customer == "" {
		return v
	}
	ck, tk := idtab.Hash(customer), idtab.Key(ticket)
	sub := complaint.Truncate(category, 2)
	h.mu.RLock()
	defer h.mu.RUnlock()
	_, found, ok := h.tab.Find(customer, ck, h.is)
	if !ok {
		return v
	}
	ch := h.slot(found)
	cat := h.cats[sub] // 0 (no contact's) if no contact had it
	n := now.UnixNano()
	d7, d30 := n-int64(7*24*time.Hour), n-int64(HistoryWindow)
	marks := h.mp.view(ch.marks)
	for i := range marks {
		m := &marks[i]
		if m.at < d30 || m.at > n {
			continue
		}
		switch m.kind {
		case markContact:
			if m.cat == cat && m.ticket != tk {
				v.Contacts30d++
				if m.at >= d7 {
					v.Contacts7d++
				}
			}
		case markUrge:
			v.Urges30d++
		case markReopen:
			v.Reopens30d++
		case markEscalation:
			if m.ticket != tk {
				v.Escalations++
			}
		}
	}
	for _, id := range h.op.view(ch.open) {
		if id != tk {
			v.Open++
		}
	}
	return v
}

// Tick drops what is older than HistoryWindow before now and forgets the
// customers left with nothing recent and nothing open. It looks only at the
// customers whose oldest mark left the window since (a min-heap by expiry),
// so it costs O(expired · log n). It implements kesu.Ticker and never fails.
func (h *History) Tick(_ context.Context, now time.Time) error {
	n := now.UnixNano()
	before := n - int64(HistoryWindow)
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.exp) > 0 && h.exp[0].at < n {
		x := h.popExpiry()
		ch := h.slot(x.slot)
		if ch.gen != x.gen || ch.queued != x.at {
			continue // stale: forgotten or rescheduled earlier
		}
		ch.queued = 0
		ch.marks.n = uint32(len(slices.DeleteFunc(h.mp.view(ch.marks), func(m mark) bool { return m.at < before })))
		if ch.marks.n == 0 && ch.open.n == 0 {
			i, _, _ := h.tab.Find(ch.id, idtab.Hash(ch.id), h.is)
			h.tab.Remove(i)
			h.release(x.slot, ch)
			h.n.Add(-1)
			continue
		}
		h.schedule(x.slot, ch, n)
	}
	return nil
}

// Len returns the number of customers the index holds.
func (h *History) Len() int { return int(h.n.Load()) }

// Workload counts each handler's open tickets, for the least-loaded and
// skills strategies and for capacity limits: a projection of the event log
// kept as a kesu.Observer. The zero value is not usable; call NewWorkload.
// It is safe for concurrent use.
type Workload struct {
	mu sync.Mutex
	// tab maps the open, assigned tickets' ids to their slots in held
	// (free lists the emptied ones): a table without pointers, where a
	// map[string]string of a few hundred thousand tickets cost a cache
	// miss on the map and one on the key's bytes per look-up.
	tab  idtab.Table
	is   func(s int32, id string) bool
	held []assigned
	free []int32
	load map[string]int
}

// assigned is an open ticket and its handler.
type assigned struct{ id, handler string }

// NewWorkload returns an empty workload index.
func NewWorkload() *Workload {
	w := &Workload{load: map[string]int{}}
	// The id the engine hands over shares its bytes with the one held
	// (both are the stored ticket's), so == compares pointers, not bytes.
	w.is = func(s int32, id string) bool { return w.held[s].id == id }
	return w
}

// Observe implements kesu.Observer. It looks only at the events that can
// change a ticket's assignee or whether it is open (see movesWork): the
// others leave the count as it was, and skipping them spares a look-up of
// the ticket on most events. An observer of the engine from the start, or
// one rebuilt from the log, sees every event and counts exactly as before;
// one attached mid-stream counts a ticket it never saw from that ticket's
// next event that can move it.
func (w *Workload) Observe(e *complaint.Event, t *complaint.Ticket) {
	if !movesWork(e.Type) {
		return
	}
	cur := ""
	if t.Open() {
		cur = t.Assignee
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	hash := idtab.Hash(t.ID)
	at, s, ok := w.tab.Find(t.ID, hash, w.is)
	prev := ""
	if ok {
		prev = w.held[s].handler
	}
	if prev == cur {
		return
	}
	if cur == "" { // prev != "": held
		w.release(at, s)
		return
	}
	if prev != "" {
		if w.load[prev]--; w.load[prev] <= 0 {
			delete(w.load, prev)
		}
	}
	switch {
	case ok:
		w.held[s].handler = cur
	default:
		if n := len(w.free); n > 0 {
			s = w.free[n-1]
			w.free = w.free[:n-1]
		} else {
			s = int32(len(w.held))
			w.held = append(w.held, assigned{})
		}
		w.held[s] = assigned{id: t.ID, handler: cur}
		w.tab.Insert(at, hash, s)
	}
	w.load[cur]++
}

// Forget implements kesu.Forgetter: the engine's store no longer holds the
// open ticket t (a replay window forgets tickets idle past its horizon), so
// it no longer counts in its handler's load.
func (w *Workload) Forget(t *complaint.Ticket, _ time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	at, s, ok := w.tab.Find(t.ID, idtab.Hash(t.ID), w.is)
	if !ok {
		return
	}
	w.release(at, s)
}

// release stops counting the held ticket in slot s (at index at of the
// table): it closed, was unassigned or was forgotten. The caller holds mu.
func (w *Workload) release(at int, s int32) {
	h := w.held[s].handler
	if w.load[h]--; w.load[h] <= 0 {
		delete(w.load, h)
	}
	w.tab.Remove(at)
	w.held[s] = assigned{}
	w.free = append(w.free, s)
}

// movesWork reports whether an event of type et can change a ticket's
// assignee or whether it is open, by the lifecycle (complaint.Apply):
// TestWorkloadSkipsOnlyStillEvents applies every other type in every status
// that allows it and checks that neither changes.
func movesWork(et complaint.EventType) bool {
	switch et {
	case complaint.EventReceived, complaint.EventDispatched, complaint.EventTransferred, complaint.EventAssigned,
		complaint.EventResolved, complaint.EventVisited, complaint.EventReopened, complaint.EventClosed:
		return true
	}
	return false
}

// Load returns the number of open tickets assigned to handler.
func (w *Workload) Load(handler string) int {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.load[handler]
}

// Share counts routing decisions and how many of them went to a centralised
// city/county centre (DOMAIN.md R12: the target is about 95 %). It is a
// kesu.Observer of dispatched and transferred events, so it can be rebuilt
// from the log. The zero value is ready to use; it is safe for concurrent
// use.
type Share struct {
	total, central atomic.Int64
}

// Observe implements kesu.Observer.
func (s *Share) Observe(e *complaint.Event, _ *complaint.Ticket) {
	if (e.Type != complaint.EventDispatched && e.Type != complaint.EventTransferred) || e.Dispatch == nil {
		return
	}
	s.total.Add(1)
	if e.Dispatch.Centralised {
		s.central.Add(1)
	}
}

// Counts returns the number of centralised decisions and of all decisions.
func (s *Share) Counts() (centralised, total int64) { return s.central.Load(), s.total.Load() }

// Ratio returns the centralised share in [0, 1] (0 when nothing was counted).
func (s *Share) Ratio() float64 {
	c, t := s.Counts()
	if t == 0 {
		return 0
	}
	return float64(c) / float64(t)
}

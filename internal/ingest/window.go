package ingest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/idtab"
	"github.com/kesu-go/kesu/internal/prefetch"
)

// ErrNotKept is returned by the Window store's reads of what it does not
// keep: event histories.
var ErrNotKept = errors.New("ingest: not kept by the replay window")

// Window is a complaint.Store for replays that keeps memory bounded: it
// keeps the snapshots of open tickets only, forgets a ticket as soon as it
// closes, and forgets an open ticket once nothing has happened to it for
// the horizon (it counts those). It keeps no event log: Scan sees nothing
// and Events returns ErrNotKept. Projections (warnings, scores) see every
// event through the engine's observers, so they need no log.
//
// Its memory is proportional to the open tickets, not to the stream: each
// held ticket is one slot (the snapshot and its tags, ≈ 1.2 KB), linked in
// the bucket of its last change's hour, for expiry; the slots of forgotten
// tickets are reused. Create and Append copy the ticket they are given, and GetInto
// copies one out into the caller's buffer, so an engine over a Window
// allocates no ticket per event.
//
// The zero value is not usable; call NewWindow. It is safe for concurrent
// use.
type Window struct {
	horizon time.Duration

	mu      sync.Mutex
	tickets idtab.Table // ticket id → slot
	ext     idtab.Table // external id → slot
	// isID and isExt report whether a slot holds that ticket id or
	// external id (made once: the tables compare through them).
	isID, isExt func(int32, string) bool
	pages       [][]slot // the slots, windowPage to a page: growing adds a page, never copies
	nslots      int32
	links       []link  // by slot: its place in the hour bucket of its UpdatedAt, for expiry
	free        []int32 // slots of forgotten tickets
	// hours holds the first slot of each hour's bucket (by UpdatedAt, in
	// hours since the epoch); no bucket is older than minHour.
	hours   map[int64]int32
	minHour int64
	// last is the slot last looked up (a replay row's ticket, read and
	// written by the engine next). -1: none.
	last int32
	// gone holds the tickets Expire forgot (ngone of them, the rest
	// spare room); goneP points at them, for Expire to return.
	gone    []*gone
	ngone   int
	goneP   []*complaint.Ticket
	pos     int64
	expired int64
	closed  int64
	sink    uint64 // prefetch.Four's results (0 where the CPU prefetches)
}

// slot is one held ticket. Its ids' keys come first, in the cache line
// that also holds t.ID: a table look-up compares the probe with them
// without reading the ids' strings, which live elsewhere in the heap (a
// second cache miss per look-up). The tags are kept beside the ticket, in
// tagBuf, when they fit (most tickets carry a few), so that copying the
// ticket out reads consecutive lines instead of chasing a pointer into the
// heap; more go into tags, a heap array reused by the slot's next tickets.
type slot struct {
	slotData
	_ [(64 - unsafe.Sizeof(slotData{})%64) % 64]byte // a slot fills whole cache lines
}

type slotData struct {
	id, ext idKey // keys of t.ID and t.ExternalID
	// idHash and extHash are idtab.Hash of t.ID and t.ExternalID, for
	// forget: hashing the ids again would read their bytes.
	idHash, extHash uint32
	t               complaint.Ticket
	tags            []complaint.Tag // the array for more than slotTags tags, reused
	tagBuf          [slotTags]complaint.Tag
}

// slotTags is how many tags a slot keeps beside its ticket (in the dense
// replay, 97 % of the tickets read carry at most 4).
const slotTags = 4

// idKey is an id of up to idKeyMax bytes packed in two words with its
// length (in the top byte; zero padding), so that two ids of up to
// idKeyMax bytes are equal exactly when their keys are. A longer id's key
// is idKeyLong in the top byte and zeros: equal keys then say nothing,
// and the ids are compared as strings.
type idKey [2]uint64

const (
	idKeyMax  = 15
	idKeyLong = 0xff
)

// idKeyOf returns id's key.
func idKeyOf(id string) idKey {
	var b [16]byte
	if len(id) > idKeyMax {
		b[15] = idKeyLong
	} else {
		copy(b[:], id)
		b[15] = byte(len(id))
	}
	return idKey{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}
}

// sameString reports whether a and b are the same non-empty string in
// memory (then they are equal; others may be equal too). Empty strings
// are never the same: a fresh slot's "" has no key or hash yet.
func sameString(a, b string) bool {
	return len(a) == len(b) && len(a) > 0 && unsafe.StringData(a) == unsafe.StringData(b)
}

// is reports whether k, the key of held (the slot's id), is the key of id
// and held == id: the string is read only for ids longer than idKeyMax.
func (k *idKey) is(id, held string) bool {
	return *k == idKeyOf(id) && (k[1]>>56 != idKeyLong || held == id)
}

// windowPage is how many slots a page of the Window holds: a large window
// grows by pages, without the copy (and the two arrays at once) of a
// growing slice.
const (
	windowPageBits = 10
	windowPage     = 1 << windowPageBits
)

// at returns slot i.
func (w *Window) at(i int32) *slot {
	return &w.pages[i>>windowPageBits][i&(windowPage-1)]
}

// link places a slot in the bucket of its UpdatedAt's hour, a list in no
// particular order (an update is O(1) whatever its time: a warning's tag
// action may carry a time hours before the tickets updated since). The
// hour is the slot's: the links are 8 bytes a slot, dense, and an update
// within the hour touches none.
type link struct {
	prev, next int32
}

// hourAt returns the hour of slot i's bucket: its UpdatedAt's.
func (w *Window) hourAt(i int32) int64 { return hourOf(w.at(i).t.UpdatedAt.Unix()) }

var _ complaint.Store = (*Window)(nil)

// NewWindow returns a Window forgetting open tickets idle for horizon
// (at least a day).
func NewWindow(horizon time.Duration) *Window {
	w := &Window{horizon: max(horizon, 24*time.Hour), hours: map[int64]int32{}, minHour: math.MaxInt64, last: -1}
	w.isID = func(i int32, id string) bool { s := w.at(i); return s.id.is(id, s.t.ID) }
	w.isExt = func(i int32, id string) bool { s := w.at(i); return s.ext.is(id, s.t.ExternalID) }
	return w
}

// Len returns how many tickets the window holds.
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tickets.Len()
}

// Counts returns how many tickets were forgotten because they closed and
// because they stayed idle past the horizon.
func (w *Window) Counts() (closed, expired int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed, w.expired
}

// Expire forgets the open tickets idle since before now minus the horizon.
// It returns them as it held them, in the order forgotten (deterministic
// for a given history), in room it reuses at its next call: the replay
// tells the engine (kesu.Engine.Forget), whose observers then drop what
// they keep of them.
func (w *Window) Expire(now time.Time) []*complaint.Ticket {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.goneP)
	w.goneP = w.goneP[:0]
	w.ngone = 0
	cut := now.Add(-w.horizon)
	sec, nsec := cut.Unix(), int32(cut.Nanosecond())
	ch := hourOf(sec)
	if w.minHour < ch && ch-w.minHour > int64(len(w.hours)) {
		// Fewer buckets than hours to look at (a first Expire, a gap in
		// the input): visit the buckets below the cut's hour, in order.
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
		return w.goneP
	}
	if w.minHour == ch { // the cut's hour: those before the cut
		for i, ok := w.hours[ch]; ok && i >= 0; {
			next := w.links[i].next
			if u := &w.at(i).t.UpdatedAt; u.Unix() < sec || (u.Unix() == sec && int32(u.Nanosecond()) < nsec) {
				w.expire(i)
			}
			i = next
		}
	}
	return w.goneP
}

// gone is a ticket Expire forgot, copied out of its slot with its tags.
type gone struct {
	t    complaint.Ticket
	tags []complaint.Tag
}

// expire forgets the idle ticket in slot i, copying it into gone first.
func (w *Window) expire(i int32) {
	if w.ngone == len(w.gone) {
		w.gone = append(w.gone, new(gone))
	}
	g := w.gone[w.ngone]
	w.ngone++
	src := &w.at(i).t
	g.t = *src
	if src.Tags != nil {
		g.tags = append(g.tags[:0], src.Tags...)
		g.t.Tags = g.tags
	}
	w.goneP = append(w.goneP, &g.t)
	w.forget(i)
	w.expired++
}

// forgetHour forgets every ticket in hour h's bucket.
func (w *Window) forgetHour(h int64) {
	for {
		i, ok := w.hours[h]
		if !ok {
			return
		}
		w.expire(i)
	}
}

// hourOf returns the hour since the epoch of a time in unix seconds.
func hourOf(sec int64) int64 {
	h := sec / 3600
	if sec%3600 < 0 {
		h--
	}
	return h
}

// unlink takes slot i out of its bucket, hour h's.
func (w *Window) unlink(i int32, h int64) {
	l := &w.links[i]
	if l.prev >= 0 {
		w.links[l.prev].next = l.next
	} else if l.next >= 0 {
		w.hours[h] = l.next
	} else {
		delete(w.hours, h)
	}
	if l.next >= 0 {
		w.links[l.next].prev = l.prev
	}
	l.prev, l.next = -1, -1
}

// link puts slot i in the bucket of its UpdatedAt's hour.
func (w *Window) link(i int32) {
	h := w.hourAt(i)
	l := &w.links[i]
	l.prev, l.next = -1, -1
	if head, ok := w.hours[h]; ok {
		l.next = head
		w.links[head].prev = i
	}
	w.hours[h] = i
	w.minHour = min(w.minHour, h)
}

// forget drops the ticket in slot i and keeps the slot for reuse.
func (w *Window) forget(i int32) {
	w.unlink(i, w.hourAt(i))
	s := w.at(i)
	if j, _, ok := w.tickets.Find(s.t.ID, s.idHash, w.isID); ok {
		w.tickets.Remove(j)
	}
	if s.t.ExternalID != "" {
		if j, _, ok := w.ext.Find(s.t.ExternalID, s.extHash, w.isExt); ok {
			w.ext.Remove(j)
		}
	}
	if w.last == i {
		w.last = -1
	}
	clear(s.tags[:cap(s.tags)])
	*s = slot{slotData: slotData{tags: s.tags[:0]}}
	w.free = append(w.free, i)
}

// copyIn copies t into slot i, the tags into the slot's own room (a nil
// Tags stays nil), and keys its ids.
func (w *Window) copyIn(i int32, t *complaint.Ticket) {
	s := w.at(i)
	// The keys and hashes change with the ids; an id that is the very
	// string the slot holds (the engine's copy of it: the usual Append)
	// keeps them without reading its bytes, elsewhere in the heap.
	if !sameString(s.t.ID, t.ID) {
		s.id, s.idHash = idKeyOf(t.ID), idtab.Hash(t.ID)
	}
	if !sameString(s.t.ExternalID, t.ExternalID) {
		s.ext, s.extHash = idKeyOf(t.ExternalID), idtab.Hash(t.ExternalID)
	}
	s.t = *t
	if t.Tags != nil {
		if len(t.Tags) <= slotTags {
			s.t.Tags = s.tagBuf[:copy(s.tagBuf[:], t.Tags)]
		} else {
			s.tags = append(s.tags[:0], t.Tags...)
			s.t.Tags = s.tags
		}
	}
}

func (w *Window) number(events []complaint.Event) {
	for i := range events {
		w.pos++
		events[i].Pos = w.pos
	}
}

// find returns the slot of ticket id, or -1.
func (w *Window) find(id string) int32 {
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

// Create implements complaint.Store. It copies t (and keeps no reference to
// it or to the events).
func (w *Window) Create(_ context.Context, t *complaint.Ticket, events []complaint.Event) error {
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
		if int(i>>windowPageBits) == len(w.pages) {
			w.pages = append(w.pages, make([]slot, windowPage))
		}
		w.nslots++
		w.links = append(w.links, link{prev: -1, next: -1})
	}
	w.copyIn(i, t)
	w.link(i)
	w.tickets.Insert(at, hid, i)
	if t.ExternalID != "" {
		w.ext.Insert(atExt, hext, i)
	}
	return nil
}

// Append implements complaint.Store. It copies t.
func (w *Window) Append(_ context.Context, t *complaint.Ticket, events []complaint.Event) error {
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
	// A ticket updated within the hour of its last update stays where it
	// is in that hour's bucket (in no particular order): no link is
	// touched (a cache miss each, in a large window).
	was := hourOf(w.at(i).t.UpdatedAt.Unix())
	w.copyIn(i, t)
	if h := w.hourAt(i); h != was {
		w.unlink(i, was)
		w.link(i)
	}
	return nil
}

// Get implements complaint.Store: a copy of the ticket, or ErrNotFound when
// it is unknown, closed or expired.
func (w *Window) Get(_ context.Context, id string) (*complaint.Ticket, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.find(id)
	if i < 0 {
		return nil, fmt.Errorf("ingest: ticket %s: %w", id, complaint.ErrNotFound)
	}
	return w.at(i).t.Clone(), nil
}

// GetInto copies the ticket with that id into dst, reusing *tags as the
// array of dst.Tags (a nil Tags stays nil), or returns ErrNotFound as Get
// does. The engine reads tickets through it instead of Get, with no
// allocation.
func (w *Window) GetInto(_ context.Context, id string, dst *complaint.Ticket, tags *[]complaint.Tag) error {
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

// HoldsExternal reports whether the window holds a ticket with that
// external id.
func (w *Window) HoldsExternal(externalID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _, ok := w.ext.Find(externalID, idtab.Hash(externalID), w.isExt)
	return ok
}

// CopiesTickets reports true: Create and Append copy the ticket and keep no
// reference to it or to their events, so the engine reuses its buffers.
func (w *Window) CopiesTickets() bool { return true }

// GetExternal implements complaint.Store.
func (w *Window) GetExternal(_ context.Context, externalID string) (*complaint.Ticket, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, i, ok := w.ext.Find(externalID, idtab.Hash(externalID), w.isExt)
	if !ok {
		return nil, fmt.Errorf("ingest: external id %s: %w", externalID, complaint.ErrNotFound)
	}
	return w.at(i).t.Clone(), nil
}

// ticketState is what replay needs to know of a held ticket.
type ticketState struct {
	status   complaint.Status
	unit     string
	assignee string
}

// state returns the id and state of the ticket with that external id (and
// remembers it, for the engine's reads and writes that follow).
func (w *Window) state(externalID string) (string, ticketState, bool) {
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

// prefetch starts loading what the replay of the rows ahead will read
// from the window, so that its cache misses (two a look-up in a window of
// a few hundred thousand tickets: the table's entry, then the slot)
// overlap the rows before: for far, the table entries its look-ups start
// at; for near (whose entries far's call loaded), the slot it will most
// likely find, or, for an intake, the slot it will most likely take. Either
// may be nil. It changes nothing and reports nothing: a guess that turns
// out wrong costs a wasted load.
func (w *Window) prefetch(near, far *Row) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var a, b unsafe.Pointer
	if far != nil {
		a = w.ext.Home(idtab.Hash(far.Source))
		if far.Intake != nil {
			// Create looks the ticket's id (the source's, in a replay)
			// up in the id table too.
			b = w.tickets.Home(idtab.Hash(far.Source))
		}
	}
	var s unsafe.Pointer
	if near != nil {
		i := int32(-1)
		if near.Intake != nil {
			if n := len(w.free); n > 0 {
				i = w.free[n-1]
			}
		} else {
			i = w.ext.Guess(idtab.Hash(near.Source))
		}
		if i >= 0 {
			s = unsafe.Pointer(w.at(i))
		}
	}
	if a == nil && s == nil {
		return
	}
	if a == nil {
		a = s
	}
	if b == nil {
		b = a
	}
	if s == nil {
		w.sink += prefetch.Four(a, b, a, b)
		return
	}
	// The slot's first lines: its keys, then the ticket copied out.
	w.sink += prefetch.Four(a, b, s, unsafe.Add(s, 64))
}

// Events implements complaint.Store: the window keeps no events, so it
// returns ErrNotKept.
func (w *Window) Events(_ context.Context, id string) ([]complaint.Event, error) {
	return nil, fmt.Errorf("ingest: events of %s: %w", id, ErrNotKept)
}

// Find implements complaint.Store over the tickets the window holds.
func (w *Window) Find(_ context.Context, q complaint.Query) ([]*complaint.Ticket, error) {
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

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Scan implements complaint.Store: the window keeps no log, so there is
// nothing to scan.
func (w *Window) Scan(context.Context, int64, func(*complaint.Event) error) error { return nil }

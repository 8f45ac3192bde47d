package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kesu-go/kesu/complaint"
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
// The zero value is not usable; call NewWindow. It is safe for concurrent
// use.
type Window struct {
	horizon time.Duration

	mu      sync.Mutex
	tickets map[string]*complaint.Ticket
	ext     map[string]string // external id -> ticket id
	queue   []touch           // touches in time order, for expiry
	head    int
	pos     int64
	expired int64
	closed  int64
}

type touch struct {
	id string
	at time.Time
}

var _ complaint.Store = (*Window)(nil)

// NewWindow returns a Window forgetting open tickets idle for horizon
// (at least a day).
func NewWindow(horizon time.Duration) *Window {
	return &Window{horizon: max(horizon, 24*time.Hour), tickets: map[string]*complaint.Ticket{}, ext: map[string]string{}}
}

// Len returns how many tickets the window holds.
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.tickets)
}

// Counts returns how many tickets were forgotten because they closed and
// because they stayed idle past the horizon.
func (w *Window) Counts() (closed, expired int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed, w.expired
}

// Expire forgets the open tickets idle since before now minus the horizon.
func (w *Window) Expire(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cut := now.Add(-w.horizon)
	for w.head < len(w.queue) && w.queue[w.head].at.Before(cut) {
		tc := w.queue[w.head]
		w.queue[w.head] = touch{}
		w.head++
		if t, ok := w.tickets[tc.id]; ok && t.UpdatedAt.Equal(tc.at) {
			w.forget(t)
			w.expired++
		}
	}
	if w.head > 4096 && w.head*2 > len(w.queue) {
		w.queue = append(w.queue[:0], w.queue[w.head:]...)
		w.head = 0
	}
}

func (w *Window) forget(t *complaint.Ticket) {
	delete(w.tickets, t.ID)
	if t.ExternalID != "" {
		delete(w.ext, t.ExternalID)
	}
}

func (w *Window) keep(t *complaint.Ticket, events []complaint.Event) {
	for i := range events {
		w.pos++
		events[i].Pos = w.pos
	}
	if t.Status == complaint.StatusClosed {
		w.forget(t)
		w.closed++
		return
	}
	w.tickets[t.ID] = t
	w.queue = append(w.queue, touch{t.ID, t.UpdatedAt})
}

// Create implements complaint.Store. It keeps t itself (the engine does not
// change a ticket after storing it).
func (w *Window) Create(_ context.Context, t *complaint.Ticket, events []complaint.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.tickets[t.ID]; ok {
		return fmt.Errorf("ingest: ticket %s: %w", t.ID, complaint.ErrDuplicate)
	}
	if t.ExternalID != "" {
		if _, ok := w.ext[t.ExternalID]; ok {
			return fmt.Errorf("ingest: external id %s: %w", t.ExternalID, complaint.ErrDuplicate)
		}
		w.ext[t.ExternalID] = t.ID
	}
	w.keep(t, events)
	return nil
}

// Append implements complaint.Store.
func (w *Window) Append(_ context.Context, t *complaint.Ticket, events []complaint.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	old, ok := w.tickets[t.ID]
	if !ok {
		return fmt.Errorf("ingest: ticket %s: %w", t.ID, complaint.ErrNotFound)
	}
	if old.Version != t.Version-len(events) {
		return fmt.Errorf("ingest: ticket %s at version %d, not %d: %w", t.ID, old.Version, t.Version-len(events), complaint.ErrConflict)
	}
	w.keep(t, events)
	return nil
}

// Get implements complaint.Store: a copy of the ticket, or ErrNotFound when
// it is unknown, closed or expired.
func (w *Window) Get(_ context.Context, id string) (*complaint.Ticket, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.tickets[id]
	if !ok {
		return nil, fmt.Errorf("ingest: ticket %s: %w", id, complaint.ErrNotFound)
	}
	return t.Clone(), nil
}

// GetExternal implements complaint.Store.
func (w *Window) GetExternal(ctx context.Context, externalID string) (*complaint.Ticket, error) {
	w.mu.Lock()
	id, ok := w.ext[externalID]
	w.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("ingest: external id %s: %w", externalID, complaint.ErrNotFound)
	}
	return w.Get(ctx, id)
}

// lookup returns the id of the ticket with that external id.
func (w *Window) lookup(externalID string) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.ext[externalID]
	return id, ok
}

// ticketState is what replay needs to know of a held ticket.
type ticketState struct {
	status   complaint.Status
	unit     string
	assignee string
}

// state returns the id and state of the ticket with that external id.
func (w *Window) state(externalID string) (string, ticketState, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.ext[externalID]
	if !ok {
		return "", ticketState{}, false
	}
	t := w.tickets[id]
	return id, ticketState{t.Status, t.Unit, t.Assignee}, true
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
	for _, t := range w.tickets {
		if q.Match(t) {
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

package complaint

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"
)

// Store keeps tickets and their events. The event log is the source of
// truth; ticket snapshots are the fold of their events, kept for reads.
// Implementations must be safe for concurrent use and make every write atomic
// per ticket: either all of a call's events and the snapshot are stored, or
// none.
//
// This package holds the in-memory MemStore; durable stores live in their own
// packages and pass the same conformance suite.
type Store interface {
	// Create stores a new ticket t with its first events (events[0] is
	// EventReceived; t.Version == len(events)). It sets each event's Pos.
	// If a ticket with the same ID or non-empty ExternalID exists it stores
	// nothing and returns an error wrapping ErrDuplicate.
	Create(ctx context.Context, t *Ticket, events []Event) error
	// Append stores events that take the ticket from version
	// t.Version-len(events) to t.Version, and the new snapshot t. It sets each
	// event's Pos. If the stored version is not the expected one it stores
	// nothing and returns an error wrapping ErrConflict; an unknown ticket
	// gives ErrNotFound.
	Append(ctx context.Context, t *Ticket, events []Event) error
	// Get returns the ticket with that id, or ErrNotFound.
	Get(ctx context.Context, id string) (*Ticket, error)
	// GetExternal returns the ticket with that external id, or ErrNotFound.
	GetExternal(ctx context.Context, externalID string) (*Ticket, error)
	// Events returns the events of a ticket in order, or ErrNotFound.
	Events(ctx context.Context, id string) ([]Event, error)
	// Find returns the tickets that match q, ordered by ReceivedAt then ID.
	Find(ctx context.Context, q Query) ([]*Ticket, error)
	// Scan calls fn with every event whose Pos is greater than after, in
	// log order, until fn returns an error (which Scan returns) or the log
	// ends. Projections rebuild themselves with it.
	Scan(ctx context.Context, after int64, fn func(*Event) error) error
}

// Query selects tickets in Store.Find. Zero fields do not filter.
type Query struct {
	Customer string
	Status   []Status // any of these
	// From and To bound ReceivedAt: From <= ReceivedAt < To.
	From, To time.Time
	Category string // a category code; its descendants match too
	Region   string // a region code; its descendants match too
	Open     bool   // only tickets whose status is open
	Limit    int    // at most this many (0: no limit)
}

// Match reports whether t satisfies q (stores may use it; durable stores
// translate q into their query language).
func (q *Query) Match(t *Ticket) bool {
	if q.Customer != "" && t.Customer != q.Customer {
		return false
	}
	if len(q.Status) > 0 {
		ok := false
		for _, s := range q.Status {
			if s == t.Status {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if !q.From.IsZero() && t.ReceivedAt.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && !t.ReceivedAt.Before(q.To) {
		return false
	}
	if q.Open && !t.Open() {
		return false
	}
	return Under(t.Category, q.Category) && Under(t.Region, q.Region)
}

// Sequence returns an id source that yields prefix followed by a zero-padded
// counter: "T00000001", "T00000002"… It is deterministic and safe for
// concurrent use.
func Sequence(prefix string) func() string {
	var n atomic.Int64
	return func() string {
		s := strconv.FormatInt(n.Add(1), 10)
		for len(s) < 8 {
			s = "0" + s
		}
		return prefix + s
	}
}

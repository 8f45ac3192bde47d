package complaint

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
)

// MemStore is a Store in memory. The zero value is not usable; call
// NewMemStore. It is safe for concurrent use; tickets and events it returns
// are copies.
type MemStore struct {
	mu       sync.RWMutex
	tickets  map[string]*memTicket
	external map[string]string
	log      []Event
	journal  []Record
	streams  map[string][]int
}

type memTicket struct {
	t      *Ticket
	events []int // indexes into log
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty in-memory store.
func NewMemStore() *MemStore {
	return &MemStore{tickets: make(map[string]*memTicket), external: make(map[string]string)}
}

func checkBatch(t *Ticket, events []Event, from int) error {
	if len(events) == 0 {
		return fmt.Errorf("complaint: store ticket %s: no events: %w", t.ID, ErrInvalid)
	}
	for i := range events {
		e := &events[i]
		if e.Ticket != t.ID || e.Seq != from+i+1 {
			return fmt.Errorf("complaint: store ticket %s: event %d is (%s, seq %d), want (%s, seq %d): %w",
				t.ID, i, e.Ticket, e.Seq, t.ID, from+i+1, ErrInvalid)
		}
	}
	return nil
}

// Create implements Store.
func (s *MemStore) Create(ctx context.Context, t *Ticket, events []Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.ID == "" {
		return &ValidationError{Fields: []FieldError{{Path: "id", Message: "required"}}}
	}
	if err := checkBatch(t, events, 0); err != nil {
		return err
	}
	if t.Version != len(events) {
		return fmt.Errorf("complaint: create ticket %s: version %d with %d events: %w", t.ID, t.Version, len(events), ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tickets[t.ID]; ok {
		return fmt.Errorf("complaint: create ticket %s: %w", t.ID, ErrDuplicate)
	}
	if t.ExternalID != "" {
		if id, ok := s.external[t.ExternalID]; ok {
			return fmt.Errorf("complaint: create ticket: external id %q is ticket %s: %w", t.ExternalID, id, ErrDuplicate)
		}
		s.external[t.ExternalID] = t.ID
	}
	mt := &memTicket{t: t.Clone()}
	s.appendLocked(mt, events)
	s.tickets[t.ID] = mt
	return nil
}

func (s *MemStore) appendLocked(mt *memTicket, events []Event) {
	for i := range events {
		events[i].Pos = int64(len(s.log) + 1)
		mt.events = append(mt.events, len(s.log))
		s.log = append(s.log, cloneEvent(events[i]))
	}
}

// Append implements Store.
func (s *MemStore) Append(ctx context.Context, t *Ticket, events []Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	from := t.Version - len(events)
	if err := checkBatch(t, events, from); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mt, ok := s.tickets[t.ID]
	if !ok {
		return fmt.Errorf("complaint: append ticket %s: %w", t.ID, ErrNotFound)
	}
	if mt.t.Version != from {
		return fmt.Errorf("complaint: append ticket %s: stored version %d, expected %d: %w", t.ID, mt.t.Version, from, ErrConflict)
	}
	s.appendLocked(mt, events)
	mt.t = t.Clone()
	return nil
}

// Get implements Store.
func (s *MemStore) Get(_ context.Context, id string) (*Ticket, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mt, ok := s.tickets[id]
	if !ok {
		return nil, fmt.Errorf("complaint: ticket %s: %w", id, ErrNotFound)
	}
	return mt.t.Clone(), nil
}

// GetExternal implements Store.
func (s *MemStore) GetExternal(ctx context.Context, externalID string) (*Ticket, error) {
	s.mu.RLock()
	id, ok := s.external[externalID]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("complaint: external id %q: %w", externalID, ErrNotFound)
	}
	return s.Get(ctx, id)
}

// Events implements Store.
func (s *MemStore) Events(_ context.Context, id string) ([]Event, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mt, ok := s.tickets[id]
	if !ok {
		return nil, fmt.Errorf("complaint: ticket %s: %w", id, ErrNotFound)
	}
	out := make([]Event, len(mt.events))
	for i, ix := range mt.events {
		out[i] = cloneEvent(s.log[ix])
	}
	return out, nil
}

// Find implements Store.
func (s *MemStore) Find(ctx context.Context, q Query) ([]*Ticket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []*Ticket
	for _, mt := range s.tickets {
		if q.Match(mt.t) {
			out = append(out, mt.t.Clone())
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Ticket) int {
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// Scan implements Store. fn runs without the store's lock held, so it may
// call the store.
func (s *MemStore) Scan(ctx context.Context, after int64, fn func(*Event) error) error {
	if after < 0 {
		after = 0
	}
	for pos := after; ; pos++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.RLock()
		if pos >= int64(len(s.log)) {
			s.mu.RUnlock()
			return nil
		}
		e := cloneEvent(s.log[pos])
		s.mu.RUnlock()
		if err := fn(&e); err != nil {
			return err
		}
	}
}

// Len returns the number of events in the log.
func (s *MemStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.log)
}

// cloneEvent copies an event deeply enough that callers cannot change the
// stored one through its pointers.
func cloneEvent(e Event) Event {
	if e.Intake != nil {
		v := *e.Intake
		e.Intake = &v
	}
	if e.Tags != nil {
		e.Tags = slices.Clone(e.Tags)
	}
	if e.Dispatch != nil {
		v := *e.Dispatch
		e.Dispatch = &v
	}
	if e.Assign != nil {
		v := *e.Assign
		e.Assign = &v
	}
	if e.Deadlines != nil {
		v := *e.Deadlines
		e.Deadlines = &v
	}
	if e.Approval != nil {
		v := *e.Approval
		e.Approval = &v
	}
	if e.Escalation != nil {
		v := *e.Escalation
		e.Escalation = &v
	}
	if e.Resolution != nil {
		v := *e.Resolution
		if v.Satisfied != nil {
			b := *v.Satisfied
			v.Satisfied = &b
		}
		e.Resolution = &v
	}
	if e.Visit != nil {
		v := *e.Visit
		e.Visit = &v
	}
	if e.Closing != nil {
		v := *e.Closing
		e.Closing = &v
	}
	if e.Merge != nil {
		v := *e.Merge
		e.Merge = &v
	}
	return e
}

// Clone returns a deep copy of e.
func (e *Event) Clone() Event { return cloneEvent(*e) }

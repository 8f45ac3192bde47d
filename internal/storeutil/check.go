package storeutil

import (
	"fmt"

	"github.com/kesu-go/kesu/complaint"
)

// Codec describes one store to the helpers: Name prefixes every error
// message ("sqlite", "postgres") and Corrupt is the sentinel the errors of
// undecodable rows wrap. A Codec is a value; it is safe for concurrent use.
type Codec struct {
	Name    string
	Corrupt error
}

// CheckBatch reports an error wrapping complaint.ErrInvalid unless events
// is a non-empty run of t's events numbered from+1, from+2, ...
func (c Codec) CheckBatch(t *complaint.Ticket, events []complaint.Event, from int) error {
	if len(events) == 0 {
		return fmt.Errorf("%s: store ticket %s: no events: %w", c.Name, t.ID, complaint.ErrInvalid)
	}
	for i := range events {
		e := &events[i]
		if e.Ticket != t.ID || e.Seq != from+i+1 {
			return fmt.Errorf("%s: store ticket %s: event %d is (%s, seq %d), want (%s, seq %d): %w",
				c.Name, t.ID, i, e.Ticket, e.Seq, t.ID, from+i+1, complaint.ErrInvalid)
		}
	}
	return nil
}

// CheckCreate checks a new ticket and its first events: a
// *complaint.ValidationError when t has no id, an error wrapping
// complaint.ErrInvalid when the events are not its events 1..n or its
// version is not n.
func (c Codec) CheckCreate(t *complaint.Ticket, events []complaint.Event) error {
	if t == nil || t.ID == "" {
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Path: "id", Message: "required"}}}
	}
	if err := c.CheckBatch(t, events, 0); err != nil {
		return err
	}
	if t.Version != len(events) {
		return fmt.Errorf("%s: create ticket %s: version %d with %d events: %w", c.Name, t.ID, t.Version, len(events), complaint.ErrInvalid)
	}
	return nil
}

// CheckNewBatch checks every entry of a CreateBatch batch with CheckCreate
// (the error names the entry) and that no two entries share a ticket id or
// an external id (complaint.ErrDuplicate). It returns the batch's number
// of events.
func (c Codec) CheckNewBatch(batch []complaint.NewTicket) (events int, err error) {
	ids := make(map[string]int, len(batch))
	ext := make(map[string]int, len(batch))
	for i := range batch {
		nt := &batch[i]
		if err := c.CheckCreate(nt.Ticket, nt.Events); err != nil {
			return 0, fmt.Errorf("%s: create batch entry %d: %w", c.Name, i, err)
		}
		if j, ok := ids[nt.Ticket.ID]; ok {
			return 0, fmt.Errorf("%s: create batch: entries %d and %d are both ticket %s: %w", c.Name, j, i, nt.Ticket.ID, complaint.ErrDuplicate)
		}
		ids[nt.Ticket.ID] = i
		if x := nt.Ticket.ExternalID; x != "" {
			if j, ok := ext[x]; ok {
				return 0, fmt.Errorf("%s: create batch: entries %d and %d both have external id %q: %w", c.Name, j, i, x, complaint.ErrDuplicate)
			}
			ext[x] = i
		}
		events += len(nt.Events)
	}
	return events, nil
}

// CheckRecords checks journal records about to be appended to stream at
// version expect: a *complaint.ValidationError when stream is empty, an
// error wrapping complaint.ErrInvalid unless the records belong to stream
// and are numbered expect+1, expect+2, ...
func (c Codec) CheckRecords(stream string, expect int, recs []complaint.Record) error {
	if stream == "" {
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Path: "stream", Message: "required"}}}
	}
	for i := range recs {
		if recs[i].Stream != stream || recs[i].Seq != expect+i+1 {
			return fmt.Errorf("%s: journal %s: record %d is (%s, seq %d), want seq %d: %w",
				c.Name, stream, i, recs[i].Stream, recs[i].Seq, expect+i+1, complaint.ErrInvalid)
		}
	}
	return nil
}

// ClearPos zeroes the Pos of events, after a write that did not commit.
func ClearPos(events []complaint.Event) {
	for i := range events {
		events[i].Pos = 0
	}
}

// ClearBatchPos zeroes the Pos of every event of a batch.
func ClearBatchPos(batch []complaint.NewTicket) {
	for i := range batch {
		ClearPos(batch[i].Events)
	}
}

// ClosedStatuses lists the statuses that are not open (for Query.Open), in
// complaint.Statuses order. Do not modify it.
var ClosedStatuses = func() []string {
	var out []string
	for _, st := range complaint.Statuses {
		if !st.Open() {
			out = append(out, string(st))
		}
	}
	return out
}()

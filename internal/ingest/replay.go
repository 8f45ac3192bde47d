package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

// Clock is the replay's clock: the time of the row being replayed. The
// engine reads it as its Now. It is not safe for concurrent use (a replay
// runs on one goroutine).
type Clock struct{ t time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.t = t }

// Summary counts what a replay did with its rows. Every row is counted
// exactly once in Tickets, Actions, Malformed, Refused, Unknown,
// Duplicates or Superseded.
type Summary struct {
	Rows int64 `json:"rows"`
	// Tickets were taken in; Actions applied to a ticket.
	Tickets int64 `json:"tickets"`
	Actions int64 `json:"actions"`
	// Malformed rows could not be read; Refused rows were refused by the
	// engine (validation, lifecycle, a guard); Unknown rows act on a ticket
	// the replay does not hold (never taken in, closed, or expired);
	// Duplicates take in a ticket already open; Superseded rows are
	// decisions the policy made again (tags and deadlines always;
	// acceptance, dispatch and assignment when the policy made them) and
	// are not replayed.
	Malformed  int64 `json:"malformed"`
	Refused    int64 `json:"refused"`
	Unknown    int64 `json:"unknown"`
	Duplicates int64 `json:"duplicates"`
	Superseded int64 `json:"superseded"`
	// Closed and Expired tickets were forgotten by the window.
	Closed  int64 `json:"closed"`
	Expired int64 `json:"expired"`
	// First and Last are the times of the first and last rows replayed.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
}

// Skipped returns how many rows were not replayed.
func (s Summary) Skipped() int64 {
	return s.Malformed + s.Refused + s.Unknown + s.Duplicates
}

// Replay streams a history through an engine whose store is a Window and
// whose clock is Clock. Fill it in and call Run.
type Replay struct {
	Engine *kesu.Engine
	Clock  *Clock
	Window *Window
	// Strict stops the replay at the first row that is skipped (malformed,
	// refused, unknown or a duplicate) with that row's error.
	Strict bool
	// Tick is how often (in replayed time) the engine's time-driven work
	// and the window's expiry run; default one hour.
	Tick time.Duration
	// AfterTick, when set, runs after every engine Tick (the Stack's
	// AfterTick applies the warning monitor's tags).
	AfterTick func(ctx context.Context, now time.Time)
	// NextID, when set, is given the source id of each ticket just before
	// the engine takes it in (so the engine's NewID can reuse it).
	NextID func(source string)
	// Skip is called with every skipped row's error (a *RowError) when not
	// Strict; nil ignores them (they are still counted).
	Skip func(err error)
	// Progress, when set, is called every ProgressEvery rows.
	Progress      func(Summary)
	ProgressEvery int64
}

// superseded reports whether the policy already made the decision an input
// event records: tags and deadlines always; acceptance, dispatch and
// assignment when the ticket already has them. What the policy left to
// people (a manual queue, a queue at capacity) is taken from the history.
func superseded(t complaint.EventType, st ticketState) bool {
	switch t {
	case complaint.EventTagged, complaint.EventDeadlinesSet:
		return true
	case complaint.EventAccepted:
		return st.status != complaint.StatusReceived
	case complaint.EventDispatched:
		return st.unit != ""
	case complaint.EventAssigned:
		return st.assignee != ""
	}
	return false
}

// Run reads src to its end and replays every row. It returns the summary
// and nil, or the first input error, or (when Strict) the first skipped
// row's error. The clock never goes back: a row older than the rows before
// it is replayed at the current time (a ticket keeps its own received
// time).
func (r *Replay) Run(ctx context.Context, src Reader) (Summary, error) {
	var s Summary
	tick := r.Tick
	if tick <= 0 {
		tick = time.Hour
	}
	every := r.ProgressEvery
	if every <= 0 {
		every = 100000
	}
	var next time.Time
	var row Row
	// A Prefetch shows the rows after this one: the window starts loading
	// what they will look up while this one is replayed.
	pf, _ := src.(*Prefetch)
	skip := func(err error, n *int64) error {
		*n++
		if r.Strict {
			return err
		}
		if r.Skip != nil {
			r.Skip(err)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		if err := src.Read(&row); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			var re *RowError
			if !errors.As(err, &re) {
				return s.finish(r), err
			}
			s.Rows++
			if err := skip(re, &s.Malformed); err != nil {
				return s.finish(r), err
			}
			continue
		}
		s.Rows++
		if pf != nil {
			r.Window.prefetch(pf.ahead(1), pf.ahead(2))
		}
		now := row.At
		if now.Before(r.Clock.Now()) {
			now = r.Clock.Now()
		}
		if next.IsZero() {
			next = now.Truncate(tick).Add(tick)
			s.First = now
		}
		for !next.After(now) {
			r.Clock.Set(next)
			if err := r.Engine.Tick(ctx, next); err != nil {
				return s.finish(r), fmt.Errorf("ingest: tick at %s: %w", next.Format(time.RFC3339), err)
			}
			if r.AfterTick != nil {
				r.AfterTick(ctx, next)
			}
			if gone := r.Window.Expire(next); len(gone) > 0 {
				// What the observers keep of the tickets forgotten
				// (deadline clocks and warnings, workloads, customers'
				// open tickets) goes too: memory follows the window.
				r.Engine.Forget(next, gone...)
			}
			next = next.Add(tick)
		}
		r.Clock.Set(now)
		s.Last = now
		if err := r.row(ctx, &row, &s, skip); err != nil {
			return s.finish(r), err
		}
		if r.Progress != nil && s.Rows%every == 0 {
			r.Progress(s.finish(r))
		}
	}
	return s.finish(r), nil
}

func (s Summary) finish(r *Replay) Summary {
	r.Engine.Sync() // background observers have seen every row replayed
	s.Closed, s.Expired = r.Window.Counts()
	return s
}

func (r *Replay) row(ctx context.Context, row *Row, s *Summary, skip func(error, *int64) error) error {
	if row.Intake != nil {
		in := *row.Intake
		if in.ExternalID != "" {
			if r.Window.HoldsExternal(in.ExternalID) {
				return skip(&RowError{Line: row.Line, Field: "id", Msg: fmt.Sprintf("ticket %q is already open", in.ExternalID)}, &s.Duplicates)
			}
		}
		if in.ReceivedAt.IsZero() && row.At.Before(r.Clock.Now()) {
			in.ReceivedAt = row.At
		}
		if r.NextID != nil {
			r.NextID(row.Source)
		}
		if _, err := r.Engine.Take(ctx, in); err != nil {
			return skip(&RowError{Line: row.Line, Msg: "refused: " + err.Error()}, &s.Refused)
		}
		s.Tickets++
		return nil
	}
	ev := row.Event
	id, st, ok := r.Window.state(row.Source)
	if !ok {
		if superseded(ev.Type, ticketState{status: complaint.StatusHandling, unit: "?", assignee: "?"}) {
			s.Superseded++ // a decision on a ticket already forgotten
			return nil
		}
		return skip(&RowError{Line: row.Line, Field: "ticket", Msg: fmt.Sprintf("%s on unknown ticket %q (never taken in, closed, or idle past the window)", ev.Type, row.Source)}, &s.Unknown)
	}
	if superseded(ev.Type, st) {
		s.Superseded++
		return nil
	}
	act := complaint.Event{Type: ev.Type, Actor: ev.Actor, Visibility: ev.Visibility, Text: ev.Text,
		Tags: ev.Tags, Dispatch: ev.Dispatch, Assign: ev.Assign, Deadlines: ev.Deadlines, Approval: ev.Approval,
		Escalation: ev.Escalation, Resolution: ev.Resolution, Visit: ev.Visit, Closing: ev.Closing, Merge: ev.Merge}
	if err := r.Engine.Act(ctx, id, act); err != nil {
		return skip(&RowError{Line: row.Line, Msg: "refused: " + err.Error()}, &s.Refused)
	}
	s.Actions++
	return nil
}

// IDs gives a replay's engine ticket ids equal to the source's ids, so
// warnings list the tickets as the source names them. Set it as the
// Replay's NextID and its NewID as the engine's. A row without a source id
// gets "R" and a counter. It is not safe for concurrent use.
type IDs struct {
	next string
	n    int
}

// Next records the source id of the ticket about to be taken in.
func (s *IDs) Next(source string) { s.next = source }

// NewID returns the recorded source id once, then generated ones.
func (s *IDs) NewID() string {
	id := s.next
	s.next = ""
	if id == "" {
		s.n++
		id = fmt.Sprintf("R%08d", s.n)
	}
	return id
}

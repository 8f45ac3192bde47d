package warning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// State is where a warning stands in the ledger (闭环处置滚动台账, R21).
type State string

// The ledger states, in order. A look-back that finds the key firing again
// takes a closed warning back to raised as a recurrence.
const (
	StateRaised       State = "raised"
	StateAcknowledged State = "acknowledged"
	StateHandled      State = "handled"
	StateVerified     State = "verified"
	StateClosed       State = "closed"
)

// Feedback is what the handling unit reports back (反馈): what was done.
type Feedback struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Text    string    `json:"text"`
	Actions []string  `json:"actions,omitempty"`
}

// Lookback is one look-back (回头看) after closure.
type Lookback struct {
	Due  time.Time `json:"due"`
	Done time.Time `json:"done,omitzero"`
	// Recurred is true when the key fired again: the warning reopened.
	Recurred bool `json:"recurred,omitempty"`
}

// Entry is one warning in the ledger with its handling history.
type Entry struct {
	// Warning is the latest snapshot of the warning (its evidence grows
	// while it fires).
	Warning Warning `json:"warning"`
	State   State   `json:"state"`
	// Raises are the times the warning was raised: first, then every
	// recurrence or re-firing.
	Raises []time.Time `json:"raises"`
	// Ended is when the detector stopped firing (zero while it fires).
	Ended time.Time `json:"ended,omitzero"`

	AckedAt time.Time `json:"acked_at,omitzero"`
	AckedBy string    `json:"acked_by,omitempty"`
	// AckDue and FeedbackDue come from the ledger policy by grade; AckLate
	// and FeedbackLate record whether they were missed (反馈及时率).
	AckDue       time.Time  `json:"ack_due"`
	AckLate      bool       `json:"ack_late,omitempty"`
	Feedback     []Feedback `json:"feedback,omitempty"`
	FeedbackDue  time.Time  `json:"feedback_due"`
	FeedbackLate bool       `json:"feedback_late,omitempty"`
	VerifiedAt   time.Time  `json:"verified_at,omitzero"`
	VerifiedBy   string     `json:"verified_by,omitempty"`
	ClosedAt     time.Time  `json:"closed_at,omitzero"`
	ClosedBy     string     `json:"closed_by,omitempty"`
	Lookbacks    []Lookback `json:"lookbacks,omitempty"`
	Recurrences  int        `json:"recurrences,omitempty"`
	// Version is the number of journal records of the entry.
	Version int `json:"version"`
}

// TransitionError says a ledger step is not allowed in the entry's state.
// errors.Is(err, complaint.ErrInvalidTransition) holds for it.
type TransitionError struct {
	ID     string
	State  State
	Action string
}

// Error returns "warning: <id> is <state>: cannot <action>".
func (e *TransitionError) Error() string {
	return fmt.Sprintf("warning: %s is %s: cannot %s", e.ID, e.State, e.Action)
}

// Is makes errors.Is(err, complaint.ErrInvalidTransition) true.
func (e *TransitionError) Is(target error) bool { return target == complaint.ErrInvalidTransition }

// ledgerData is the payload of a ledger record.
type ledgerData struct {
	Warning  *Warning  `json:"warning,omitempty"`
	By       string    `json:"by,omitempty"`
	Text     string    `json:"text,omitempty"`
	Actions  []string  `json:"actions,omitempty"`
	Due      time.Time `json:"due,omitzero"`
	Recurred bool      `json:"recurred,omitempty"`
}

// The ledger record types.
const (
	recRaised   = "raised"
	recRefired  = "refired"
	recReopened = "reopened"
	recUpdated  = "updated"
	recEnded    = "ended"
	recAck      = "acknowledged"
	recHandled  = "handled"
	recVerified = "verified"
	recClosed   = "closed"
	recLookback = "lookback"
	recExpired  = "expired"
)

// AutoClosedBy is the ClosedBy of an entry the ledger closed itself: a
// per-ticket warning (deadline, repeat, escalation) whose condition ended
// before anyone acknowledged it.
const AutoClosedBy = "kesu/auto"

// ErrArchived is wrapped (with complaint.ErrNotFound) by the errors of
// Get and the ledger steps for an entry that left memory when the ledger
// has no journal to reload it from.
var ErrArchived = errors.New("archived")

// Ledger is the rolling ledger of warnings: raised → acknowledged → handled
// (feedback) → verified → closed, with look-backs after closure that reopen
// a warning whose key fires again. Every change is a complaint.Record in the
// journal (stream "warning/<id>"), so LoadLedger rebuilds it after a restart.
// Explicit steps (Acknowledge…Close) are written at once; changes found on
// the hot path are queued and written on the Monitor's Tick. Memory holds
// the open entries and the LedgerConfig.Recent latest archived ones: a
// per-ticket warning (deadline, repeat, escalation) is archived when its
// condition ends, after the ledger closed it itself (AutoClosedBy) if
// nobody had acknowledged it; any entry is archived once closed with its
// look-backs done. Get and the steps reload archived entries from the
// journal. A Ledger is safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	cfg     LedgerConfig
	rec     *recorder
	entries map[string]*Entry
	byFP    map[string]string // fingerprint → latest entry id
	dirty   map[string]bool
	snaps   map[string]*Warning
	spare   []*Warning      // snapshots writeSnap is done with, cleared: pendingSnap's next
	scratch Warning         // raise's snapshot
	looking map[string]bool // closed entries with look-backs to run
	retest  func(w *Warning, now time.Time) bool

	recent  map[string]*Entry // archived entries still in memory
	recentQ []string          // their ids, oldest first
	arch    Summary           // what the archived entries add to Summary
}

// LoadLedger reads every "warning/…" record of j (nil: an empty in-memory
// ledger) and returns the ledger they describe. cfg is the ledger policy
// (zero: defaults).
func LoadLedger(ctx context.Context, j complaint.Journal, cfg LedgerConfig) (*Ledger, error) {
	if cfg.Ack == nil || len(cfg.Lookback) == 0 || cfg.Recent <= 0 {
		cfg = Config{Ledger: cfg}.Defaults().Ledger
	}
	l := &Ledger{cfg: cfg, rec: newRecorder(j), entries: map[string]*Entry{}, byFP: map[string]string{}, dirty: map[string]bool{},
		looking: map[string]bool{}, recent: map[string]*Entry{}, arch: Summary{ByState: map[State]int{}, ByKind: map[Kind]int{}}}
	if j == nil {
		return l, nil
	}
	err := j.ScanRecords(ctx, 0, func(r *complaint.Record) error {
		id, ok := strings.CutPrefix(r.Stream, "warning/")
		if !ok {
			return nil
		}
		var d ledgerData
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return fmt.Errorf("warning: ledger record %s #%d: %w", r.Stream, r.Seq, err)
		}
		e := l.entries[id]
		if e == nil {
			if r.Type != recRaised || d.Warning == nil {
				return fmt.Errorf("warning: ledger stream %s starts with %q: %w", r.Stream, r.Type, complaint.ErrInvalid)
			}
			e = &Entry{}
			l.entries[id] = e
		}
		if r.Seq != e.Version+1 {
			return fmt.Errorf("warning: ledger record %s #%d out of order: %w", r.Stream, r.Seq, complaint.ErrConflict)
		}
		l.apply(e, r.Type, r.At, &d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := slices.Collect(mapKeys(l.entries))
	slices.SortFunc(ids, func(a, b string) int { return l.entries[a].order(l.entries[b]) })
	for _, id := range ids {
		if e := l.entries[id]; archivable(e) {
			l.archive(e)
		}
	}
	return l, nil
}

// order sorts entries by their last change: last raise, end, closure.
func (e *Entry) order(o *Entry) int {
	if c := e.lastAt().Compare(o.lastAt()); c != 0 {
		return c
	}
	return strings.Compare(e.Warning.ID, o.Warning.ID)
}

func (e *Entry) lastAt() time.Time {
	t := e.Raises[len(e.Raises)-1]
	for _, u := range []time.Time{e.Ended, e.ClosedAt} {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// perTicket reports whether warnings of kind k are about one ticket or
// customer (archived once their condition ended).
func perTicket(k Kind) bool {
	return k == KindDeadline || k == KindRepeat || k == KindEscalation
}

// archivable reports whether e may leave memory: it has no look-back to
// run and is closed, or is a per-ticket warning whose condition ended.
func archivable(e *Entry) bool {
	if slices.ContainsFunc(e.Lookbacks, func(lb Lookback) bool { return lb.Done.IsZero() }) {
		return false
	}
	return e.State == StateClosed || (perTicket(e.Warning.Kind) && !e.Ended.IsZero())
}

// archive moves e out of the open entries into the bounded recent window;
// the journal keeps its history.
func (l *Ledger) archive(e *Entry) {
	id := e.Warning.ID
	l.writeSnap(e)
	delete(l.dirty, id)
	delete(l.snaps, id)
	delete(l.looking, id)
	delete(l.entries, id)
	if l.byFP[e.Warning.Fingerprint] == id {
		delete(l.byFP, e.Warning.Fingerprint)
	}
	count(&l.arch, e, 1)
	if _, ok := l.recent[id]; !ok {
		l.recentQ = append(l.recentQ, id)
	}
	l.recent[id] = e
	for len(l.recentQ) > l.cfg.Recent {
		old := l.recentQ[0]
		l.recentQ[0] = ""
		l.recentQ = l.recentQ[1:]
		delete(l.recent, old)
	}
	if cap(l.recentQ) > 4*l.cfg.Recent+64 {
		l.recentQ = slices.Clone(l.recentQ)
	}
}

// unarchive brings an archived entry back among the open ones (for a
// ledger step). It looks in the recent window, then in the journal.
func (l *Ledger) unarchive(ctx context.Context, id string) (*Entry, error) {
	e, err := l.archived(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, ok := l.recent[id]; ok {
		delete(l.recent, id)
		l.recentQ = slices.DeleteFunc(l.recentQ, func(s string) bool { return s == id })
	}
	count(&l.arch, e, -1)
	l.entries[id] = e
	if _, ok := l.byFP[e.Warning.Fingerprint]; !ok {
		l.byFP[e.Warning.Fingerprint] = id
	}
	if archivable(e) { // not yet closed with look-backs pending: keep looking
		delete(l.looking, id)
	} else if e.State == StateClosed {
		l.looking[id] = true
	}
	return e, nil
}

// archived finds an entry that is not open: in the recent window or, with
// a journal, by reading its stream.
func (l *Ledger) archived(ctx context.Context, id string) (*Entry, error) {
	if e := l.recent[id]; e != nil {
		return e, nil
	}
	if l.rec.j == nil {
		return nil, fmt.Errorf("warning: ledger entry %s: %w (%w: no journal to reload it from)", id, complaint.ErrNotFound, ErrArchived)
	}
	stream := "warning/" + id
	if err := l.rec.flush(ctx, stream); err != nil {
		return nil, err
	}
	recs, err := l.rec.j.Records(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("warning: ledger entry %s: %w", id, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("warning: ledger entry %s: %w", id, complaint.ErrNotFound)
	}
	e := &Entry{}
	byFP := maps.Clone(l.byFP) // small: open entries only
	looking := l.looking[id]
	for i := range recs {
		r := &recs[i]
		var d ledgerData
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return nil, fmt.Errorf("warning: ledger record %s #%d: %w", r.Stream, r.Seq, err)
		}
		if i == 0 && (r.Type != recRaised || d.Warning == nil) {
			return nil, fmt.Errorf("warning: ledger stream %s starts with %q: %w", r.Stream, r.Type, complaint.ErrInvalid)
		}
		l.apply(e, r.Type, r.At, &d)
	}
	// apply keeps the look-back and fingerprint indexes of open entries:
	// undo that for an entry read only to be shown.
	l.byFP = byFP
	if looking {
		l.looking[id] = true
	} else {
		delete(l.looking, id)
	}
	return e, nil
}

func (l *Ledger) gradeDur(m map[string]Duration, g Grade) time.Duration {
	if g == GradeNone {
		g = GradeIV
	}
	return time.Duration(m[g.String()])
}

// apply folds one record into e (the ledger's only mutator). d.Warning is
// the caller's own copy (decoded, or cloned for the record): e keeps it.
func (l *Ledger) apply(e *Entry, typ string, at time.Time, d *ledgerData) {
	e.Version++
	switch typ {
	case recRaised, recRefired, recReopened:
		if d.Warning != nil {
			e.Warning = *d.Warning
		}
		e.Raises = append(e.Raises, at)
		if typ != recRefired {
			e.State = StateRaised
			e.AckedAt, e.AckedBy, e.AckLate, e.Feedback, e.FeedbackLate = time.Time{}, "", false, nil, false
			e.VerifiedAt, e.VerifiedBy, e.ClosedAt, e.ClosedBy = time.Time{}, "", time.Time{}, ""
			e.AckDue = at.Add(l.gradeDur(l.cfg.Ack, e.Warning.Grade))
			e.FeedbackDue = at.Add(l.gradeDur(l.cfg.Feedback, e.Warning.Grade))
		}
		if typ == recReopened {
			e.Recurrences++
			e.Warning.Recurrence = e.Recurrences
			for i := range e.Lookbacks {
				if e.Lookbacks[i].Done.IsZero() {
					e.Lookbacks[i].Done, e.Lookbacks[i].Recurred = at, true
				}
			}
		}
		e.Ended = time.Time{}
		l.byFP[e.Warning.Fingerprint] = e.Warning.ID
		delete(l.looking, e.Warning.ID)
	case recUpdated:
		if d.Warning != nil {
			rec := e.Warning.Recurrence
			e.Warning = *d.Warning
			e.Warning.Recurrence = rec
		}
	case recEnded:
		e.Ended = at
	case recAck:
		e.State, e.AckedAt, e.AckedBy = StateAcknowledged, at, d.By
		e.AckLate = at.After(e.AckDue)
	case recHandled:
		if len(e.Feedback) == 0 {
			e.FeedbackLate = at.After(e.FeedbackDue)
		}
		e.State = StateHandled
		e.Feedback = append(e.Feedback, Feedback{At: at, By: d.By, Text: d.Text, Actions: slices.Clone(d.Actions)})
	case recVerified:
		e.State, e.VerifiedAt, e.VerifiedBy = StateVerified, at, d.By
	case recClosed:
		e.State, e.ClosedAt, e.ClosedBy = StateClosed, at, d.By
		e.Lookbacks = e.Lookbacks[:0]
		for _, lb := range l.cfg.Lookback {
			e.Lookbacks = append(e.Lookbacks, Lookback{Due: at.Add(time.Duration(lb))})
		}
		l.looking[e.Warning.ID] = len(e.Lookbacks) > 0
	case recExpired:
		e.State, e.ClosedAt, e.ClosedBy = StateClosed, at, d.By
		e.Lookbacks = e.Lookbacks[:0]
		delete(l.looking, e.Warning.ID)
	case recLookback:
		for i := range e.Lookbacks {
			if e.Lookbacks[i].Due.Equal(d.Due) {
				e.Lookbacks[i].Done = at
			}
		}
		l.looking[e.Warning.ID] = slices.ContainsFunc(e.Lookbacks, func(lb Lookback) bool { return lb.Done.IsZero() })
	}
}

// step appends a record to e now (explicit actions) or queues it.
func (l *Ledger) step(ctx context.Context, e *Entry, typ string, at time.Time, d *ledgerData, now bool) error {
	if l.rec.j != nil { // without a journal the ledger lives in memory: nothing to encode
		r := record("warning/"+e.Warning.ID, e.Version+1, typ, at, d)
		if now {
			if err := l.rec.write(ctx, r); err != nil {
				return err
			}
		} else {
			l.rec.queue(r)
		}
	}
	l.apply(e, typ, at, d)
	return nil
}

// raise records a warning the Monitor raised and returns the id to use
// (an earlier entry's when the same key comes back) and its recurrence.
// It is idempotent: a replay of the same raise records nothing.
func (l *Ledger) raise(w *Warning) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.entries[w.ID]; e != nil {
		return e.Warning.ID, e.Recurrences
	}
	if e := l.recent[w.ID]; e != nil {
		return e.Warning.ID, e.Recurrences
	}
	if id, ok := l.byFP[w.Fingerprint]; ok {
		e := l.entries[id]
		if slices.ContainsFunc(e.Raises, func(t time.Time) bool { return t.Equal(w.RaisedAt) }) {
			return e.Warning.ID, e.Recurrences
		}
		horizon := e.ClosedAt
		for _, lb := range l.cfg.Lookback {
			if h := e.ClosedAt.Add(time.Duration(lb)); h.After(horizon) {
				horizon = h
			}
		}
		switch {
		case e.State != StateClosed:
			snap := l.snapshot(w)
			snap.ID, snap.Recurrence = e.Warning.ID, e.Recurrences
			_ = l.step(context.Background(), e, recRefired, w.RaisedAt, &ledgerData{Warning: snap}, false)
			*snap = Warning{}
			return e.Warning.ID, e.Recurrences
		case !w.RaisedAt.After(horizon):
			snap := l.snapshot(w)
			snap.ID = e.Warning.ID
			_ = l.step(context.Background(), e, recReopened, w.RaisedAt, &ledgerData{Warning: snap, Recurred: true}, false)
			*snap = Warning{}
			return e.Warning.ID, e.Recurrences
		}
	}
	e := &Entry{Warning: Warning{ID: w.ID}}
	l.entries[w.ID] = e
	snap := l.snapshot(w)
	_ = l.step(context.Background(), e, recRaised, w.RaisedAt, &ledgerData{Warning: snap}, false)
	*snap = Warning{}
	return w.ID, 0
}

// snapshot returns a deep copy of w in the ledger's scratch, for a record
// (apply copies it into the entry): the caller clears it after the step.
func (l *Ledger) snapshot(w *Warning) *Warning {
	l.scratch = *w
	l.scratch.deepen()
	return &l.scratch
}

// touch marks the entry of w changed; an "updated" record is queued on Tick.
func (l *Ledger) touch(w *Warning) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.entries[w.ID]; e != nil {
		l.dirty[w.ID] = true
		e.Warning.Evidence.Members = w.Evidence.Members
		e.Warning.UpdatedAt = w.UpdatedAt
		l.pendingSnap(w)
	}
}

func (l *Ledger) pendingSnap(w *Warning) {
	if l.snaps == nil {
		l.snaps = map[string]*Warning{}
	}
	if s, ok := l.snaps[w.ID]; ok && s != nil {
		*s = *w // shallow: cloned when written
		return
	}
	c := takeFree(&l.spare)
	*c = *w
	l.snaps[w.ID] = c
}

// maxSpareSnaps bounds Ledger.spare (≈ 400 B each).
const maxSpareSnaps = 1 << 12

// ended records that the detector stopped firing for w. A per-ticket
// warning (deadline, repeat, escalation) nobody acknowledged is closed by
// the ledger itself (record "expired", ClosedBy AutoClosedBy); a
// per-ticket warning whose condition ended leaves memory (see Ledger).
func (l *Ledger) ended(w *Warning, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[w.ID]
	if e == nil || !e.Ended.IsZero() {
		return
	}
	l.writeSnap(e)
	_ = l.step(context.Background(), e, recEnded, at, &ledgerData{}, false)
	if !perTicket(e.Warning.Kind) {
		return
	}
	if e.State == StateRaised {
		_ = l.step(context.Background(), e, recExpired, at, &ledgerData{By: AutoClosedBy,
			Text: "condition ended before the warning was acknowledged"}, false)
	}
	if archivable(e) {
		l.archive(e)
	}
}

func (l *Ledger) writeSnap(e *Entry) {
	id := e.Warning.ID
	if !l.dirty[id] {
		return
	}
	delete(l.dirty, id)
	s := l.snaps[id]
	delete(l.snaps, id)
	if s == nil || e.State == StateClosed {
		return
	}
	// s is the ledger's own shallow copy of the warning: made deep, it is
	// the record's snapshot, which apply copies into e; then pendingSnap
	// may reuse it.
	s.deepen()
	s.ID, s.Recurrence = id, e.Recurrences
	_ = l.step(context.Background(), e, recUpdated, s.UpdatedAt, &ledgerData{Warning: s}, false)
	if len(l.spare) < maxSpareSnaps {
		*s = Warning{}
		l.spare = append(l.spare, s)
	}
}

// tick queues updated snapshots, runs due look-backs and writes the journal.
func (l *Ledger) tick(ctx context.Context, now time.Time) error {
	type due struct {
		e  *Entry
		lb Lookback
		w  Warning
	}
	var dues []due
	l.mu.Lock()
	for _, id := range slices.Sorted(mapKeys(l.dirty)) {
		l.writeSnap(l.entries[id])
	}
	for _, id := range slices.Sorted(mapKeys(l.looking)) {
		e := l.entries[id]
		if !l.looking[id] || e.State != StateClosed {
			delete(l.looking, id)
			continue
		}
		for _, lb := range e.Lookbacks {
			if lb.Done.IsZero() && !lb.Due.After(now) {
				dues = append(dues, due{e, lb, *e.Warning.Clone()})
				break
			}
		}
	}
	l.mu.Unlock()
	fired := make([]bool, len(dues))
	if l.retest != nil {
		for i, d := range dues {
			fired[i] = l.retest(&d.w, now)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, d := range dues {
		if d.e.State != StateClosed {
			continue
		}
		if fired[i] {
			snap := d.e.Warning.Clone()
			_ = l.step(ctx, d.e, recReopened, now, &ledgerData{Warning: snap, Recurred: true, Due: d.lb.Due}, false)
		} else {
			_ = l.step(ctx, d.e, recLookback, now, &ledgerData{Due: d.lb.Due}, false)
			if l.entries[d.e.Warning.ID] == d.e && archivable(d.e) {
				l.archive(d.e)
			}
		}
	}
	return l.rec.flushAll(ctx)
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (l *Ledger) act(ctx context.Context, id, action string, from []State, typ string, now time.Time, d *ledgerData) (*Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[id]
	if e == nil {
		a, err := l.archived(ctx, id)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(from, a.State) {
			return nil, &TransitionError{ID: id, State: a.State, Action: action}
		}
		if e, err = l.unarchive(ctx, id); err != nil {
			return nil, err
		}
	}
	if !slices.Contains(from, e.State) {
		return nil, &TransitionError{ID: id, State: e.State, Action: action}
	}
	l.writeSnap(e)
	if err := l.step(ctx, e, typ, now, d, true); err != nil {
		return nil, err
	}
	out := cloneEntry(e)
	if archivable(e) {
		l.archive(e)
	}
	return out, nil
}

// Acknowledge records that by took the warning on (签收). It returns
// complaint.ErrNotFound for an unknown id, a *TransitionError unless the
// warning is raised, or the journal's error.
func (l *Ledger) Acknowledge(ctx context.Context, id, by string, now time.Time) (*Entry, error) {
	return l.act(ctx, id, "acknowledge", []State{StateRaised}, recAck, now, &ledgerData{By: by})
}

// Handle records feedback: what was done about the warning (处置反馈). It
// may be called again to add feedback. Errors as Acknowledge; the warning
// must be acknowledged or handled.
func (l *Ledger) Handle(ctx context.Context, id string, fb Feedback, now time.Time) (*Entry, error) {
	return l.act(ctx, id, "handle", []State{StateAcknowledged, StateHandled}, recHandled, now,
		&ledgerData{By: fb.By, Text: fb.Text, Actions: fb.Actions})
}

// Verify records that by checked the handling worked (核实). Errors as
// Acknowledge; the warning must be handled.
func (l *Ledger) Verify(ctx context.Context, id, by, note string, now time.Time) (*Entry, error) {
	return l.act(ctx, id, "verify", []State{StateHandled}, recVerified, now, &ledgerData{By: by, Text: note})
}

// Close closes a verified warning and schedules its look-backs. Errors as
// Acknowledge; the warning must be verified.
func (l *Ledger) Close(ctx context.Context, id, by string, now time.Time) (*Entry, error) {
	return l.act(ctx, id, "close", []State{StateVerified}, recClosed, now, &ledgerData{By: by})
}

// Get returns a copy of the entry id, open or archived: an archived entry
// beyond the recent window is read back from the journal. It returns an
// error wrapping complaint.ErrNotFound for an unknown id (and ErrArchived
// too when the entry was archived and there is no journal), or the
// journal's error.
func (l *Ledger) Get(id string) (*Entry, error) {
	return l.GetContext(context.Background(), id)
}

// GetContext is Get with a context for reading the journal.
func (l *Ledger) GetContext(ctx context.Context, id string) (*Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[id]
	if e == nil {
		var err error
		if e, err = l.archived(ctx, id); err != nil {
			return nil, err
		}
	}
	return cloneEntry(e), nil
}

// Holds reports whether entry id is in memory: open, or among the most
// recent archived ones (those Entries returns). Only such an entry's id can
// be notified again (a recurrence takes the id of the open entry with the
// same fingerprint), so a notifier that keeps state per warning id may let
// go of a resolved warning's once Holds is false.
func (l *Ledger) Holds(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.entries[id] != nil || l.recent[id] != nil
}

// Entries returns copies of the entries in memory (of the given kinds;
// none means all): the open ones and the most recent archived ones
// (LedgerConfig.Recent), sorted by first raise then id. The journal has
// the rest; Summary counts them all.
func (l *Ledger) Entries(kinds ...Kind) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, 0, len(l.entries)+len(l.recent))
	for _, m := range []map[string]*Entry{l.entries, l.recent} {
		for _, e := range m {
			if len(kinds) == 0 || slices.Contains(kinds, e.Warning.Kind) {
				out = append(out, *cloneEntry(e))
			}
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := a.Raises[0].Compare(b.Raises[0]); c != 0 {
			return c
		}
		return strings.Compare(a.Warning.ID, b.Warning.ID)
	})
	return out
}

func cloneEntry(e *Entry) *Entry {
	c := *e
	c.Warning = *e.Warning.Clone()
	c.Raises = slices.Clone(e.Raises)
	c.Feedback = slices.Clone(e.Feedback)
	c.Lookbacks = slices.Clone(e.Lookbacks)
	return &c
}

// Summary is the ledger at a glance (预警闭环效果, 反馈及时率; R25).
type Summary struct {
	Total        int           `json:"total"`
	ByState      map[State]int `json:"by_state"`
	ByKind       map[Kind]int  `json:"by_kind"`
	AckOnTime    int           `json:"ack_on_time"`
	AckLate      int           `json:"ack_late"`
	FedBack      int           `json:"fed_back"`
	FeedbackLate int           `json:"feedback_late"`
	Recurrences  int           `json:"recurrences"`
}

// Summary counts the entries by state and kind and the timeliness of
// acknowledgements and feedback.
func (l *Ledger) Summary() Summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Summary{ByState: map[State]int{}, ByKind: map[Kind]int{}}
	for _, e := range l.entries {
		count(&s, e, 1)
	}
	s.Total += l.arch.Total
	s.AckOnTime += l.arch.AckOnTime
	s.AckLate += l.arch.AckLate
	s.FedBack += l.arch.FedBack
	s.FeedbackLate += l.arch.FeedbackLate
	s.Recurrences += l.arch.Recurrences
	for k, v := range l.arch.ByState {
		if s.ByState[k] += v; s.ByState[k] == 0 {
			delete(s.ByState, k)
		}
	}
	for k, v := range l.arch.ByKind {
		if s.ByKind[k] += v; s.ByKind[k] == 0 {
			delete(s.ByKind, k)
		}
	}
	return s
}

// count adds (sign 1) or removes (sign -1) e's share of a Summary.
func count(s *Summary, e *Entry, sign int) {
	s.Total += sign
	s.ByState[e.State] += sign
	s.ByKind[e.Warning.Kind] += sign
	if !e.AckedAt.IsZero() {
		if e.AckLate {
			s.AckLate += sign
		} else {
			s.AckOnTime += sign
		}
	}
	if len(e.Feedback) > 0 {
		s.FedBack += sign
		if e.FeedbackLate {
			s.FeedbackLate += sign
		}
	}
	s.Recurrences += sign * e.Recurrences
}

// Flush writes queued records to the journal (the Monitor's Tick does it).
func (l *Ledger) Flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range slices.Sorted(mapKeys(l.dirty)) {
		l.writeSnap(l.entries[id])
	}
	return l.rec.flushAll(ctx)
}

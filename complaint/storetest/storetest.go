// Package storetest is the conformance suite for complaint.Store
// implementations, in the manner of testing/fstest: a store package calls
// Run from its own test with a function that opens a fresh, empty store,
// and the suite checks every documented behaviour of the Store contract and
// of the optional capabilities the store implements (complaint.Journal,
// complaint.BatchCreator, complaint.Checkpoints and Retainer):
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) complaint.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kesu.db"))
//			require.NoError(t, err)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite covers ordering, ErrDuplicate on the same id or external id with
// nothing stored, ErrConflict on a stale version with nothing stored,
// ErrNotFound, Pos assignment and Scan from a position, every Find filter
// (including the category and region prefix semantics of complaint.Under),
// copies rather than aliases, and concurrent writers (run it with -race).
//
// Tickets are compared by their JSON encoding, so a store may return times
// in another *time.Location as long as the instant and offset are kept.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/retention"
)

// Retainer is the retention capability of a durable store (DOMAIN.md R9):
// Retain masks the personal data that policy says is due at now and reports
// what it did. Run checks it when the store implements it.
type Retainer interface {
	Retain(ctx context.Context, policy retention.Policy, now time.Time) (retention.Report, error)
}

// Run runs the conformance suite on stores made by open. open is called
// once per subtest and must return a new, empty store (register its
// clean-up with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) complaint.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s complaint.Store)
	}{
		{"CreateGet", testCreateGet},
		{"CreateDuplicateID", testCreateDuplicateID},
		{"CreateDuplicateExternalID", testCreateDuplicateExternal},
		{"CreateEmptyExternalIDs", testEmptyExternal},
		{"CreateInvalid", testCreateInvalid},
		{"Append", testAppend},
		{"AppendConflict", testAppendConflict},
		{"AppendInvalid", testAppendInvalid},
		{"NotFound", testNotFound},
		{"CanceledContext", testCanceled},
		{"Copies", testCopies},
		{"Scan", testScan},
		{"ScanCallsStore", testScanCallsStore},
		{"Find", testFind},
		{"FindOrderAndLimit", testFindOrder},
		{"ConcurrentAppend", testConcurrentAppend},
		{"ConcurrentCreate", testConcurrentCreate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
	probe := open(t)
	if _, ok := probe.(complaint.Journal); ok {
		t.Run("Journal", func(t *testing.T) { testJournal(t, open(t).(complaint.Journal)) })
		t.Run("JournalConcurrent", func(t *testing.T) { testJournalConcurrent(t, open(t).(complaint.Journal)) })
	}
	if _, ok := probe.(complaint.BatchCreator); ok {
		t.Run("CreateBatch", func(t *testing.T) { testCreateBatch(t, open(t)) })
	}
	if _, ok := probe.(complaint.Checkpoints); ok {
		t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, open(t).(complaint.Checkpoints)) })
	}
	if _, ok := probe.(Retainer); ok {
		t.Run("Retain", func(t *testing.T) { testRetain(t, open(t)) })
	}
}

// Base is the time the suite's tickets are received at (Asia/Shanghai).
var Base = time.Date(2025, 3, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Fixture returns a new ticket with its received and accepted events, as
// an engine would create it. Stores' own tests and benchmarks may use it.
func Fixture(id, external string, in complaint.Intake, at time.Time) (*complaint.Ticket, []complaint.Event) {
	in.ExternalID = external
	if in.Kind == "" {
		in.Kind = complaint.KindComplaint
	}
	if in.Channel == "" {
		in.Channel = complaint.ChannelHotline
	}
	if in.Category == "" {
		in.Category = "vas.unaware"
	}
	if in.Region == "" {
		in.Region = "gd.gz.th"
	}
	if in.Customer == "" {
		in.Customer = "C-" + id
	}
	evs := []complaint.Event{
		{Ticket: id, Seq: 1, Type: complaint.EventReceived, At: at, Actor: complaint.Actor{Kind: complaint.ActorCustomer, ID: in.Customer},
			Visibility: complaint.Public, Intake: &in},
		{Ticket: id, Seq: 2, Type: complaint.EventAccepted, At: at, Actor: complaint.Actor{Kind: complaint.ActorSystem}},
	}
	t := new(complaint.Ticket)
	for i := range evs {
		if err := complaint.Apply(t, &evs[i]); err != nil {
			panic(fmt.Sprintf("storetest: fixture %s: %v", id, err))
		}
	}
	return t, evs
}

// Step applies events to a clone of t, filling ticket, sequence and time,
// and returns the new ticket and the events ready for Store.Append. It
// panics when the lifecycle refuses them (a bug in the test).
func Step(t *complaint.Ticket, at time.Time, evs ...complaint.Event) (*complaint.Ticket, []complaint.Event) {
	n := t.Clone()
	for i := range evs {
		evs[i].Ticket, evs[i].Seq = n.ID, n.Version+1
		if evs[i].At.IsZero() {
			evs[i].At = at
		}
		if err := complaint.Apply(n, &evs[i]); err != nil {
			panic(fmt.Sprintf("storetest: step %s on %s: %v", evs[i].Type, n.ID, err))
		}
	}
	return n, evs
}

// Close takes t through dispatch, assignment, resolution and closing at at.
func Close(t *complaint.Ticket, at time.Time) (*complaint.Ticket, []complaint.Event) {
	return Step(t, at,
		complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "gz", Tier: complaint.TierCity}},
		complaint.Event{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "agent-1"}},
		complaint.Event{Type: complaint.EventNote, Text: "客户来电称未订购该业务 subscriber 13800000000"},
		complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "refunded", Refund: 1000}},
		complaint.Event{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "gz"}}},
	)
}

func ctxOf(t *testing.T) context.Context { return t.Context() }

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// sameTicket asserts that got encodes like want.
func sameTicket(t *testing.T, want, got *complaint.Ticket) {
	t.Helper()
	require.NotNil(t, got)
	assert.JSONEq(t, jsonOf(t, want), jsonOf(t, got))
}

// sameEvents asserts that got encodes like want, ignoring Pos.
func sameEvents(t *testing.T, want, got []complaint.Event) {
	t.Helper()
	strip := func(evs []complaint.Event) []complaint.Event {
		out := make([]complaint.Event, len(evs))
		for i := range evs {
			out[i] = evs[i].Clone()
			out[i].Pos = 0
		}
		return out
	}
	assert.JSONEq(t, jsonOf(t, strip(want)), jsonOf(t, strip(got)))
}

func create(t *testing.T, s complaint.Store, id, external string, in complaint.Intake, at time.Time) *complaint.Ticket {
	t.Helper()
	tk, evs := Fixture(id, external, in, at)
	require.NoError(t, s.Create(ctxOf(t), tk, evs))
	return tk
}

func appendStep(t *testing.T, s complaint.Store, tk *complaint.Ticket, at time.Time, evs ...complaint.Event) *complaint.Ticket {
	t.Helper()
	n, out := Step(tk, at, evs...)
	require.NoError(t, s.Append(ctxOf(t), n, out))
	return n
}

// logOf returns every event of the store's log, in order.
func logOf(t *testing.T, s complaint.Store) []complaint.Event {
	t.Helper()
	var out []complaint.Event
	require.NoError(t, s.Scan(ctxOf(t), 0, func(e *complaint.Event) error {
		out = append(out, e.Clone())
		return nil
	}))
	return out
}

func testCreateGet(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	tk, evs := Fixture("T1", "EXT-1", complaint.Intake{Text: "未经同意开通了彩铃业务,要求退费", Subscriber: "13800000000",
		Partner: "SP901", BillingCode: "BC-17", Product: "ringtone"}, Base)
	require.NoError(t, s.Create(ctx, tk, evs))
	for i := range evs {
		assert.Positive(t, evs[i].Pos, "Create sets Pos of event %d", i)
		if i > 0 {
			assert.Greater(t, evs[i].Pos, evs[i-1].Pos, "positions increase")
		}
	}
	got, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, tk, got)
	got, err = s.GetExternal(ctx, "EXT-1")
	require.NoError(t, err)
	sameTicket(t, tk, got)
	stored, err := s.Events(ctx, "T1")
	require.NoError(t, err)
	require.Len(t, stored, 2)
	sameEvents(t, evs, stored)
	for i := range stored {
		assert.Equal(t, evs[i].Pos, stored[i].Pos, "Events returns the Pos Create set")
		assert.True(t, stored[i].At.Equal(evs[i].At))
	}
	folded, err := complaint.Fold(stored)
	require.NoError(t, err)
	sameTicket(t, got, folded)
}

func testCreateDuplicateID(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	first := create(t, s, "T1", "EXT-1", complaint.Intake{Text: "first"}, Base)
	before := logOf(t, s)
	dup, evs := Fixture("T1", "EXT-2", complaint.Intake{Text: "second"}, Base.Add(time.Hour))
	err := s.Create(ctx, dup, evs)
	require.ErrorIs(t, err, complaint.ErrDuplicate)
	got, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, first, got)
	_, err = s.GetExternal(ctx, "EXT-2")
	require.ErrorIs(t, err, complaint.ErrNotFound, "nothing of the refused ticket is stored")
	assert.Len(t, logOf(t, s), len(before))
}

func testCreateDuplicateExternal(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	first := create(t, s, "T1", "EXT-1", complaint.Intake{}, Base)
	before := logOf(t, s)
	dup, evs := Fixture("T2", "EXT-1", complaint.Intake{}, Base.Add(time.Hour))
	require.ErrorIs(t, s.Create(ctx, dup, evs), complaint.ErrDuplicate)
	_, err := s.Get(ctx, "T2")
	require.ErrorIs(t, err, complaint.ErrNotFound)
	_, err = s.Events(ctx, "T2")
	require.ErrorIs(t, err, complaint.ErrNotFound)
	got, err := s.GetExternal(ctx, "EXT-1")
	require.NoError(t, err)
	sameTicket(t, first, got)
	assert.Len(t, logOf(t, s), len(before))
	// The store still works after the refusal.
	create(t, s, "T3", "EXT-3", complaint.Intake{}, Base)
}

func testEmptyExternal(t *testing.T, s complaint.Store) {
	create(t, s, "T1", "", complaint.Intake{}, Base)
	create(t, s, "T2", "", complaint.Intake{}, Base)
	_, err := s.GetExternal(ctxOf(t), "")
	require.ErrorIs(t, err, complaint.ErrNotFound, "an empty external id names no ticket")
}

func testCreateInvalid(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	tests := []struct {
		name string
		mod  func(tk *complaint.Ticket, evs []complaint.Event) (*complaint.Ticket, []complaint.Event)
	}{
		{"no events", func(tk *complaint.Ticket, _ []complaint.Event) (*complaint.Ticket, []complaint.Event) { return tk, nil }},
		{"version mismatch", func(tk *complaint.Ticket, evs []complaint.Event) (*complaint.Ticket, []complaint.Event) {
			tk.Version = 5
			return tk, evs
		}},
		{"wrong seq", func(tk *complaint.Ticket, evs []complaint.Event) (*complaint.Ticket, []complaint.Event) {
			evs[1].Seq = 3
			return tk, evs
		}},
		{"event of another ticket", func(tk *complaint.Ticket, evs []complaint.Event) (*complaint.Ticket, []complaint.Event) {
			evs[1].Ticket = "T9"
			return tk, evs
		}},
		{"empty id", func(tk *complaint.Ticket, evs []complaint.Event) (*complaint.Ticket, []complaint.Event) {
			tk.ID = ""
			for i := range evs {
				evs[i].Ticket = ""
			}
			return tk, evs
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk, evs := tc.mod(Fixture("T1", "EXT-1", complaint.Intake{}, Base))
			require.ErrorIs(t, s.Create(ctx, tk, evs), complaint.ErrInvalid)
			_, err := s.Get(ctx, "T1")
			require.ErrorIs(t, err, complaint.ErrNotFound)
			_, err = s.GetExternal(ctx, "EXT-1")
			require.ErrorIs(t, err, complaint.ErrNotFound)
			assert.Empty(t, logOf(t, s))
		})
	}
}

func testAppend(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	tk, first := Fixture("T1", "EXT-1", complaint.Intake{}, Base)
	require.NoError(t, s.Create(ctx, tk, first))
	other := create(t, s, "T2", "", complaint.Intake{}, Base)
	n, evs := Close(tk, Base.Add(2*time.Hour))
	require.NoError(t, s.Append(ctx, n, evs))
	for i := range evs {
		assert.Greater(t, evs[i].Pos, first[1].Pos, "Append sets Pos after earlier events")
		if i > 0 {
			assert.Greater(t, evs[i].Pos, evs[i-1].Pos)
		}
	}
	got, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, n, got)
	assert.Equal(t, complaint.StatusClosed, got.Status)
	assert.Equal(t, 7, got.Version)
	got, err = s.GetExternal(ctx, "EXT-1")
	require.NoError(t, err)
	sameTicket(t, n, got)
	stored, err := s.Events(ctx, "T1")
	require.NoError(t, err)
	sameEvents(t, append(first, evs...), stored)
	folded, err := complaint.Fold(stored)
	require.NoError(t, err)
	sameTicket(t, n, folded)
	// The other ticket is untouched.
	got, err = s.Get(ctx, "T2")
	require.NoError(t, err)
	sameTicket(t, other, got)
}

func testAppendConflict(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	tk := create(t, s, "T1", "", complaint.Intake{}, Base)
	v3 := appendStep(t, s, tk, Base.Add(time.Minute), complaint.Event{Type: complaint.EventUrged})
	before := logOf(t, s)
	// A writer that read version 2 is refused.
	stale, evs := Step(tk, Base.Add(2*time.Minute), complaint.Event{Type: complaint.EventNote, Text: "stale"})
	err := s.Append(ctx, stale, evs)
	require.ErrorIs(t, err, complaint.ErrConflict)
	got, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, v3, got)
	assert.Len(t, logOf(t, s), len(before), "nothing stored on conflict")
	// A writer ahead of the store is refused too.
	ahead, evs := Step(v3, Base.Add(2*time.Minute), complaint.Event{Type: complaint.EventUrged})
	ahead.Version++
	evs[0].Seq++
	require.ErrorIs(t, s.Append(ctx, ahead, evs), complaint.ErrConflict)
	assert.Len(t, logOf(t, s), len(before))
	// The current version goes through.
	appendStep(t, s, v3, Base.Add(3*time.Minute), complaint.Event{Type: complaint.EventUrged})
}

func testAppendInvalid(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	tk := create(t, s, "T1", "", complaint.Intake{}, Base)
	before := logOf(t, s)
	n, evs := Step(tk, Base, complaint.Event{Type: complaint.EventUrged})
	require.ErrorIs(t, s.Append(ctx, n, nil), complaint.ErrInvalid, "no events")
	evs[0].Seq = 7
	require.ErrorIs(t, s.Append(ctx, n, evs), complaint.ErrInvalid, "seq does not follow")
	evs[0].Seq, evs[0].Ticket = 3, "T2"
	require.ErrorIs(t, s.Append(ctx, n, evs), complaint.ErrInvalid, "event of another ticket")
	assert.Len(t, logOf(t, s), len(before))
	got, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, tk, got)
	// Appending to a ticket that does not exist.
	ghost, gevs := Step(tk, Base, complaint.Event{Type: complaint.EventUrged})
	ghost.ID = "T404"
	gevs[0].Ticket = "T404"
	require.ErrorIs(t, s.Append(ctx, ghost, gevs), complaint.ErrNotFound)
	assert.Len(t, logOf(t, s), len(before))
}

func testNotFound(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	create(t, s, "T1", "EXT-1", complaint.Intake{}, Base)
	_, err := s.Get(ctx, "T2")
	require.ErrorIs(t, err, complaint.ErrNotFound)
	_, err = s.GetExternal(ctx, "EXT-2")
	require.ErrorIs(t, err, complaint.ErrNotFound)
	_, err = s.Events(ctx, "T2")
	require.ErrorIs(t, err, complaint.ErrNotFound)
	got, err := s.Find(ctx, complaint.Query{Customer: "nobody"})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testCanceled(t *testing.T, s complaint.Store) {
	ctx, cancel := context.WithCancel(ctxOf(t))
	cancel()
	tk, evs := Fixture("T1", "EXT-1", complaint.Intake{}, Base)
	require.Error(t, s.Create(ctx, tk, evs))
	_, err := s.Get(ctxOf(t), "T1")
	require.ErrorIs(t, err, complaint.ErrNotFound, "a canceled Create stores nothing")
	create(t, s, "T1", "EXT-1", complaint.Intake{}, Base)
	require.Error(t, s.Scan(ctx, 0, func(*complaint.Event) error { return nil }))
	_, err = s.Find(ctx, complaint.Query{})
	require.Error(t, err)
}

func testCopies(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	tk, evs := Fixture("T1", "EXT-1", complaint.Intake{Text: "原文"}, Base)
	require.NoError(t, s.Create(ctx, tk, evs))
	want := tk.Clone()
	// Changing what was passed in does not change what is stored.
	tk.Text = "changed"
	evs[0].Intake.Text = "changed"
	evs[1].Text = "changed"
	n := appendStep(t, s, want, Base.Add(time.Minute),
		complaint.Event{Type: complaint.EventTagged, Tags: []complaint.Tag{{Name: "vip", Rule: "r1", At: Base}}},
		complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "gz"}},
		complaint.Event{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "a1"}},
		complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "ok"}},
		complaint.Event{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: true, Score: 9}},
	)
	want = n.Clone()
	n.Tags[0].Name = "changed"
	*n.Resolution.Satisfied = false
	got, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, want, got)
	// Changing what was returned does not change what is stored.
	got.Tags[0].Name = "changed"
	*got.Resolution.Satisfied = false
	got.Text = "changed"
	again, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, want, again)
	stored, err := s.Events(ctx, "T1")
	require.NoError(t, err)
	stored[0].Intake.Text = "changed"
	stored[2].Tags[0].Name = "changed"
	fresh, err := s.Events(ctx, "T1")
	require.NoError(t, err)
	assert.Equal(t, "原文", fresh[0].Intake.Text)
	assert.Equal(t, "vip", fresh[2].Tags[0].Name)
	require.NoError(t, s.Scan(ctx, 0, func(e *complaint.Event) error {
		if e.Intake != nil {
			e.Intake.Text = "changed"
		}
		return nil
	}))
	fresh, err = s.Events(ctx, "T1")
	require.NoError(t, err)
	assert.Equal(t, "原文", fresh[0].Intake.Text)
	found, err := s.Find(ctx, complaint.Query{})
	require.NoError(t, err)
	require.Len(t, found, 1)
	found[0].Tags[0].Name = "changed"
	again, err = s.Get(ctx, "T1")
	require.NoError(t, err)
	sameTicket(t, want, again)
}

func testScan(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	var all []complaint.Event
	for i := range 5 {
		id := "T" + strconv.Itoa(i)
		tk, evs := Fixture(id, "", complaint.Intake{}, Base.Add(time.Duration(i)*time.Minute))
		require.NoError(t, s.Create(ctx, tk, evs))
		all = append(all, evs...)
		if i%2 == 0 {
			n, more := Step(tk, Base.Add(time.Hour), complaint.Event{Type: complaint.EventUrged})
			require.NoError(t, s.Append(ctx, n, more))
			all = append(all, more...)
		}
	}
	log := logOf(t, s)
	require.Len(t, log, len(all))
	for i := range log {
		assert.Equal(t, all[i].Pos, log[i].Pos, "log order is commit order (%d)", i)
		assert.Equal(t, all[i].Ticket, log[i].Ticket)
		assert.Equal(t, all[i].Seq, log[i].Seq)
		if i > 0 {
			assert.Greater(t, log[i].Pos, log[i-1].Pos)
		}
	}
	sameEvents(t, all, log)
	for _, k := range []int{0, 1, 4, len(log) - 1, len(log)} {
		after := int64(0)
		if k > 0 {
			after = log[k-1].Pos
		}
		var got []int64
		require.NoError(t, s.Scan(ctx, after, func(e *complaint.Event) error {
			got = append(got, e.Pos)
			return nil
		}))
		var want []int64
		for _, e := range log[k:] {
			want = append(want, e.Pos)
		}
		assert.Equal(t, want, got, "Scan after %d", after)
	}
	var neg int
	require.NoError(t, s.Scan(ctx, -5, func(*complaint.Event) error { neg++; return nil }))
	assert.Equal(t, len(log), neg, "a negative position scans everything")
	// fn's error stops the scan and comes back.
	stop := fmt.Errorf("stop")
	calls := 0
	err := s.Scan(ctx, 0, func(*complaint.Event) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 3, calls)
}

func testScanCallsStore(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	const n = 30
	for i := range n {
		create(t, s, fmt.Sprintf("T%03d", i), "", complaint.Intake{}, Base)
	}
	seen := 0
	require.NoError(t, s.Scan(ctx, 0, func(e *complaint.Event) error {
		if e.Seq != 1 {
			return nil
		}
		tk, err := s.Get(ctx, e.Ticket)
		if err != nil {
			return err
		}
		// Writing from inside the scan must not deadlock.
		nt, evs := Step(tk, Base.Add(time.Hour), complaint.Event{Type: complaint.EventUrged})
		if err := s.Append(ctx, nt, evs); err != nil {
			return err
		}
		seen++
		return nil
	}))
	assert.Equal(t, n, seen)
}

func testFind(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	h := func(n int) time.Time { return Base.Add(time.Duration(n) * time.Hour) }
	tickets := []struct {
		id, customer, cat, region string
		at                        time.Time
		close                     bool
	}{
		{"T1", "alice", "vas.unaware", "gd.gz.th", h(0), false},
		{"T2", "alice", "vas", "gd.gz", h(1), true},
		{"T3", "bob", "vasx.other", "gd.gzx", h(2), false},
		{"T4", "bob", "billing.dispute", "gd.sz.ft", h(3), true},
		{"T5", "carol", "vas.unaware.sp", "gd.gz.th.s01", h(4), false},
		{"T6", "carol", "network.quality", "bj", h(5), false},
	}
	all := map[string]*complaint.Ticket{}
	for _, x := range tickets {
		tk := create(t, s, x.id, "", complaint.Intake{Customer: x.customer, Category: x.cat, Region: x.region}, x.at)
		if x.close {
			n, evs := Close(tk, x.at.Add(time.Minute))
			require.NoError(t, s.Append(ctx, n, evs))
			tk = n
		}
		all[x.id] = tk
	}
	tests := []struct {
		name string
		q    complaint.Query
		want []string
	}{
		{"all", complaint.Query{}, []string{"T1", "T2", "T3", "T4", "T5", "T6"}},
		{"customer", complaint.Query{Customer: "alice"}, []string{"T1", "T2"}},
		{"category prefix", complaint.Query{Category: "vas"}, []string{"T1", "T2", "T5"}},
		{"category leaf", complaint.Query{Category: "vas.unaware"}, []string{"T1", "T5"}},
		{"category no partial segment", complaint.Query{Category: "vas.un"}, nil},
		{"category exact deep", complaint.Query{Category: "vas.unaware.sp"}, []string{"T5"}},
		{"region prefix", complaint.Query{Region: "gd.gz"}, []string{"T1", "T2", "T5"}},
		{"region top", complaint.Query{Region: "gd"}, []string{"T1", "T2", "T3", "T4", "T5"}},
		{"region with wildcard chars", complaint.Query{Region: "gd_gz"}, nil},
		{"region with percent", complaint.Query{Region: "gd%"}, nil},
		{"status", complaint.Query{Status: []complaint.Status{complaint.StatusClosed}}, []string{"T2", "T4"}},
		{"status any of", complaint.Query{Status: []complaint.Status{complaint.StatusClosed, complaint.StatusAccepted}}, []string{"T1", "T2", "T3", "T4", "T5", "T6"}},
		{"open", complaint.Query{Open: true}, []string{"T1", "T3", "T5", "T6"}},
		{"from", complaint.Query{From: h(2)}, []string{"T3", "T4", "T5", "T6"}},
		{"to is exclusive", complaint.Query{To: h(2)}, []string{"T1", "T2"}},
		{"from to", complaint.Query{From: h(1), To: h(4)}, []string{"T2", "T3", "T4"}},
		{"from in another zone", complaint.Query{From: h(3).UTC()}, []string{"T4", "T5", "T6"}},
		{"combined", complaint.Query{Customer: "carol", Category: "vas", Region: "gd.gz.th", Open: true}, []string{"T5"}},
		{"limit", complaint.Query{Limit: 2}, []string{"T1", "T2"}},
		{"limit with filter", complaint.Query{Open: true, Limit: 3}, []string{"T1", "T3", "T5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Find(ctx, tc.q)
			require.NoError(t, err)
			var ids []string
			for _, tk := range got {
				ids = append(ids, tk.ID)
				sameTicket(t, all[tk.ID], tk)
				assert.True(t, tc.q.Match(tk), "Find returns only matches (%s)", tk.ID)
			}
			assert.Equal(t, tc.want, ids)
		})
	}
}

func testFindOrder(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	// Created out of order; equal ReceivedAt are ordered by ID.
	for _, x := range []struct {
		id string
		h  int
	}{{"T5", 2}, {"T3", 1}, {"T4", 1}, {"T1", 3}, {"T2", 1}, {"T0", 0}} {
		create(t, s, x.id, "", complaint.Intake{}, Base.Add(time.Duration(x.h)*time.Hour))
	}
	got, err := s.Find(ctx, complaint.Query{})
	require.NoError(t, err)
	var ids []string
	for _, tk := range got {
		ids = append(ids, tk.ID)
	}
	assert.Equal(t, []string{"T0", "T2", "T3", "T4", "T5", "T1"}, ids)
	got, err = s.Find(ctx, complaint.Query{Limit: 3})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, "T3", got[2].ID)
	// ReceivedAt from the intake (the customer's contact time) is what orders.
	tk, evs := Fixture("T9", "", complaint.Intake{ReceivedAt: Base.Add(-time.Hour)}, Base.Add(10*time.Hour))
	require.NoError(t, s.Create(ctx, tk, evs))
	got, err = s.Find(ctx, complaint.Query{Limit: 1})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "T9", got[0].ID)
}

// Writers is how many goroutines the concurrency tests start.
const Writers = 8

func testConcurrentAppend(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	tk := create(t, s, "T1", "", complaint.Intake{}, Base)
	for round := range 3 {
		errs := make(chan error, Writers)
		start := make(chan struct{})
		for w := range Writers {
			n, evs := Step(tk, Base.Add(time.Minute), complaint.Event{Type: complaint.EventNote, Text: fmt.Sprintf("writer %d", w)},
				complaint.Event{Type: complaint.EventUrged})
			go func() {
				<-start
				errs <- s.Append(ctx, n, evs)
			}()
		}
		close(start)
		wins := 0
		for range Writers {
			err := <-errs
			if err == nil {
				wins++
				continue
			}
			require.ErrorIs(t, err, complaint.ErrConflict, "round %d", round)
		}
		require.Equal(t, 1, wins, "exactly one writer wins round %d", round)
		got, err := s.Get(ctx, "T1")
		require.NoError(t, err)
		require.Equal(t, tk.Version+2, got.Version)
		stored, err := s.Events(ctx, "T1")
		require.NoError(t, err)
		require.Len(t, stored, got.Version, "no event of a losing writer is stored")
		folded, err := complaint.Fold(stored)
		require.NoError(t, err)
		sameTicket(t, got, folded)
		tk = got
	}
}

func testConcurrentCreate(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	errs := make(chan error, Writers)
	start := make(chan struct{})
	for w := range Writers {
		tk, evs := Fixture(fmt.Sprintf("T%d", w), "EXT-SAME", complaint.Intake{}, Base)
		go func() {
			<-start
			errs <- s.Create(ctx, tk, evs)
		}()
	}
	close(start)
	wins := 0
	for range Writers {
		err := <-errs
		if err == nil {
			wins++
			continue
		}
		require.ErrorIs(t, err, complaint.ErrDuplicate)
	}
	require.Equal(t, 1, wins)
	got, err := s.Find(ctx, complaint.Query{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Len(t, logOf(t, s), 2, "only the winner's events are stored")
	// Distinct tickets created concurrently all get distinct positions.
	for w := range Writers {
		tk, evs := Fixture(fmt.Sprintf("U%d", w), "", complaint.Intake{}, Base)
		go func() { errs <- s.Create(ctx, tk, evs) }()
	}
	for range Writers {
		require.NoError(t, <-errs)
	}
	seen := map[int64]bool{}
	for _, e := range logOf(t, s) {
		require.False(t, seen[e.Pos], "position %d used twice", e.Pos)
		seen[e.Pos] = true
	}
	assert.Len(t, seen, 2+2*Writers)
}

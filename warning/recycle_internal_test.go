package warning

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

// tagSome leaves n tag actions of warning a on tickets prefix0…, as the
// detectors do for a burst's members.
func tagSome(m *Monitor, a *active, prefix string, n int, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range n {
		m.tagTicket(a, prefix+strconv.Itoa(i), at)
	}
}

func newRecycleMonitor(t *testing.T) (*Monitor, *active) {
	t.Helper()
	m, err := NewMonitor(context.Background(), Options{})
	require.NoError(t, err)
	return m, &active{tag: TagBatch, w: Warning{ID: "W1", Explanation: "a burst"}}
}

// TestRecycleActions checks that a recycled slice is cleared, that the
// next list reuses its array and its Tags arrays, and that none of the
// recycled actions leak into the next list (it equals a fresh Monitor's).
func TestRecycleActions(t *testing.T) {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	m, a := newRecycleMonitor(t)
	tagSome(m, a, "T", 100, at)
	first := m.Actions()
	require.Len(t, first, 100)
	slot, tag := &first[0], &first[0].Event.Tags[0]
	m.RecycleActions(first)
	for i, x := range first[:cap(first)] {
		require.Empty(t, x.Ticket, "slot %d", i)
		require.Empty(t, x.Event.Text, "slot %d", i)
		require.Empty(t, x.Event.Tags, "slot %d", i)
		for _, tg := range x.Event.Tags[:cap(x.Event.Tags)] {
			require.Zero(t, tg, "slot %d: a tag stays reachable", i)
		}
	}

	later := at.Add(time.Hour)
	tagSome(m, a, "U", 3, later)
	second := m.Actions()
	require.Same(t, slot, &second[0], "the array is reused")
	require.Same(t, tag, &second[0].Event.Tags[0], "the Tags array is reused")
	fresh, fa := newRecycleMonitor(t)
	tagSome(fresh, fa, "U", 3, later)
	sameList(t, "actions after recycling", fresh.Actions(), second)

	// Once warm, a tick's actions allocate nothing.
	m.RecycleActions(second)
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = "V" + strconv.Itoa(i)
	}
	allocs := testing.AllocsPerRun(20, func() {
		m.mu.Lock()
		for _, id := range ids {
			m.tagTicket(a, id, later)
		}
		m.mu.Unlock()
		m.RecycleActions(m.Actions())
	})
	require.Zero(t, allocs)

	// A slice far larger than its use is not kept.
	tagSome(m, a, "W", 2*maxSpareActions, later)
	big := m.Actions()
	m.RecycleActions(big[:1])
	tagSome(m, a, "X", 1, later)
	require.NotSame(t, &big[0], &m.Actions()[0])
}

// TestEngineTickRecyclesActions checks that Engine.Tick hands the
// Monitor's actions back once it has applied them.
func TestEngineTickRecyclesActions(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	m, a := newRecycleMonitor(t)
	var _ kesu.ActionRecycler = m
	eng := kesu.New(kesu.Config{Observers: []kesu.Observer{m}, Tickers: []kesu.Ticker{m}, Now: func() time.Time { return at }})
	tk, err := eng.Intake(ctx, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: "C1", Text: "charged twice", ReceivedAt: at})
	require.NoError(t, err)
	_ = m.Actions()

	m.mu.Lock()
	m.tagTicket(a, tk.ID, at)
	arr := &m.actions[0]
	m.mu.Unlock()
	require.NoError(t, eng.Tick(ctx, at))
	got, err := eng.Store().Get(ctx, tk.ID)
	require.NoError(t, err)
	require.True(t, got.HasTag(TagBatch), "the action was applied")
	m.mu.Lock()
	defer m.mu.Unlock()
	require.NotNil(t, m.spare, "Engine.Tick recycled the slice")
	require.Same(t, arr, &m.spare[:1][0])
}

// TestFindingStaysOnStack checks that updating an open warning with a
// detector's finding allocates nothing: the finding (and its grading env)
// does not escape to the heap.
func TestFindingStaysOnStack(t *testing.T) {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	m, err := NewMonitor(context.Background(), Options{})
	require.NoError(t, err)
	key := NewKey("stage", "reply", "ticket", "T1")
	fp := Fingerprint(KindDeadline, key)
	tickets := []string{"T1"}
	fire := func() {
		f := finding{kind: KindDeadline, key: key, fp: fp, at: at, grade: GradeIII,
			ev:      Evidence{Window: "4h", Ratio: 0.8, Tickets: tickets, Members: 1, Rule: "deadline/overdue", Customers: 1},
			explain: "ticket T1 is late",
			env:     GradeEnv{Customer: "C1", Region: "gd.gz.th.s01", Category: "billing.dispute", Ratio: 0.8}}
		m.fire(&f)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fire() // raises it
	require.Zero(t, testing.AllocsPerRun(100, fire))
	require.Equal(t, GradeIII, m.active[fp].w.Grade)
}

// TestDeadlineTicketStateReused checks that a closed ticket's deadline
// state (its slot) is reused for a new ticket once a compaction has
// dropped its alarms, not before, and comes back cleared.
func TestDeadlineTicketStateReused(t *testing.T) {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	m, err := NewMonitor(context.Background(), Options{})
	require.NoError(t, err)
	ticket := func(id string) *complaint.Ticket {
		return &complaint.Ticket{ID: id, ReceivedAt: at, UpdatedAt: at, Status: complaint.StatusHandling, Kind: complaint.KindComplaint,
			Customer: "C1", Region: "gd.gz.th.s01", Category: "billing.dispute",
			Deadlines: complaint.Deadlines{Reply: at.Add(4 * time.Hour), Resolve: at.Add(48 * time.Hour)}}
	}
	d := m.dl
	m.mu.Lock()
	defer m.mu.Unlock()
	old := ticket("T1")
	d.update(old, m)
	s1, st := d.lookup("T1")
	require.NotNil(t, st)
	d.update(ticket("T0"), m) // stays open
	old.Status = complaint.StatusClosed
	d.update(old, m)
	s, _ := d.lookup("T1")
	require.Equal(t, int32(-1), s, "closed")
	require.True(t, st.closed)
	require.Equal(t, "T1", st.id, "kept while its alarms are in the queue")
	d.update(ticket("T2"), m)
	s2, _ := d.lookup("T2")
	require.NotEqual(t, s1, s2, "reused while its alarms are in the queue")
	d.compact(true)
	for _, a := range d.queued() {
		require.NotEqual(t, s1, a.slot(), "an alarm of the closed ticket survived the compaction")
	}
	require.Equal(t, dlTicket{}, *st, "a free slot keeps no strings alive")
	d.update(ticket("T3"), m)
	s3, st3 := d.lookup("T3")
	require.Equal(t, s1, s3, "reused after the compaction")
	require.Same(t, st, st3)
	require.Equal(t, "T3", st.id)
	require.False(t, st.closed)
	require.Equal(t, uint32(1), st.gen)
	require.Equal(t, [nStages]uint8{}, st.fired)
	n := 0
	for _, a := range d.queued() {
		if a.slot() == s3 {
			require.Equal(t, st.gen, a.gen)
			n++
		}
	}
	require.Equal(t, 3*3, n, "T3's alarms: reply, resolve and the appeal clock, three levels each")
	require.Equal(t, 3, d.open())
}

// TestLedgerSnapshotAllocs checks what an update of an open warning costs
// the ledger: touch reuses a spent snapshot, and writing it deep-copies
// only the slices (the snapshot is copied into the entry once, not
// cloned twice). The entry gets the warning's latest state, its own copy.
func TestLedgerSnapshotAllocs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	l, err := LoadLedger(ctx, nil, LedgerConfig{})
	require.NoError(t, err)
	key := NewKey("region", "gd.gz.th", "category", "billing.dispute")
	w := Warning{ID: "W1", Kind: KindBatch, Key: key, Fingerprint: Fingerprint(KindBatch, key), Grade: GradeIII,
		RaisedAt: at, UpdatedAt: at, Evidence: Evidence{Tickets: []string{"T1", "T2"}, Members: 2, Rule: "batch/1h"}}
	w.ID, _ = l.raise(&w)
	update := func() {
		w.Evidence.Members++
		w.UpdatedAt = w.UpdatedAt.Add(time.Minute)
		l.touch(&w)
		l.mu.Lock()
		l.writeSnap(l.entries[w.ID])
		l.mu.Unlock()
	}
	update()
	// Key and Tickets deep-copied; the ledgerData of the record.
	require.LessOrEqual(t, testing.AllocsPerRun(100, update), 3.0) // 7 before
	e := l.entries[w.ID]
	require.Equal(t, w.Evidence.Members, e.Warning.Evidence.Members)
	require.Equal(t, w.UpdatedAt, e.Warning.UpdatedAt)
	require.Equal(t, w.Evidence.Tickets, e.Warning.Evidence.Tickets)
	require.NotSame(t, &w.Evidence.Tickets[0], &e.Warning.Evidence.Tickets[0], "the entry has its own copy")
	require.NotSame(t, &w.Key[0], &e.Warning.Key[0])
}

package warning_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/warning"
)

// lateTicket takes a ticket in at, lets its first-contact deadline (1 h)
// run out (an alarm fires) and closes it at done.
func lateTicket(f *feeder, at, done time.Time, customer string) string {
	id := f.intake(at, complaint.Intake{Category: "broadband.delay", Region: "gd.gz.th.s01", Customer: customer})
	f.apply(id, complaint.Event{Type: complaint.EventAccepted, At: at})
	f.apply(id, complaint.Event{Type: complaint.EventDispatched, At: at, Dispatch: &complaint.Dispatch{Unit: "u1"}})
	f.apply(id, complaint.Event{Type: complaint.EventAssigned, At: at, Assign: &complaint.Assign{Assignee: "a1"}})
	f.apply(id, complaint.Event{Type: complaint.EventDeadlinesSet, At: at, Deadlines: &complaint.Deadlines{FirstContact: at.Add(time.Hour)}})
	f.tick(at.Add(90 * time.Minute))
	finish(f, id, done)
	return id
}

// finish contacts, resolves and closes ticket id at done.
func finish(f *feeder, id string, done time.Time) {
	f.apply(id, complaint.Event{Type: complaint.EventContacted, At: done})
	f.apply(id, complaint.Event{Type: complaint.EventResolved, At: done, Resolution: &complaint.Resolution{Outcome: "ok"}})
	f.apply(id, complaint.Event{Type: complaint.EventClosed, At: done, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "u1"}}})
	f.tick(done)
}

func TestLedgerArchivesEndedTicketWarnings(t *testing.T) {
	ctx := context.Background()
	off := warning.Duration(0)
	for _, journal := range []bool{true, false} {
		t.Run(map[bool]string{true: "journal", false: "memory"}[journal], func(t *testing.T) {
			opts := warning.Options{Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off},
				Ledger: warning.LedgerConfig{Recent: 2}}}
			var store *complaint.MemStore
			if journal {
				store = complaint.NewMemStore()
				opts.Journal = store
			}
			f := newFeeder(t, opts)
			l := f.mon.Ledger()
			var ids []string
			for i := range 5 {
				at := t0.Add(time.Duration(i) * 3 * time.Hour)
				lateTicket(f, at, at.Add(2*time.Hour), "C"+string(rune('a'+i)))
			}
			all := l.Summary()
			require.Equal(t, 5, all.ByKind[warning.KindDeadline], "archived entries still count")
			assert.Equal(t, 5, all.ByState[warning.StateClosed], "auto-closed: nobody acknowledged them")
			recent := l.Entries(warning.KindDeadline)
			require.Len(t, recent, 2, "only the recent window stays in memory")
			for _, e := range recent {
				assert.Equal(t, warning.StateClosed, e.State)
				assert.Equal(t, warning.AutoClosedBy, e.ClosedBy)
				assert.False(t, e.Ended.IsZero())
				assert.Empty(t, e.Lookbacks, "no look-back for an auto-closed ticket warning")
				ids = append(ids, e.Warning.ID)
			}
			require.Empty(t, f.mon.Active())

			// The oldest entry left memory: the journal gives it back.
			var oldest string
			if journal {
				for _, r := range mustRecords(t, store) {
					oldest = r
					break
				}
				e, err := l.Get(oldest)
				require.NoError(t, err)
				assert.Equal(t, warning.StateClosed, e.State)
				assert.Equal(t, warning.AutoClosedBy, e.ClosedBy)
				assert.NotContains(t, ids, oldest)
				// A rebuilt ledger archives the same entries.
				l2, err := warning.LoadLedger(ctx, store, warning.LedgerConfig{Recent: 2})
				require.NoError(t, err)
				assert.Equal(t, all, l2.Summary())
				assert.Len(t, l2.Entries(), 2)
			} else {
				_, err := l.Get("W-unknown")
				require.ErrorIs(t, err, complaint.ErrNotFound)
			}
		})
	}
}

// mustRecords lists the warning streams of the journal in order.
func mustRecords(t *testing.T, store *complaint.MemStore) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	require.NoError(t, store.ScanRecords(context.Background(), 0, func(r *complaint.Record) error {
		if id, ok := cutWarning(r.Stream); ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
		return nil
	}))
	return out
}

func cutWarning(stream string) (string, bool) {
	const p = "warning/"
	if len(stream) > len(p) && stream[:len(p)] == p {
		return stream[len(p):], true
	}
	return "", false
}

// An acknowledged deadline warning is not closed by the ledger; once its
// ticket closes it leaves memory and the next step brings it back.
func TestLedgerArchivedEntryStepsOn(t *testing.T) {
	ctx := context.Background()
	off := warning.Duration(0)
	store := complaint.NewMemStore()
	f := newFeeder(t, warning.Options{Journal: store, Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off},
		Ledger: warning.LedgerConfig{Recent: 1}}})
	l := f.mon.Ledger()
	id := f.intake(t0, complaint.Intake{Category: "broadband.delay", Region: "gd.gz.th.s01", Customer: "C1"})
	f.apply(id, complaint.Event{Type: complaint.EventAccepted, At: t0})
	f.apply(id, complaint.Event{Type: complaint.EventDispatched, At: t0, Dispatch: &complaint.Dispatch{Unit: "u1"}})
	f.apply(id, complaint.Event{Type: complaint.EventAssigned, At: t0, Assign: &complaint.Assign{Assignee: "a1"}})
	f.apply(id, complaint.Event{Type: complaint.EventDeadlinesSet, At: t0, Deadlines: &complaint.Deadlines{FirstContact: t0.Add(time.Hour)}})
	f.tick(t0.Add(50 * time.Minute))
	es := l.Entries(warning.KindDeadline)
	require.Len(t, es, 1)
	wid := es[0].Warning.ID
	_, err := l.Acknowledge(ctx, wid, "agent", t0.Add(55*time.Minute))
	require.NoError(t, err)
	finish(f, id, t0.Add(2*time.Hour))
	// Push it out of the one-entry recent window.
	lateTicket(f, t0.Add(3*time.Hour), t0.Add(5*time.Hour), "C2")
	for _, e := range l.Entries() {
		require.NotEqual(t, wid, e.Warning.ID)
	}
	e, err := l.Get(wid)
	require.NoError(t, err)
	assert.Equal(t, warning.StateAcknowledged, e.State, "an acknowledged warning is left to its handlers")
	e, err = l.Handle(ctx, wid, warning.Feedback{By: "agent", Text: "called back"}, t0.Add(6*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, warning.StateHandled, e.State)
	assert.Equal(t, 2, l.Summary().ByKind[warning.KindDeadline])
	assert.Equal(t, 1, l.Summary().FedBack)
}

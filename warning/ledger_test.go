package warning_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/warning"
)

// burst feeds a quiet month on the key, then n tickets in n minutes at start.
func burst(f *feeder, start time.Time, n int, tag string) {
	for i := 0; i < n; i++ {
		f.intake(start.Add(time.Duration(i)*time.Minute), complaint.Intake{Category: "vas.unaware", Region: "gd.gz.th.s01",
			Customer: fmt.Sprintf("%s%d", tag, i), Partner: "SP1"})
	}
}

func batchEntry(t *testing.T, l *warning.Ledger) warning.Entry {
	t.Helper()
	for _, e := range l.Entries(warning.KindBatch) {
		if e.Warning.Key.Get("region") == "gd.gz.th" && e.Warning.Key.Get("category") == "vas.unaware" {
			return e
		}
	}
	t.Fatalf("no batch entry for gd.gz.th × vas.unaware")
	return warning.Entry{}
}

func TestLedgerTransitionsAndReload(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	f := newFeeder(t, warning.Options{Journal: store})
	start := f.background(35, "gd.gz.th.s01", "vas.unaware").Add(9 * time.Hour)
	burst(f, start, 10, "X")
	f.tick(start.Add(time.Hour))
	l := f.mon.Ledger()
	e := batchEntry(t, l)
	id := e.Warning.ID
	require.Equal(t, warning.StateRaised, e.State)

	// Steps out of order are refused.
	_, err := l.Verify(ctx, id, "boss", "", start.Add(time.Hour))
	var te *warning.TransitionError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, complaint.ErrInvalidTransition)
	_, err = l.Acknowledge(ctx, "W-nope", "a", start)
	require.ErrorIs(t, err, complaint.ErrNotFound)

	// Grade I/II/III ack windows are at most 4h: acknowledging after 5h is late.
	e1, err := l.Acknowledge(ctx, id, "duty-officer", start.Add(5*time.Hour))
	require.NoError(t, err)
	assert.True(t, e1.AckLate)
	e1, err = l.Handle(ctx, id, warning.Feedback{By: "city-unit", Text: "SP1 suspended", Actions: []string{"suspend SP1", "refund"}}, start.Add(6*time.Hour))
	require.NoError(t, err)
	assert.False(t, e1.FeedbackLate)
	assert.Equal(t, warning.StateHandled, e1.State)
	_, err = l.Verify(ctx, id, "quality", "refunds checked", start.Add(30*time.Hour))
	require.NoError(t, err)
	e1, err = l.Close(ctx, id, "quality", start.Add(31*time.Hour))
	require.NoError(t, err)
	require.Equal(t, warning.StateClosed, e1.State)
	require.Len(t, e1.Lookbacks, 2)

	// The first look-back (+7 days) passes while the key is quiet.
	f.tick(start.Add(31*time.Hour + 8*24*time.Hour))
	e2, err := l.Get(id)
	require.NoError(t, err)
	require.False(t, e2.Lookbacks[0].Done.IsZero())
	require.False(t, e2.Lookbacks[0].Recurred)
	require.Equal(t, warning.StateClosed, e2.State)

	// A restart rebuilds the same ledger from the journal.
	l2, err := warning.LoadLedger(ctx, store, warning.LedgerConfig{})
	require.NoError(t, err)
	got, err := l2.Get(id)
	require.NoError(t, err)
	assert.Equal(t, e2.State, got.State)
	assert.Equal(t, e2.Version, got.Version)
	j1, _ := json.Marshal(e2)
	j2, _ := json.Marshal(got)
	assert.JSONEq(t, string(j1), string(j2))
	assert.Equal(t, e2.AckLate, got.AckLate)
	recs, err := store.Records(ctx, "warning/"+id)
	require.NoError(t, err)
	assert.Equal(t, e2.Version, len(recs))
	assert.Equal(t, "raised", recs[0].Type)
}

func TestLookbackReopensRecurrence(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	f := newFeeder(t, warning.Options{Journal: store})
	start := f.background(35, "gd.gz.th.s01", "vas.unaware").Add(9 * time.Hour)
	burst(f, start, 10, "X")
	f.tick(start.Add(time.Hour))
	l := f.mon.Ledger()
	id := batchEntry(t, l).Warning.ID
	for _, step := range []func() (*warning.Entry, error){
		func() (*warning.Entry, error) { return l.Acknowledge(ctx, id, "a", start.Add(time.Hour)) },
		func() (*warning.Entry, error) {
			return l.Handle(ctx, id, warning.Feedback{By: "b", Text: "fixed"}, start.Add(2*time.Hour))
		},
		func() (*warning.Entry, error) { return l.Verify(ctx, id, "c", "ok", start.Add(3*time.Hour)) },
		func() (*warning.Entry, error) { return l.Close(ctx, id, "c", start.Add(4*time.Hour)) },
	} {
		_, err := step()
		require.NoError(t, err)
	}
	// The key goes quiet, then bursts again 10 days later: a recurrence of
	// the same entry, not a new one.
	f.tick(start.Add(3 * 24 * time.Hour))
	again := start.Add(10 * 24 * time.Hour)
	burst(f, again, 10, "Y")
	f.tick(again.Add(time.Hour))
	e, err := l.Get(id)
	require.NoError(t, err)
	assert.Equal(t, warning.StateRaised, e.State)
	assert.Equal(t, 1, e.Recurrences)
	assert.Len(t, e.Raises, 2)
	n := 0
	for _, x := range l.Entries(warning.KindBatch) {
		if x.Warning.Fingerprint == e.Warning.Fingerprint {
			n++
		}
	}
	assert.Equal(t, 1, n, "one ledger entry per key")
	// Replaying the stream into a fresh monitor on the same journal records nothing twice.
	before, err := store.Records(ctx, "warning/"+id)
	require.NoError(t, err)
	f2 := newFeeder(t, warning.Options{Journal: store})
	start2 := f2.background(35, "gd.gz.th.s01", "vas.unaware").Add(9 * time.Hour)
	require.Equal(t, start, start2)
	burst(f2, start, 10, "X")
	f2.tick(start.Add(time.Hour))
	after, err := store.Records(ctx, "warning/"+id)
	require.NoError(t, err)
	raises := func(rs []complaint.Record) int {
		c := 0
		for _, r := range rs {
			if r.Type == "raised" || r.Type == "reopened" || r.Type == "refired" {
				c++
			}
		}
		return c
	}
	assert.Equal(t, raises(before), raises(after), "a replay raises nothing new")
}

func TestProblemLifecycle(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	f := newFeeder(t, warning.Options{Journal: store})
	start := f.background(35, "gd.gz.th.s01", "vas.unaware").Add(9 * time.Hour)
	burst(f, start, 10, "X")
	f.tick(start.Add(time.Hour))
	l, ps := f.mon.Ledger(), f.mon.Problems()
	w := batchEntry(t, l).Warning
	p, acts, err := ps.FromWarning(ctx, l, w.ID, "analyst", start.Add(2*time.Hour))
	require.NoError(t, err)
	require.NotEmpty(t, p.Cases)
	require.Len(t, acts, len(p.Cases))
	for _, a := range acts {
		require.Equal(t, complaint.EventMerged, a.Event.Type)
		require.Equal(t, p.ID, a.Event.Merge.Problem)
	}
	_, err = ps.RequestClose(ctx, p.ID, 30*24*time.Hour, "boss", start.Add(3*time.Hour))
	require.ErrorIs(t, err, complaint.ErrInvalidTransition, "no action yet")
	_, err = ps.Analyse(ctx, p.ID, "SP1 billed without consent after a campaign", 120000, "analyst", start.Add(3*time.Hour))
	require.NoError(t, err)
	_, err = ps.AddAction(ctx, p.ID, warning.Rectification{Text: "suspend SP1"}, "boss", start.Add(3*time.Hour))
	var ve *complaint.ValidationError
	require.ErrorAs(t, err, &ve)
	aid, err := ps.AddAction(ctx, p.ID, warning.Rectification{Text: "suspend SP1", Department: "VAS dept", Due: start.Add(48 * time.Hour)}, "boss", start.Add(3*time.Hour))
	require.NoError(t, err)
	_, err = ps.VerifyAction(ctx, p.ID, aid, "q", start.Add(4*time.Hour))
	require.ErrorIs(t, err, complaint.ErrInvalidTransition, "verify before done")
	_, err = ps.CompleteAction(ctx, p.ID, aid, "vas", start.Add(72*time.Hour))
	require.NoError(t, err)
	_, err = ps.VerifyAction(ctx, p.ID, aid, "q", start.Add(80*time.Hour))
	require.NoError(t, err)
	p, err = ps.RequestClose(ctx, p.ID, 30*24*time.Hour, "boss", start.Add(80*time.Hour))
	require.NoError(t, err)
	require.Equal(t, warning.ProblemLookback, p.State)
	assert.True(t, p.Actions[0].Late)
	f.tick(start.Add(20 * 24 * time.Hour))
	p, _ = ps.Get(p.ID)
	require.Equal(t, warning.ProblemLookback, p.State, "not before the look-back ends")
	f.tick(start.Add(80*time.Hour + 31*24*time.Hour))
	p, _ = ps.Get(p.ID)
	require.Equal(t, warning.ProblemClosed, p.State)
	assert.EqualValues(t, 120000, p.Value)
	// Reload from the journal.
	ps2, err := warning.LoadProblems(ctx, store)
	require.NoError(t, err)
	p2, err := ps2.Get(p.ID)
	require.NoError(t, err)
	j1, _ := json.Marshal(p)
	j2, _ := json.Marshal(p2)
	assert.JSONEq(t, string(j1), string(j2))
	_, err = ps2.Get("P-none")
	assert.True(t, errors.Is(err, complaint.ErrNotFound))
}

func TestProblemRecurrence(t *testing.T) {
	ctx := context.Background()
	mon, err := warning.NewMonitor(ctx, warning.Options{})
	require.NoError(t, err)
	ps := mon.Problems()
	p, acts, err := ps.Open(ctx, warning.ProblemSpec{Title: "plan changed without consent", Cases: []string{"T1"}}, t0)
	require.NoError(t, err)
	require.Len(t, acts, 1)
	aid, err := ps.AddAction(ctx, p.ID, warning.Rectification{Text: "fix the script", Department: "marketing", Due: t0.Add(24 * time.Hour)}, "x", t0)
	require.NoError(t, err)
	_, err = ps.CompleteAction(ctx, p.ID, aid, "x", t0.Add(time.Hour))
	require.NoError(t, err)
	_, err = ps.VerifyAction(ctx, p.ID, aid, "y", t0.Add(2*time.Hour))
	require.NoError(t, err)
	_, err = ps.RequestClose(ctx, p.ID, 7*24*time.Hour, "y", t0.Add(2*time.Hour))
	require.NoError(t, err)
	// A ticket merged into the problem during the look-back is a recurrence.
	mon.Observe(&complaint.Event{Ticket: "T2", Type: complaint.EventMerged, At: t0.Add(48 * time.Hour), Merge: &complaint.Merge{Problem: p.ID}}, &complaint.Ticket{ID: "T2"})
	require.NoError(t, mon.Tick(ctx, t0.Add(8*24*time.Hour)))
	p, err = ps.Get(p.ID)
	require.NoError(t, err)
	assert.Equal(t, warning.ProblemRectifying, p.State)
	assert.Equal(t, 1, p.Recurrences)
	assert.Contains(t, p.Cases, "T2")
}

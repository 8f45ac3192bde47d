package warning_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scenario"
	"github.com/kesu-go/kesu/warning"
)

// evalResult is what an evaluation run measured.
type evalResult struct {
	Tickets, Incidents, Detected int
	Recall, Precision            float64
	MedianDelay                  time.Duration
	Batch, False                 int
	FalsePerDay, FalsePerWeek    float64
	Days                         int
}

func (r evalResult) String() string {
	return fmt.Sprintf("tickets=%d incidents=%d detected=%d recall=%.3f precision=%.3f median_delay=%s batch_warnings=%d false=%d false/day=%.3f false/week=%.2f",
		r.Tickets, r.Incidents, r.Detected, r.Recall, r.Precision, r.MedianDelay, r.Batch, r.False, r.FalsePerDay, r.FalsePerWeek)
}

// overlaps reports whether a warning key and an incident are about the same
// place and problem: regions and categories nested one in the other (or the
// partner of the incident).
func overlaps(w warning.Warning, in scenario.Incident) bool {
	if p := w.Key.Get("partner"); p != "" {
		return p == in.Partner && complaint.Under(in.Region, w.Key.Get("region"))
	}
	if w.Key.Get("product") != "" {
		return false
	}
	r, c := w.Key.Get("region"), w.Key.Get("category")
	return (complaint.Under(r, in.Region) || complaint.Under(in.Region, r)) &&
		(complaint.Under(c, in.Category) || complaint.Under(in.Category, c))
}

// evaluate runs a synthetic stream through a Monitor (received events only,
// Tick every 15 minutes of stream time) and scores the batch warnings
// against the injected incidents.
func evaluate(t testing.TB, cfg scenario.GenConfig) evalResult {
	t.Helper()
	ctx := context.Background()
	s, err := scenario.Generate(cfg)
	require.NoError(t, err)
	// Only received events are fed (the batch detector counts intakes), so
	// tickets never resolve here: the appeal clock is off.
	off := warning.Duration(0)
	mon, err := warning.NewMonitor(ctx, warning.Options{Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off}}})
	require.NoError(t, err)
	var res evalResult
	var next time.Time
	tk := new(complaint.Ticket)
	for it := range s.Items() {
		if it.Intake == nil {
			continue
		}
		if next.IsZero() {
			next = it.At.Truncate(15 * time.Minute).Add(15 * time.Minute)
		}
		for !it.At.Before(next) {
			require.NoError(t, mon.Tick(ctx, next))
			next = next.Add(15 * time.Minute)
		}
		ev := complaint.Event{Ticket: it.Intake.ExternalID, Seq: 1, Type: complaint.EventReceived, At: it.At, Intake: it.Intake}
		*tk = complaint.Ticket{}
		require.NoError(t, complaint.Apply(tk, &ev))
		mon.Observe(&ev, tk)
		res.Tickets++
		_ = mon.Actions()
	}
	require.NoError(t, mon.Tick(ctx, next))
	incs := s.Incidents()
	res.Incidents = len(incs)
	res.Days = s.Config().Days
	var delays []time.Duration
	detected := make([]bool, len(incs))
	first := make([]time.Time, len(incs))
	for _, e := range mon.Ledger().Entries(warning.KindBatch) {
		w := e.Warning
		if w.Inhibited || w.Parent != "" {
			continue
		}
		for _, raised := range e.Raises {
			res.Batch++
			hit := false
			for i, in := range incs {
				if overlaps(w, in) && !raised.Before(in.Start) && !raised.After(in.End.Add(24*time.Hour)) {
					hit = true
					if !detected[i] || raised.Before(first[i]) {
						detected[i], first[i] = true, raised
					}
				}
			}
			if !hit {
				res.False++
			}
		}
	}
	for i := range incs {
		if detected[i] {
			res.Detected++
			delays = append(delays, first[i].Sub(incs[i].Start))
		}
	}
	if res.Incidents > 0 {
		res.Recall = float64(res.Detected) / float64(res.Incidents)
	}
	if res.Batch > 0 {
		res.Precision = float64(res.Batch-res.False) / float64(res.Batch)
	}
	if len(delays) > 0 {
		sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
		res.MedianDelay = delays[len(delays)/2]
	}
	res.FalsePerDay = float64(res.False) / float64(res.Days)
	res.FalsePerWeek = res.FalsePerDay * 7
	return res
}

// TestEvaluationYear is the acceptance evaluation: a seeded synthetic year
// for a province (≥ 200,000 tickets, ≥ 20 injected incidents) must give
// recall ≥ 0.9, a median detection delay ≤ 2 h and ≤ 1 false batch warning
// a day on average.
func TestEvaluationYear(t *testing.T) {
	for _, prof := range []string{"carrier", "utility"} {
		t.Run(prof, func(t *testing.T) {
			if prof == "utility" && testing.Short() {
				t.Skip("the utility year runs without -short")
			}
			res := evaluate(t, scenario.GenConfig{Profile: prof, Seed: 20250106, Incidents: 24})
			t.Logf("%s: %s", prof, res)
			require.GreaterOrEqual(t, res.Tickets, 200_000)
			require.GreaterOrEqual(t, res.Incidents, 20)
			require.GreaterOrEqual(t, res.Recall, 0.9, res.String())
			require.LessOrEqual(t, res.MedianDelay, 2*time.Hour, res.String())
			require.LessOrEqual(t, res.FalsePerDay, 1.0, res.String())
		})
	}
}

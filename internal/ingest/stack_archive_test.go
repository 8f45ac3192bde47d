package ingest_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/internal/ingest"
	"github.com/kesu-go/kesu/scenario"
	"github.com/kesu-go/kesu/scoring"
	"github.com/kesu-go/kesu/warning"
)

// noticeLog is a reference for Stack.Warnings: it keeps the latest state
// of every warning ever notified, in memory, in the order first notified
// (what the Stack kept before it archived the warnings that are over).
type noticeLog struct {
	mu    sync.Mutex
	order []string
	last  map[string]warning.Warning
}

func (n *noticeLog) Notify(_ context.Context, notices []warning.Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, nt := range notices {
		if _, ok := n.last[nt.Warning.ID]; !ok {
			n.order = append(n.order, nt.Warning.ID)
		}
		n.last[nt.Warning.ID] = *nt.Warning.Clone()
	}
	return nil
}

// list is the reference listing: the ledger's entries, the firing
// warnings, then every other warning notified, stably sorted by raise time.
func (n *noticeLog) list(mon *warning.Monitor) []ingest.Listed {
	var out []ingest.Listed
	seen := map[string]bool{}
	add := func(w *warning.Warning, state string) {
		if seen[w.ID] {
			return
		}
		seen[w.ID] = true
		tickets := slices.Clone(w.Evidence.Tickets)
		if tickets == nil {
			tickets = []string{}
		}
		out = append(out, ingest.Listed{ID: w.ID, Kind: string(w.Kind), Grade: w.Grade.String(), Key: w.Key.String(),
			RaisedAt: w.RaisedAt.Format(time.RFC3339), Count: max(w.Evidence.Members, w.Evidence.Observed),
			Baseline: w.Evidence.Baseline, Tickets: tickets, Rule: w.Evidence.Rule, State: state})
	}
	for _, e := range mon.Ledger().Entries() {
		add(&e.Warning, string(e.State))
	}
	for _, w := range mon.Active() {
		add(&w, string(warning.StateRaised))
	}
	for _, id := range n.order {
		w := n.last[id]
		add(&w, "archived")
	}
	slices.SortStableFunc(out, func(a, b ingest.Listed) int { return strings.Compare(a.RaisedAt, b.RaisedAt) })
	return out
}

// TestStackWarningsMatchReference replays a generated month through the
// carrier policy with the warnings that are over archived to a file in
// small runs, and lists the same warnings, in the same order and with the
// same evidence, as the reference that keeps every warning in memory.
func TestStackWarningsMatchReference(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a month of tickets")
	}
	s, err := scenario.Generate(scenario.GenConfig{Profile: "carrier", Seed: 3, PerDay: 1500, Days: 30, Warmup: 1, Incidents: 3})
	require.NoError(t, err)
	var data bytes.Buffer
	require.NoError(t, s.WriteJSONL(&data))

	ref := &noticeLog{last: map[string]warning.Warning{}}
	sum, stack := replayThrough(t, ingest.StackConfig{Notifier: ref, ArchiveDir: t.TempDir()}, func(s *ingest.Stack) {
		ingest.SetArchiveRunBytes(s, 8<<10)
		ingest.SetSweepMin(s, 1) // sweep at every notice of a warning resolved
	}, ingest.NewJSONL(&data))
	defer stack.Close()

	n, runs := ingest.ArchivedWarnings(stack)
	require.Greater(t, n, 1000, "warnings archived")
	require.Greater(t, runs, 10, "runs")
	want := ref.list(stack.Monitor)
	got := listWarnings(t, stack)
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, want[i], got[i], "warning %d of %d", i, len(want))
	}
	// Each warning was told to scoring once, whatever its recurrences.
	sc, err := stack.Book.Scorecard(context.Background(), "all", "", scoring.PeriodOf(scoring.Year, sum.First, stack.Book.Policy().Zone()), sum.Last, "warning_closure_rate")
	require.NoError(t, err)
	require.Len(t, sc.Lines, 1)
	require.Equal(t, int64(len(ref.order)), sc.Lines[0].Denominator, "warnings told to scoring")
	t.Logf("%d warnings listed, %d archived in %d runs", len(got), n, runs)
}

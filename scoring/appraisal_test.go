package scoring_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func sampleWorld(t *testing.T) *world {
	t.Helper()
	p, err := scoring.Load("testdata/policy.yaml")
	require.NoError(t, err)
	w := newWorld(t, p, scoring.BookConfig{})
	march(w)
	return w
}

func TestAppraisal(t *testing.T) {
	w := sampleWorld(t)
	ctx := context.Background()
	mar, _ := scoring.ParsePeriod("2025-03", cst)
	cards, err := w.book.AppraiseAll(ctx, "agents", mar, mar.End())
	require.NoError(t, err)
	require.Len(t, cards, 2)
	// a1: satisfaction 100 % → 100 points (×40), 2 resolutions → 50 (×20),
	// first contact 50 % → 50 (×20), timeliness 100 % → 100 (×20):
	// (4000 + 1000 + 1000 + 2000) / 100 = 80
	assert.Equal(t, "a1", cards[0].Unit)
	assert.InDelta(t, 80, cards[0].Score.V, 1e-9)
	// a2: satisfaction 50 % → 0 (below worst 60), 2 resolutions → 50 (×20),
	// first contact 0 → 0, timeliness 0 % → 0: 1000 / 100 = 10
	assert.Equal(t, "a2", cards[1].Unit)
	assert.InDelta(t, 10, cards[1].Score.V, 1e-9)
	assert.Equal(t, []scoring.GroupScore{
		{Group: "service", Weight: 40, Score: scoring.Of(0)},
		{Group: "volume", Weight: 20, Score: scoring.Of(50)},
		{Group: "effectiveness", Weight: 20, Score: scoring.Of(0)},
		{Group: "process", Weight: 20, Score: scoring.Of(0)},
	}, cards[1].Groups)
	assert.Equal(t, "satisfaction 50.00 → 0.0 points (worst 60 = 0, best 100 = 100), weight 40", cards[1].Lines[0].Explain)

	// an agent with no data in a month: no score, not zero
	apr, _ := scoring.ParsePeriod("2025-04", cst)
	c, err := w.book.Appraise(ctx, "agents", "a1", apr, apr.End())
	require.NoError(t, err)
	assert.False(t, c.Score.OK)
	_, err = w.book.Appraise(ctx, "agents", "a1", scoring.PeriodOf(scoring.Year, apr.Start, cst), apr.End())
	require.Error(t, err)
}

func TestPayStatement(t *testing.T) {
	w := sampleWorld(t)
	ctx := context.Background()
	mar, _ := scoring.ParsePeriod("2025-03", cst)
	// a1 closed T1 (billing, immediate → standard 2.50) and T3 (project →
	// 8.50), satisfaction 100 % >= 70 earns the bonus:
	// 3000.00 + 2.50 + 8.50 + 200.00 = 3211.00
	st, err := w.book.PayStatement(ctx, "a1", mar, mar.End())
	require.NoError(t, err)
	assert.Equal(t, complaint.Money(321100), st.Total)
	// a2 closed T2 (vas, coordination → 6.00), reopened once (−1.00),
	// satisfaction 50 % misses the bonus: 3000.00 + 6.00 − 1.00 = 3005.00
	st2, err := w.book.PayStatement(ctx, "a2", mar, mar.End())
	require.NoError(t, err)
	assert.Equal(t, complaint.Money(300500), st2.Total)
	var sb strings.Builder
	require.NoError(t, st.WriteText(&sb))
	require.NoError(t, st2.WriteText(&sb))
	golden(t, "pay-2025-03.txt", []byte(sb.String()))
}

func TestReports(t *testing.T) {
	w := sampleWorld(t)
	ctx := context.Background()
	opt := scoring.ReportOptions{Categories: complaint.CarrierCategories(), Regions: complaint.SampleRegions()}
	for _, tc := range []struct {
		kind   scoring.ReportKind
		period string
		file   string
	}{
		{scoring.MonthlySummary, "2025-03", "report-monthly-2025-03"},
		{scoring.WeeklyAnalysis, "2025-W11", "report-weekly-2025-W11"},
		{scoring.YearlyBulletin, "2025", "report-yearly-2025"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p, err := scoring.ParsePeriod(tc.period, cst)
			require.NoError(t, err)
			r, err := w.book.Report(ctx, tc.kind, p, p.End(), opt)
			require.NoError(t, err)
			var sb strings.Builder
			require.NoError(t, r.WriteText(&sb))
			golden(t, tc.file+".txt", []byte(sb.String()))
			js, err := r.JSON()
			require.NoError(t, err)
			golden(t, tc.file+".json", js)
		})
	}
	mar, _ := scoring.ParsePeriod("2025-03", cst)
	r, err := w.book.Report(ctx, scoring.MonthlySummary, mar, mar.End(), opt)
	require.NoError(t, err)
	// the top locally controllable problems: T1 (billing.dispute), T3 (marketing.unaware)
	require.Len(t, r.TopControllable, 2)
	assert.Equal(t, "billing.dispute", r.TopControllable[0].Key)
	assert.Equal(t, "marketing.unaware", r.TopControllable[1].Key)
	assert.Equal(t, scoring.WarningFigures{Raised: 2, Closed: 1, ClosureRate: scoring.Of(50), Feedback: 2, FeedbackOnTime: 1, FeedbackTimeliness: scoring.Of(50)}, r.Warnings)
	_, err = w.book.Report(ctx, scoring.MonthlySummary, scoring.PeriodOf(scoring.Year, mar.Start, cst), mar.End(), opt)
	require.Error(t, err)
}

package scoring_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/exp/stats"

	"github.com/kesu-go/kesu/scoring"
)

func mustPolicy(t *testing.T, src string) *scoring.Policy {
	t.Helper()
	p, err := scoring.Parse("test.yaml", []byte(src))
	require.NoError(t, err)
	return p
}

func TestBuiltinKPIs(t *testing.T) {
	w := newWorld(t, mustPolicy(t, testPolicy), scoring.BookConfig{})
	march(w)
	mar, err := scoring.ParsePeriod("2025-03", cst)
	require.NoError(t, err)
	end := mar.End() // read once the month is over
	sc, err := w.book.Scorecard(context.Background(), "all", "", mar, end)
	require.NoError(t, err)
	require.Equal(t, int64(20000), sc.Customers)

	h := 3600.0
	tests := []struct {
		kpi      string
		want     float64
		num, den int64
		why      string
	}{
		{scoring.KPIComplaints, 5, 5, 0, "T1 T2 T3 T4 T6 (T5 is a consultation)"},
		{scoring.KPIComplaintsPer10k, 2.5, 5, 20000, "5 / 20000 × 10000"},
		{scoring.KPIUnawareMarketing, 0.5, 1, 20000, "T3: 1 / 20000 × 10000"},
		{scoring.KPIVASUnawarePer10k, 1, 2, 20000, "T2 T4: 2 / 20000 × 10000"},
		{scoring.KPIVASUnawareYoY, 100, 2, 0, "1.0 against 0.5 in 2024-03 (T0): (1.0/0.5 − 1) × 100"},
		{scoring.KPIEscalatedPer10k, 1, 2, 20000, "T3 via 12300, T6 to the media: 2 / 20000 × 10000"},
		{scoring.KPIEscalatedPerMillion, 100, 2, 20000, "2 / 20000 × 1e6"},
		{scoring.KPISatisfaction, 75, 3, 4, "visits T1 ✓ T2 ✗ T2 ✓ T3 ✓: 3/4"},
		{scoring.KPIFirstContact, 100.0 / 3, 1, 3, "closures T1 (fcr) T2 (transferred, reopened) T3 (urged): 1/3"},
		{scoring.KPIRepeatRate, 20, 1, 5, "T4 repeats T2: 1/5"},
		{scoring.KPIReopenRate, 100.0 / 3, 1, 3, "T2 of T1 T2 T3"},
		{scoring.KPITransferRate, 100.0 / 3, 1, 3, "T2 of T1 T2 T3"},
		{scoring.KPIReplyTimeliness, 100.0 / 3, 1, 3, "resolutions with a reply deadline T1 T2 T2; on time T1"},
		{scoring.KPIResolveTimeliness, 100.0 / 3, 1, 3, "resolutions with a deadline T1 T2 T2; on time T1"},
		{scoring.KPIOverdue, 2, 2, 0, "T2 resolved twice after its deadline"},
		{scoring.KPICentralisedShare, 75, 3, 4, "dispatches T1 ✓ T2 ✗ T3 ✓ T4 ✓ (the transfer is not a dispatch)"},
		{scoring.KPIWarningClosure, 50, 1, 2, "W1 closed of W1 W2 raised"},
		{scoring.KPIFeedbackTimeliness, 50, 1, 2, "W1 on time, W2 late"},
		{scoring.KPIResolveHours, (4 + 51 + 120 + 24) / 4.0, 4, 4, "T1 4 h; T2 75 h − 24 h waiting = 51 h; T2 again 144 − 24 = 120 h; T3 24 h"},
		{scoring.KPIResolved, 4, 4, 0, "T1 T2 T2 T3"},
		{scoring.KPICompensated, 100.0 / 3, 1, 3, "T2 refunded"},
	}
	for _, tt := range tests {
		t.Run(tt.kpi, func(t *testing.T) {
			l, ok := sc.Line(tt.kpi)
			require.True(t, ok)
			require.True(t, l.Value.OK, "no data")
			assert.InDelta(t, tt.want, l.Value.V, 1e-9, tt.why)
			assert.Equal(t, tt.num, l.Numerator, "numerator: "+tt.why)
			assert.Equal(t, tt.den, l.Denominator, "denominator: "+tt.why)
			assert.Equal(t, l.Value, l.Projected, "the period is over")
			assert.NotEmpty(t, l.Explain)
		})
	}

	// The 90th percentile comes from a histogram: within 3.2 % of the exact
	// quantile over the same durations (golang.org/x/exp/stats).
	exact := stats.Quantiles([]float64{4 * h, 24 * h, 51 * h, 120 * h}, 0.9)[0] / h
	l, _ := sc.Line(scoring.KPIResolveHoursP90)
	require.True(t, l.Value.OK)
	assert.InEpsilon(t, exact, l.Value.V, 0.032)

	// targets: the month target <= 4 is met; the yearly R23 targets do not
	// apply to a month; satisfaction 75 % misses >= 79 %.
	l, _ = sc.Line(scoring.KPIComplaintsPer10k)
	require.NotNil(t, l.Assessment)
	assert.Equal(t, scoring.Met, l.Assessment.Status)
	assert.Equal(t, "test.yaml:9", l.Assessment.Source)
	l, _ = sc.Line(scoring.KPISatisfaction)
	assert.Equal(t, scoring.Missed, l.Assessment.Status)
	assert.Equal(t, "built-in (R23)", l.Assessment.Source)
	l, _ = sc.Line(scoring.KPIUnawareMarketing)
	assert.Nil(t, l.Assessment, "the R23 target is yearly")
	// +100 % year on year misses the −25 % target
	l, _ = sc.Line(scoring.KPIVASUnawareYoY)
	assert.Equal(t, scoring.Missed, l.Assessment.Status)
	assert.InDelta(t, 0.5, l.Baseline.V, 1e-9)
}

func TestNoData(t *testing.T) {
	w := newWorld(t, mustPolicy(t, testPolicy), scoring.BookConfig{})
	march(w)
	ctx := context.Background()
	t.Run("empty period", func(t *testing.T) {
		p, _ := scoring.ParsePeriod("2026-06", cst)
		sc, err := w.book.Scorecard(ctx, "all", "", p, p.End())
		require.NoError(t, err)
		for _, l := range sc.Lines {
			assert.False(t, l.Value.OK, l.KPI)
			assert.False(t, l.Projected.OK, l.KPI)
			if l.Assessment != nil {
				assert.Equal(t, scoring.NoData, l.Assessment.Status, l.KPI)
			}
		}
	})
	t.Run("zero denominators", func(t *testing.T) {
		// 2025-01 has one complaint (T8) but no visit, closure, resolution,
		// dispatch or warning: every ratio on those has no data.
		p, _ := scoring.ParsePeriod("2025-01", cst)
		sc, err := w.book.Scorecard(ctx, "all", "", p, p.End())
		require.NoError(t, err)
		l, _ := sc.Line(scoring.KPIComplaints)
		assert.Equal(t, scoring.Of(1), l.Value)
		for _, k := range []string{scoring.KPISatisfaction, scoring.KPIFirstContact, scoring.KPICentralisedShare,
			scoring.KPIWarningClosure, scoring.KPIResolveHours, scoring.KPIResolveHoursP90, scoring.KPIReplyTimeliness} {
			l, _ := sc.Line(k)
			assert.False(t, l.Value.OK, k)
			assert.Equal(t, "no data", l.Value.String(), k)
		}
		// year on year against an empty 2024-01: no data, not +Inf
		l, _ = sc.Line(scoring.KPIComplaintsYoY)
		assert.False(t, l.Value.OK)
	})
	t.Run("unknown customer base", func(t *testing.T) {
		p, _ := scoring.ParsePeriod("2025-03", cst)
		sc, err := w.book.Scorecard(ctx, "county", "gd.gz.th", p, p.End())
		require.NoError(t, err)
		l, _ := sc.Line(scoring.KPIComplaintsPer10k)
		assert.False(t, l.Value.OK)
		assert.Equal(t, int64(2), l.Numerator) // T1, T4
		assert.Zero(t, sc.Customers)
	})
}

func TestYearBoundary(t *testing.T) {
	w := newWorld(t, mustPolicy(t, testPolicy), scoring.BookConfig{})
	march(w)
	ctx := context.Background()
	count := func(p scoring.Period) scoring.Value {
		t.Helper()
		sc, err := w.book.Scorecard(ctx, "all", "", p, p.End(), scoring.KPIComplaints)
		require.NoError(t, err)
		return sc.Lines[0].Value
	}
	y24, _ := scoring.ParsePeriod("2024", cst)
	y25, _ := scoring.ParsePeriod("2025", cst)
	// 2024: T0 and T7 (23:59 on 31 December, Shanghai time; 15:59 UTC)
	assert.Equal(t, scoring.Of(2), count(y24))
	// 2025: T8 (midnight on 1 January Shanghai = 16:00 UTC on 31 December) + 5 in March
	assert.Equal(t, scoring.Of(6), count(y25))
	// the ISO week 2025-W01 (Monday 2024-12-30) holds both T7 and T8
	wk, err := scoring.ParsePeriod("2025-W01", cst)
	require.NoError(t, err)
	assert.Equal(t, at(2024, 12, 30, 0, 0), wk.Start)
	assert.Equal(t, scoring.Of(2), count(wk))
	q1, _ := scoring.ParsePeriod("2025-Q1", cst)
	assert.Equal(t, scoring.Of(6), count(q1))
	// the yearly R23 target: 6 / 20000 × 10000 = 3 per 10,000 <= 38
	sc, err := w.book.Scorecard(ctx, "all", "", y25, y25.End(), scoring.KPIComplaintsPer10k, scoring.KPIComplaintsYoY)
	require.NoError(t, err)
	assert.InDelta(t, 3, sc.Lines[0].Value.V, 1e-9)
	assert.Equal(t, scoring.Met, sc.Lines[0].Assessment.Status)
	// year on year: 3 against 2024's 2 / 20000 × 10000 = 1: +200 %, misses −10 %
	assert.InDelta(t, 200, sc.Lines[1].Value.V, 1e-9)
	assert.Equal(t, scoring.Missed, sc.Lines[1].Assessment.Status)
}

func TestProjectionAndStatus(t *testing.T) {
	w := newWorld(t, mustPolicy(t, testPolicy), scoring.BookConfig{})
	march(w)
	mar, _ := scoring.ParsePeriod("2025-03", cst)
	mid := at(2025, 3, 16, 0, 0) // 15 of 31 days passed
	sc, err := w.book.Scorecard(context.Background(), "all", "", mar, mid, scoring.KPIComplaintsPer10k, scoring.KPISatisfaction)
	require.NoError(t, err)
	assert.InDelta(t, 15.0/31, sc.Elapsed, 1e-12)
	l := sc.Lines[0]
	// 2.5 per 10,000 so far; at this rate 2.5 / (15/31) = 5.1667 by the end
	assert.InDelta(t, 2.5, l.Value.V, 1e-9)
	assert.InDelta(t, 2.5*31/15, l.Projected.V, 1e-9)
	assert.Equal(t, scoring.AtRisk, l.Assessment.Status, "5.17 projected > 4")
	// a ratio projects as it stands: 75 % < 79 % is at risk while the month runs
	assert.Equal(t, scoring.AtRisk, sc.Lines[1].Assessment.Status)
	assert.InDelta(t, 75, sc.Lines[1].Projected.V, 1e-9)
}

func TestRankingAndDecomposition(t *testing.T) {
	w := newWorld(t, mustPolicy(t, testPolicy), scoring.BookConfig{})
	march(w)
	ctx := context.Background()
	mar, _ := scoring.ParsePeriod("2025-03", cst)
	// escalations per million by city: gd.gz has none (0 / 8000), gd.sz has
	// T3 and T6: 2 / 12000 × 1e6 = 166.67; lower is better.
	rk, err := w.book.Ranking(ctx, scoring.KPIEscalatedPerMillion, "city", mar, mar.End())
	require.NoError(t, err)
	require.Len(t, rk, 2)
	assert.Equal(t, scoring.Rank{Place: 1, Unit: "gd.gz", Value: scoring.Of(0)}, rk[0])
	assert.Equal(t, "gd.sz", rk[1].Unit)
	assert.InDelta(t, 2.0/12000*1e6, rk[1].Value.V, 1e-9)
	sc, err := w.book.Scorecard(ctx, "city", "gd.sz", mar, mar.End(), scoring.KPIEscalatedPerMillion)
	require.NoError(t, err)
	a := sc.Lines[0].Assessment
	assert.Equal(t, &scoring.Assessment{Target: "top 1", Source: "test.yaml:10", Status: scoring.Missed, Rank: 2, Of: 2}, a)

	// responsibility decomposition (R24): first-contact resolution by side
	rk, err = w.book.Ranking(ctx, scoring.KPIFirstContact, "side", mar, mar.End())
	require.NoError(t, err)
	assert.Equal(t, []scoring.Rank{
		{Place: 1, Unit: "front-line", Value: scoring.Of(100)},
		{Place: 2, Unit: "back-office", Value: scoring.Of(0)},
		{Place: 2, Unit: "functional", Value: scoring.Of(0)},
	}, rk)
	sc, err = w.book.Scorecard(ctx, "side", "back-office", mar, mar.End())
	require.NoError(t, err)
	ext := sc.External()
	require.Len(t, ext, 1)
	assert.Equal(t, scoring.KPISatisfaction, ext[0].KPI)
	assert.Len(t, sc.Internal(), len(sc.Lines)-1)

	// agents: a1 resolved T1 and T3, a2 resolved T2 twice
	rk, err = w.book.Ranking(ctx, scoring.KPIResolved, "agent", mar, mar.End())
	require.NoError(t, err)
	assert.Equal(t, []scoring.Rank{{Place: 1, Unit: "a1", Value: scoring.Of(2)}, {Place: 1, Unit: "a2", Value: scoring.Of(2)}}, rk)
}

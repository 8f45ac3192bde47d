package warning

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/require"
)

// TestTrendTotals drives the trend detector through random days (quiet
// days, busy days, gaps longer than the ring, late tickets, Ticks) and
// checks after every step that each series' running totals are the sums
// of its ring and its squares, and that before(s.day) — what close(s.day)
// uses — equals the walk over days d-1 … d-(n-1) that it replaced.
func TestTrendTotals(t *testing.T) {
	ctx := context.Background()
	m, err := NewMonitor(ctx, Options{})
	require.NoError(t, err)
	tr := m.trend
	r := rand.New(rand.NewPCG(15, 16))
	walk := func(s *tseries, d int64) (sum, sq, k int) {
		i := int(d % trendDays)
		for j := 1; j < s.n && j < trendDays; j++ {
			if i--; i < 0 {
				i = trendDays - 1
			}
			v := int(s.days[i])
			sum += v
			sq += v * v
			k++
		}
		return
	}
	checked, full := 0, 0
	check := func() {
		t.Helper()
		for i := range tr.s {
			s := &tr.s[i]
			tot, tot2 := 0, 0
			for _, v := range s.days {
				tot += int(v)
				tot2 += int(v) * int(v)
			}
			require.Equal(t, tot, s.tot)
			require.Equal(t, tot2, s.tot2)
			if s.n >= trendDays {
				full++
			}
			if s.n+1 >= 14 { // close(s.day) would increment n first
				s.n++
				sum, sq, k := walk(s, s.day)
				gs, gq, gk := s.before(s.day)
				s.n--
				require.Equal(t, [3]int{sum, sq, k}, [3]int{gs, gq, gk}, "n %d", s.n)
				checked++
			}
		}
	}
	regions := []string{"gd.c01.d01", "gd.c02.d01"}
	at := time.Date(2025, 1, 6, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	id := 0
	for step := range 4000 {
		switch x := r.IntN(100); {
		case x < 3: // a gap, sometimes longer than the ring
			at = at.Add(time.Duration(r.IntN(40*24)) * time.Hour)
		case x < 6:
			_ = m.Tick(ctx, at)
		default:
			at = at.Add(time.Duration(r.IntN(8*60)) * time.Minute)
		}
		for range r.IntN(1 + 30*(step%7)) {
			id++
			ta := at
			if r.IntN(20) == 0 {
				ta = at.Add(-time.Duration(r.IntN(72)) * time.Hour) // late
			}
			tk := &complaint.Ticket{ID: "T" + string(rune('a'+id%26)), Region: regions[r.IntN(2)], Category: "billing.dispute", ReceivedAt: ta}
			var keys ticketKeys
			keys.set(tk)
			tr.observe(tk, &keys, m)
		}
		check()
	}
	t.Logf("%d comparisons, %d with a full ring", checked, full)
	require.Greater(t, checked, 1000)
	require.Greater(t, full, 1000)
}

// TestZoneCache checks the cached zone offset against time.Time.Zone for
// instants around DST changes in several locations, taken in turn and
// mixed.
func TestZoneCache(t *testing.T) {
	var locs []*time.Location
	for _, name := range []string{"UTC", "Local", "America/New_York", "Europe/Berlin", "Asia/Shanghai", "Australia/Lord_Howe"} {
		l, err := time.LoadLocation(name)
		require.NoError(t, err)
		locs = append(locs, l)
	}
	locs = append(locs, time.FixedZone("X", -5*3600+1800))
	r := rand.New(rand.NewPCG(17, 18))
	var z zoneCache
	for range 200000 {
		l := locs[r.IntN(len(locs))]
		if r.IntN(4) != 0 { // runs in one location
			l = locs[0]
			if z.loc != nil {
				l = z.loc
			}
		}
		u := int64(1_500_000_000) + r.Int64N(400*86400)
		if r.IntN(50) == 0 {
			u = -int64(r.Uint64N(1 << 36))
		}
		tm := time.Unix(u, 0).In(l)
		_, want := tm.Zone()
		require.Equal(t, want, z.offset(tm), "%v", tm)
	}
	var zero time.Time
	_, want := zero.Zone()
	require.Equal(t, want, z.offset(zero))
}

// TestBuiltinMax checks that the built-in max, which close uses, agrees
// with math.Max bit for bit on the special values and on random ones.
func TestBuiltinMax(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	r := rand.New(rand.NewPCG(19, 20))
	for range 1000 {
		vals = append(vals, r.NormFloat64()*1e3)
	}
	for _, x := range vals {
		for _, y := range vals[:12] {
			require.Equal(t, math.Float64bits(math.Max(x, y)) == math.Float64bits(max(x, y)) || (math.IsNaN(x) || math.IsNaN(y)) && math.IsNaN(max(x, y)), true, "max(%v, %v)", x, y)
			require.Equal(t, math.Float64bits(math.Max(y, x)) == math.Float64bits(max(y, x)) || (math.IsNaN(x) || math.IsNaN(y)) && math.IsNaN(max(y, x)), true, "max(%v, %v)", y, x)
		}
	}
}

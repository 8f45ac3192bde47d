package warning

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// randSeries fills s with a random state: sparse or dense hour slots
// (some excluded), rates that make whole empty days update φ or not, a
// day's sums already started or not, φ near its fixed points and phiDays
// near its cap.
func randSeries(r *rand.Rand, s *series) {
	*s = series{}
	s.born = int64(r.IntN(3000))
	s.phi = 1
	p0 := []float64{0, 0.5, 0.9, 0.97, 0.995, 1}[r.IntN(6)]
	big := r.IntN(3) == 0
	for i := range s.hours {
		switch x := r.Float64(); {
		case x < p0:
		case x < p0+(1-p0)*0.05:
			s.hours[i] = excluded
		case big && x < p0+(1-p0)*0.2:
			s.hours[i] = uint8(100 + r.IntN(excluded-100))
		default:
			s.hours[i] = uint8(1 + r.IntN(4))
		}
	}
	switch r.IntN(3) {
	case 0: // the ring's own sums
		for _, v := range s.hours {
			if v != excluded {
				s.sumH += int32(v)
				s.nH++
			}
		}
	case 1:
		s.nH = int16(r.IntN(ringH + 1))
		s.sumH = int32(r.IntN(3 * ringH))
	default: // around a week of hours, rates from 0 to ≈ 3
		s.nH = int16(week - 3 + r.IntN(8))
		s.sumH = int32(r.IntN(3 * week))
	}
	if r.IntN(4) == 0 {
		s.dayExp = float32(r.Float64() * 3)
		s.dayObs = float32(r.IntN(5))
	}
	s.dayExcl = r.IntN(8) == 0
	switch r.IntN(3) {
	case 0:
		s.phi = float32(1 + 9*r.Float64())
	case 1:
		s.phi = float32(r.Float64()) // near a sparse key's fixed point
	}
	switch r.IntN(3) {
	case 0:
		s.phiDays = uint16(r.IntN(1001))
	case 1:
		s.phiDays = uint16(990 + r.IntN(11))
	}
	s.open = r.IntN(10) == 0
	s.excl = r.IntN(10) == 0
	s.live = true
}

// sameSeries reports whether a and b are equal, float fields bit for bit.
func sameSeries(a, b *series) bool {
	f := func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) }
	return *a == *b && f(a.phi, b.phi) && f(a.dayObs, b.dayObs) && f(a.dayExp, b.dayExp)
}

// TestCloseEmptyEach checks closeEmpty (its run-skipping warm path and its
// whole-day updates of φ) against closeHour(s, h, 0, excl) hour by hour,
// its definition, on random states and ranges of hours.
func TestCloseEmptyEach(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	cfg := Config{}.Defaults()
	b, ref := newBatch(&cfg), newBatch(&cfg)
	var got, want series
	for it := range 200000 {
		randSeries(r, &want)
		from := want.born - 30 + int64(r.IntN(2*ringH+60))
		to := from + int64(r.IntN(ringH+1))
		excl := r.IntN(10) == 0
		got = want
		for h := from; h < to; h++ {
			ref.closeHour(&want, h, 0, excl)
		}
		b.closeEmpty(&got, from, to, excl)
		if !sameSeries(&got, &want) {
			t.Fatalf("%d: closeEmpty [%d, %d) excl %v, born %d: got\n%+v\nwant\n%+v", it, from, to, excl, want.born, got, want)
		}
	}
}

// TestEmptyDays checks emptyDays against its definition, k days closed
// one by one, for rates on both sides of closeDay's 0.5 and for many days
// (φ reaching its float32 fixed point).
func TestEmptyDays(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	cfg := Config{}.Defaults()
	b := newBatch(&cfg)
	var got, want series
	for it := range 100000 {
		randSeries(r, &want)
		want.dayExp = 0
		e := float32(r.Float64() * 2)
		if r.IntN(4) == 0 {
			e = float32(r.Float64() * 60)
		}
		k := 1 + r.IntN(30)
		if r.IntN(10) == 0 {
			k = 1 + r.IntN(400)
		}
		got = want
		for range k {
			want.dayExp = e
			b.closeDay(&want)
		}
		b.emptyDays(&got, e, k)
		if !sameSeries(&got, &want) {
			t.Fatalf("%d: emptyDays(%v, %d): got\n%+v\nwant\n%+v", it, e, k, got, want)
		}
	}
}

// refAdvance is advance with the hours closed one by one by closeHour.
func (b *batch) refAdvance(s *series, q int64) {
	if q <= s.q {
		return
	}
	oldH, newH := floorDiv(s.q, 4), floorDiv(q, 4)
	if newH > oldH {
		c := 0
		for j := range int64(4) {
			c += int(s.quarters[(oldH*4+j)%ringQ])
		}
		b.closeHour(s, oldH, c, s.excl)
		s.excl = s.open
		n := newH - oldH - 1
		if n >= ringH && !s.open {
			clear(s.hours[:])
			s.sumH, s.nH = 0, int16(min(int64(ringH), newH-s.born))
			s.dayObs, s.dayExp, s.dayExcl = 0, 0, false
			n = 0
		}
		if n > ringH {
			n = ringH
		}
		for h := max(newH-n, s.born); h < newH; h++ {
			b.closeHour(s, h, 0, s.open)
		}
	}
	for x := s.q + 1; x <= q && x <= s.q+ringQ; x++ {
		s.sum24 -= int32(s.quarters[x%ringQ])
		s.quarters[x%ringQ] = 0
	}
	s.q = q
}

// TestAdvanceRoll follows keys of every density from birth through months
// of tickets (gaps of minutes to weeks, warnings opening and closing) and
// checks after every ticket that advance left the same state as refAdvance.
func TestAdvanceRoll(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	cfg := Config{}.Defaults()
	b, ref := newBatch(&cfg), newBatch(&cfg)
	for key := range 300 {
		var got, want series
		hour := int64(400000 + r.IntN(1000))
		want.born, want.q, want.phi, want.cacheQ = hour, hour*4, 1, -1
		gap := []int{2, 20, 200, 2000, 20000}[r.IntN(5)] // mean gap in quarters
		q := want.q
		got = want
		for tk := range 2000 {
			q += int64(r.IntN(2 * gap))
			if r.IntN(50) == 0 {
				q += int64(r.IntN(4 * ringH * 4)) // a gap of up to 16 weeks
			}
			if r.IntN(100) == 0 {
				want.open = !want.open
				got.open = want.open
			}
			ref.refAdvance(&want, q)
			b.advance(&got, q)
			for _, s := range []*series{&got, &want} {
				p := &s.quarters[q%ringQ]
				if *p < maxCount {
					*p++
					s.sum24++
				}
			}
			if !sameSeries(&got, &want) {
				t.Fatalf("key %d ticket %d (quarter %d): got\n%+v\nwant\n%+v", key, tk, q, got, want)
			}
		}
	}
}

// TestWindowSums checks windowSums against the sum it replaces: every
// quarter q-i (i = 1 … maxK-1) of the longest window in turn, each window's
// expectation taken when its k-1 quarters are in, for random windows
// (several sharing a length too) and hour means.
func TestWindowSums(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for it := range 3000 {
		cfg := Config{}.Defaults()
		cfg.Batch.Windows = nil
		for range 1 + r.IntN(4) {
			cfg.Batch.Windows = append(cfg.Batch.Windows, Duration(time.Duration(1+r.IntN(24*60))*time.Minute))
		}
		if r.IntN(3) == 0 {
			cfg.Batch.Windows = []Duration{Duration(15 * time.Minute), Duration(time.Hour), Duration(24 * time.Hour)}
		}
		b := newBatch(&cfg)
		for q := range 4 {
			lo := floorDiv(int64(q-b.maxK+1), 4) // the first hour, relative to the current one
			ms := make([]float64, 1-lo)
			for i := range ms {
				ms[i] = r.Float64() * math.Pow(10, float64(r.IntN(6)-3))
			}
			var want, got [4]float32
			var sum float64
			for i := 1; i < b.maxK; i++ {
				sum += ms[floorDiv(int64(q-i), 4)-lo] / 4
				for j, k := range b.windows {
					if k == i+1 {
						want[j] = float32(sum)
					}
				}
			}
			b.windowSums(ms, q, &got)
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%d: windows %v (quarters %v), q mod 4 = %d: got %v, want %v", it, cfg.Batch.Windows, b.windows, q, got, want)
				}
			}
		}
	}
}

// TestOwnRange checks ownRange (runs of the ring per week back) against
// series.own hour by hour, on random rings with and without excluded slots,
// keys young and old, and ranges of up to maxWinH hours ending anywhere
// around the current hour.
func TestOwnRange(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	var s series
	for it := range 50000 {
		randSeries(r, &s)
		if r.IntN(2) == 0 {
			for i := range s.hours {
				if s.hours[i] == excluded {
					s.hours[i] = maxCount
				}
			}
		}
		s.q = (s.born+int64(r.IntN(7*week)))*4 + int64(r.IntN(4))
		hi := s.q>>2 - int64(r.IntN(30)) + 2
		lo := hi - int64(r.IntN(maxWinH))
		var o ownSums
		ownRange(&s, lo, hi, &o)
		for h := lo; h <= hi; h++ {
			sum, n := s.own(h)
			if float64(o.sum[h-lo]) != sum || int(o.n[h-lo]) != n {
				t.Fatalf("%d: ownRange [%d, %d] (q %d, born %d): hour %d: %d, %d; own: %v, %d", it, lo, hi, s.q, s.born, h, o.sum[h-lo], o.n[h-lo], sum, n)
			}
		}
	}
}

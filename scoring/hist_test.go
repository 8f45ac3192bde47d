package scoring

import (
	"math/rand/v2"
	"testing"
)

// refHist is the fixed-size histogram hist replaced: every bucket, always.
type refHist struct {
	n      int64
	counts [histBuckets]uint32
}

func (h *refHist) add(x int64) { h.counts[histIndex(x)]++; h.n++ }

func (h *refHist) nth(k int64) float64 {
	var seen int64
	for i, c := range h.counts {
		seen += int64(c)
		if seen > k {
			low, w := histLow(i)
			if i < 32 {
				return low
			}
			return low + w/2
		}
	}
	return 0
}

// TestHistMatchesFixed checks that the ranged histogram answers every order
// statistic and quantile as the fixed one does, added to or merged.
func TestHistMatchesFixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func() int64 {
		switch rng.IntN(4) {
		case 0:
			return rng.Int64N(40) - 3
		case 1:
			return rng.Int64N(1 << 20)
		case 2:
			return 1<<31 + rng.Int64N(1000)
		}
		return 3600 + rng.Int64N(48*3600)
	}
	for round := range 300 {
		var ref refHist
		var a, b, m hist
		n := 1 + rng.IntN(60)
		for i := range n {
			x := draw()
			if round%3 == 0 {
				x = 7200 + int64(i)*37 // a narrow range
			}
			ref.add(x)
			if i%2 == 0 {
				a.add(x)
			} else {
				b.add(x)
			}
		}
		m.merge(&a)
		m.merge(&b)
		var whole hist
		whole.merge(&m)
		for k := range ref.n {
			if got, want := m.nth(k), ref.nth(k); got != want {
				t.Fatalf("round %d: nth(%d) = %v, want %v", round, k, got, want)
			}
			if got, want := whole.nth(k), ref.nth(k); got != want {
				t.Fatalf("round %d: merged nth(%d) = %v, want %v", round, k, got, want)
			}
		}
		if m.n != ref.n {
			t.Fatalf("n = %d, want %d", m.n, ref.n)
		}
		a.reset()
		if a.n != 0 || a.quantile(0.5).OK {
			t.Fatal("reset hist not empty")
		}
	}
}

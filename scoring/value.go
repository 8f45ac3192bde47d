package scoring

import (
	"math"
	"math/bits"
	"strconv"
)

// Value is a KPI value that may be missing. The zero Value is "no data": an
// empty period, a zero denominator or an unknown customer base give it,
// never NaN or a division panic.
type Value struct {
	V  float64
	OK bool
}

// Of returns a present Value; NaN and infinities give "no data".
func Of(v float64) Value {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Value{}
	}
	return Value{V: v, OK: true}
}

// ratio returns num/den×scale, or no data when den is zero.
func ratio(num, den int64, scale float64) Value {
	if den == 0 {
		return Value{}
	}
	return Of(float64(num) / float64(den) * scale)
}

// String formats the value with two decimals, or "no data".
func (v Value) String() string {
	if !v.OK {
		return "no data"
	}
	return strconv.FormatFloat(v.V, 'f', 2, 64)
}

// MarshalJSON encodes the value as a number rounded to 4 decimals, or null.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.OK {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, math.Round(v.V*1e4)/1e4, 'f', -1, 64), nil
}

// UnmarshalJSON decodes a number or null.
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Value{}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*v = Of(f)
	return nil
}

// hist is a log-linear histogram of non-negative integers (seconds): exact
// below 32, then 16 buckets per power of two, so a bucket's midpoint is within
// 3.2 % of any value in it. It holds only the range of buckets between its
// lowest and highest value (durations of one unit and period rarely span
// more than a few powers of two), so it grows a few times and then no
// longer allocates.
type hist struct {
	n      int64
	lo     int32    // bucket index of counts[0]
	counts []uint32 // buckets lo … lo+len(counts)-1
}

const histBuckets = 32 + (30-5+1)*16 // values up to 2^31-1 seconds (68 years)

// histSlack is how many buckets beyond a new value a growing hist makes
// room for, so that nearby values do not grow it again.
const histSlack = 8

func histIndex(x int64) int {
	if x < 32 {
		if x < 0 {
			return 0
		}
		return int(x)
	}
	if x >= 1<<31 {
		x = 1<<31 - 1
	}
	e := 63 - bits.LeadingZeros64(uint64(x)) // 2^e <= x < 2^(e+1), 5 <= e <= 30
	sub := int(x>>(e-4)) & 15
	return 32 + (e-5)*16 + sub
}

// histLow returns the lowest value of bucket i and the bucket's width.
func histLow(i int) (float64, float64) {
	if i < 32 {
		return float64(i), 1
	}
	e := (i-32)/16 + 5
	sub := (i - 32) % 16
	w := math.Ldexp(1, e-4)
	return math.Ldexp(1, e) + float64(sub)*w, w
}

func (h *hist) add(x int64) { h.addBucket(histIndex(x)) }

// addBucket adds one value in bucket i (histIndex).
func (h *hist) addBucket(i int) {
	j := i - int(h.lo)
	if uint(j) >= uint(len(h.counts)) {
		h.cover(i, i+1)
		j = i - int(h.lo)
	}
	h.counts[j]++
	h.n++
}

// cover grows h so that it holds buckets [from, to), with some slack.
func (h *hist) cover(from, to int) {
	if len(h.counts) > 0 {
		from, to = min(from, int(h.lo)), max(to, int(h.lo)+len(h.counts))
	}
	if from < int(h.lo) || len(h.counts) == 0 {
		from = max(from-histSlack, 0)
	}
	if len(h.counts) == 0 || to > int(h.lo)+len(h.counts) {
		to = min(to+histSlack, histBuckets)
	}
	c := make([]uint32, to-from)
	if len(h.counts) > 0 {
		copy(c[int(h.lo)-from:], h.counts)
	}
	h.lo, h.counts = int32(from), c
}

// reset empties h, keeping its memory.
func (h *hist) reset() {
	h.n = 0
	clear(h.counts)
}

func (h *hist) merge(o *hist) {
	if len(o.counts) == 0 {
		h.n += o.n
		return
	}
	if len(h.counts) == 0 || int(o.lo) < int(h.lo) || int(o.lo)+len(o.counts) > int(h.lo)+len(h.counts) {
		h.cover(int(o.lo), int(o.lo)+len(o.counts))
	}
	off := int(o.lo) - int(h.lo)
	for i, c := range o.counts {
		h.counts[off+i] += c
	}
	h.n += o.n
}

// mergeUsed adds o's values to h, growing h only as far as o's lowest and
// highest non-empty buckets (o may hold a wider range, kept from earlier
// use).
func (h *hist) mergeUsed(o *hist) {
	lo, hi := 0, len(o.counts)
	for lo < hi && o.counts[lo] == 0 {
		lo++
	}
	for hi > lo && o.counts[hi-1] == 0 {
		hi--
	}
	if lo < hi {
		from, to := int(o.lo)+lo, int(o.lo)+hi
		if len(h.counts) == 0 || from < int(h.lo) || to > int(h.lo)+len(h.counts) {
			h.cover(from, to)
		}
		dst := h.counts[from-int(h.lo) : to-int(h.lo)]
		for i, c := range o.counts[lo:hi] {
			dst[i] += c
		}
	}
	h.n += o.n
}

// quantile returns the q-quantile (0 ≤ q ≤ 1) with the rank rule of
// golang.org/x/exp/stats.Quantiles (linear between order statistics),
// each order statistic read as its bucket's midpoint (exact below 32).
func (h *hist) quantile(q float64) Value {
	if h == nil || h.n == 0 {
		return Value{}
	}
	r := q * float64(h.n-1)
	lo := int64(math.Floor(r))
	a, b := h.nth(lo), h.nth(min(lo+1, h.n-1))
	return Of(a + (b-a)*(r-float64(lo)))
}

// nth returns the midpoint of the bucket holding the k-th (0-based) value.
func (h *hist) nth(k int64) float64 {
	var seen int64
	for j, c := range h.counts {
		seen += int64(c)
		if seen > k {
			i := j + int(h.lo)
			low, w := histLow(i)
			if i < 32 {
				return low
			}
			return low + w/2
		}
	}
	return 0
}

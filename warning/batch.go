package warning

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/kesu-go/kesu/complaint"
)

// The key families of the batch detector (DESIGN.md): region-L3 ×
// sub-category, region-L2 × category, partner × region-L1, product; and the
// province × category parent, kept for cold starts and never tested.
const (
	famFine    uint8 = iota // region L3 × category L2
	famCoarse               // region L2 × category L1
	famPartner              // partner × region L1
	famProduct              // product
	famTop                  // region L1 × category L1 (parent only)
)

var famNames = [...]string{"region-L3×sub-category", "region-L2×category", "partner×region-L1", "product", "region-L1×category"}

const (
	quarter     = 15 * 60 // seconds
	ringQ       = 96      // quarters in the 24h ring
	ringH       = 672     // hours in the four-week ring
	week        = 168     // hours
	excluded    = 255     // an hour slot excluded from the baseline (a warning was open)
	maxCount    = 254     // counts saturate here
	nMembers    = 5       // recent members kept per key
	idRing      = 1 << 16 // recent ticket ids kept for evidence
	priorWeight = 2.0     // pseudo-weeks of the smoothed prior in the hour-of-week mean
)

type bkey struct {
	fam  uint8
	a, b string
}

func (k bkey) hash() uint64 { return hash2(k.a, k.b) ^ famSalt(k.fam) }

// famSalt tells the families' hashes apart: bkey.hash is hash2(a, b) ^ famSalt(fam).
func famSalt(fam uint8) uint64 { return uint64(fam) * 0x9e3779b97f4a7c15 }

type member struct {
	seq  uint32 // position in the id ring
	cust uint32 // customer hash
	q    uint32 // quarter index
}

// series is the state of one aggregate key: a 24-hour ring of 15-minute
// counts, a four-week ring of hourly counts (the hour-of-week baseline), a
// dispersion estimate and the last few members. About 0.9 KB.
type series struct {
	ka, kb        string // the key's two values (bkey.a, bkey.b)
	born          int64  // hour index of the first ticket
	q             int64  // current quarter index (unix / 900)
	last          int64  // unix seconds of the last ticket
	lastFire      int64  // unix seconds when the test last passed
	parent        int32
	total         uint32
	parentAtBirth uint32
	sum24         int32
	sumH          int32 // sum of valid hour slots
	kids          int32 // live child keys
	cacheQ        int32 // quarter of the cached expectations (low 32 bits)
	phi           float32
	dayObs        float32
	dayExp        float32
	curMean       float32
	cacheFull     [4]float32
	members       [nMembers]member
	nH            int16 // valid hour slots
	openKids      int16
	phiDays       uint16
	dayExcl       bool
	excl          bool // the current hour overlaps an open warning
	open          bool
	live          bool
	mhead         uint8
	mlen          uint8
	fam           uint8 // the key's family (bkey.fam)
	quarters      [ringQ]uint8
	hours         [ringH]uint8
}

// batch is the batch / mass-complaint detector (R17).
type batch struct {
	cfg     *Config
	windows []int // in quarters
	perDay  []float64
	kinds   [8]complaint.Kind
	index   keyIndex         // by key hash (a collision keeps the first key's series)
	chunks  []*[chunk]series // series in fixed chunks: no growth slack
	n       int
	free    []int32
	tested  int // live series in tested families

	ids [idRing]string
	seq uint32

	sink  uint64           // sum of touch loads (kept so they are not optimised away)
	days  [64]dayPrefixes  // dayPrefix's cache
	fp    []byte           // scratch fingerprint
	maxK  int              // the longest window, in quarters
	means [maxWinH]float64 // scratch hour means (hourMeans)
	ends  []int            // the windows' k-1 (their last whole quarter), ascending, distinct
}

// dayPrefixes are the sums of 0 … 24 sequential adds of one rate.
type dayPrefixes struct {
	r   uint32 // the rate's bits
	ok  bool
	pre [25]float32
}

// chunk is how many series are allocated at once: as many as fill 16
// pages (128 KiB), since the allocator rounds large objects up to whole
// pages (64 series of 984 B wasted 40 B each).
const chunk = int(128 << 10 / unsafe.Sizeof(series{}))

func (s *series) bkey() bkey { return bkey{s.fam, s.ka, s.kb} }

// touch prefetches the parts of s that adding a ticket of quarter q (hour
// h) and testing it will read: one field in each cache line of the fields
// before the rings, the quarter's slot and the hour's slot.
func (s *series) touch(q, h int64) uint64 {
	return prefetched(unsafe.Pointer(&s.q), unsafe.Pointer(&s.sumH), unsafe.Pointer(&s.members[2]), unsafe.Pointer(&s.mhead)) +
		prefetched(unsafe.Pointer(&s.quarters[uint64(q)%ringQ]), unsafe.Pointer(&s.hours[uint64(h)%ringH]),
			unsafe.Pointer(&s.hours[uint64(h-1)%ringH]), unsafe.Pointer(&s.hours[uint64(h-24)%ringH]))
}

func (b *batch) at(i int32) *series {
	return &b.chunks[uint32(i)/uint32(chunk)][uint32(i)%uint32(chunk)]
}

func newBatch(cfg *Config) *batch {
	b := &batch{cfg: cfg}
	for _, w := range cfg.Batch.Windows {
		k := int((time.Duration(w) + 15*time.Minute - 1) / (15 * time.Minute))
		if k < 1 {
			k = 1
		}
		// A window covers the current (partial) bucket and k-1 whole ones
		// before it, so "15m" spans 15 to 30 minutes and "24h" 23h45m to 24h.
		if k < 2 {
			k = 2
		}
		if k > ringQ {
			k = ringQ
		}
		b.windows = append(b.windows, k)
		b.perDay = append(b.perDay, float64(ringQ)/float64(k))
		b.maxK = max(b.maxK, k)
	}
	for _, k := range b.windows {
		if !slices.Contains(b.ends, k-1) {
			b.ends = append(b.ends, k-1)
		}
	}
	slices.Sort(b.ends)
	copy(b.kinds[:], []complaint.Kind{complaint.KindComplaint, complaint.KindEscalated, complaint.KindReport, complaint.KindFaultReport})
	return b
}

func (b *batch) counts(k complaint.Kind) bool {
	for _, x := range b.kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (b *batch) lookup(k bkey, parent int32, hour int64) int32 {
	return b.lookupHash(k, k.hash(), parent, hour)
}

// lookupHash is lookup with k's hash (k.hash()) already known.
func (b *batch) lookupHash(k bkey, h uint64, parent int32, hour int64) int32 {
	if i, ok := b.index.get(h); ok {
		return i
	}
	var i int32
	if n := len(b.free); n > 0 {
		i = b.free[n-1]
		b.free = b.free[:n-1]
		*b.at(i) = series{}
	} else {
		if b.n%chunk == 0 {
			b.chunks = append(b.chunks, new([chunk]series))
		}
		i = int32(b.n)
		b.n++
	}
	s := b.at(i)
	s.ka, s.kb, s.fam, s.parent, s.born, s.live, s.phi = k.a, k.b, k.fam, parent, hour, true, 1
	s.q = hour * 4
	s.cacheQ = -1
	if parent >= 0 {
		s.parentAtBirth = b.at(parent).total
		b.at(parent).kids++
	}
	b.index.put(h, i)
	if k.fam != famTop {
		b.tested++
	}
	return i
}

// observe counts a new ticket and tests its keys.
func (b *batch) observe(t *complaint.Ticket, tk *ticketKeys, m *Monitor) {
	if !b.counts(t.Kind) || t.Category == "" || t.Region == "" {
		return
	}
	at := t.ReceivedAt
	now := at.Unix()
	q := floorDiv(now, quarter)
	hour := q >> 2 // floorDiv(q, 4)
	b.seq++
	b.ids[b.seq&(idRing-1)] = t.ID
	cust := uint32(tk.cust) // hash2(t.Customer, "")
	if t.Customer == "" {
		cust = uint32(hash2(t.ID, "#"))
	}
	reg1, reg2, reg3 := tk.reg1, tk.reg2, tk.reg3
	cat1, cat2 := tk.cat1, tk.cat2
	top := b.lookupHash(bkey{famTop, reg1, cat1}, tk.top^famSalt(famTop), -1, hour) // bkey.hash
	coarse := b.lookupHash(bkey{famCoarse, reg2, cat1}, tk.coarse^famSalt(famCoarse), top, hour)
	fine := b.lookupHash(bkey{famFine, reg3, cat2}, tk.fine^famSalt(famFine), coarse, hour) // bkey.hash
	// Load, all at once, the memory of the fine key (the likeliest to be
	// cold: most are sparse) so its cache misses overlap instead of coming
	// one by one (Observe did the same for the customer's slots).
	b.sink += b.at(fine).touch(q, hour)
	b.add(top, q, now, cust)
	b.add(coarse, q, now, cust)
	b.add(fine, q, now, cust)
	// Test the coarse key first so a parent burst can inhibit its child.
	b.test(coarse, q, now, at, t, m)
	b.test(fine, q, now, at, t, m)
	if t.Partner != "" {
		i := b.lookup(bkey{famPartner, t.Partner, reg1}, -1, hour)
		b.add(i, q, now, cust)
		b.test(i, q, now, at, t, m)
	}
	if t.Product != "" {
		i := b.lookup(bkey{famProduct, t.Product, ""}, -1, hour)
		b.add(i, q, now, cust)
		b.test(i, q, now, at, t, m)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// add rolls the key's rings forward to quarter q and counts one ticket.
func (b *batch) add(i int32, q, now int64, cust uint32) {
	s := b.at(i)
	b.advance(s, q)
	slot := q
	if q < s.q { // late ticket: count it in its bucket if still in the ring
		if s.q-q >= ringQ {
			slot = -1
		}
	}
	if slot >= 0 {
		p := &s.quarters[uint64(slot)%ringQ]
		if *p < maxCount {
			*p++
			s.sum24++
		}
	}
	if now > s.last {
		s.last = now
	}
	s.total++
	s.members[s.mhead] = member{seq: b.seq, cust: cust, q: uint32(q)}
	if s.mhead++; s.mhead == nMembers { // (s.mhead + 1) % nMembers
		s.mhead = 0
	}
	if s.mlen < nMembers {
		s.mlen++
	}
}

// advance moves s to quarter q, closing hours into the four-week ring.
func (b *batch) advance(s *series, q int64) {
	if q <= s.q {
		return
	}
	oldH, newH := s.q>>2, q>>2 // floorDiv(·, 4)
	if newH > oldH {
		// Close the current hour from its quarters, then the empty hours after it.
		// The hour's four quarter slots are adjacent in the ring (ringQ is
		// a multiple of 4): (oldH*4+j)%ringQ is base+j.
		base := oldH * 4 % ringQ
		if oldH >= 0 {
			base = int64(uint64(oldH*4) % ringQ) // the same, cheaper
		}
		qs := s.quarters[base : base+4]
		c := int(qs[0]) + int(qs[1]) + int(qs[2]) + int(qs[3])
		b.closeHour(s, oldH, c, s.excl)
		s.excl = s.open
		n := newH - oldH - 1
		if n >= ringH && !s.open {
			// A gap of four weeks or more: every slot is an empty hour.
			clear(s.hours[:])
			s.sumH, s.nH = 0, int16(min(int64(ringH), newH-s.born))
			s.dayObs, s.dayExp, s.dayExcl = 0, 0, false
			n = 0
		}
		if n > ringH {
			n = ringH
		}
		b.closeEmpty(s, newH-n, newH, s.open)
	}
	n := q - s.q
	if n >= ringQ {
		clear(s.quarters[:])
		s.sum24 = 0
		s.q = q
		return
	}
	if s.sum24 != 0 { // else every quarter slot is 0 already (sum24 is their sum)
		// Clear the slots of quarters s.q+1 .. q (at most two runs of the ring).
		i, rem := int((s.q+1)%ringQ), int(n)
		if s.q >= 0 {
			i = int(uint64(s.q+1) % ringQ) // the same, cheaper
			if n == 1 {
				p := &s.quarters[i]
				s.sum24 -= int32(*p)
				*p = 0
				rem = 0
			}
		}
		for rem > 0 {
			run := s.quarters[i:min(ringQ, i+rem)]
			s.sum24 -= int32(sumBytes(run))
			clear(run)
			rem -= len(run)
			i = 0
		}
	}
	s.q = q
}

func (b *batch) closeHour(s *series, h int64, c int, excl bool) {
	if h < s.born {
		return
	}
	if !excl {
		// The daily dispersion uses the key's overall hourly rate as the
		// expectation: O(1) per closed hour (day-of-week swings only make φ
		// a little larger, i.e. the test a little more conservative).
		s.dayObs += float32(c)
		s.dayExp += float32(s.rate())
	} else {
		s.dayExcl = true
	}
	slot := &s.hours[h%ringH]
	if h-ringH >= s.born && *slot != excluded {
		s.sumH -= int32(*slot)
		s.nH--
	}
	if excl {
		*slot = excluded
	} else {
		if c > maxCount {
			c = maxCount
		}
		*slot = uint8(c)
		s.sumH += int32(c)
		s.nH++
	}
	if h%24 == 23 {
		b.closeDay(s)
	}
}

// closeEmpty is closeHour(s, h, 0, excl) for every hour h in [from, to).
// The hours of a warm key that is not excluded go through closeWarm; the
// others (the first four weeks of a key, an open warning) hour by hour.
func (b *batch) closeEmpty(s *series, from, to int64, excl bool) {
	from = max(from, s.born) // closeHour skips hours before the key was born
	if from >= to {
		return
	}
	if !excl && from >= 0 {
		// Hours from s.born+ringH on have their slot in the baseline
		// (h-ringH >= s.born): closeWarm's case.
		if warm := max(from, s.born+ringH); warm < to {
			if from < warm {
				b.closeEach(s, from, warm, false)
			}
			b.closeWarm(s, warm, to)
			return
		}
	}
	b.closeEach(s, from, to, excl)
}

// closeWarm is closeHour(s, h, 0, false) for every hour h in [from, to),
// for 0 <= from, from-ringH >= s.born and to-from <= ringH. A slot that
// is not 0 leaves the baseline one hour at a time (the rate changes); a run
// of 0 slots changes nothing but the day's expectation, which gets the
// same sequential float32 adds of the rate (from 0: looked up in
// dayPrefix), and whole days of it close by emptyDays.
func (b *batch) closeWarm(s *series, from, to int64) {
	r := float32(s.rate())
	var pre *[25]float32 // b.dayPrefix(r), when needed
	i := int(uint64(from) % ringH)
	hd := int(uint64(from) % 24) // hour of the day
	for n := int(to - from); n > 0; {
		if v := s.hours[i]; v != 0 {
			// As closeHour(s, h, 0, false) with a slot v in the baseline.
			s.dayExp += r
			if v != excluded {
				s.sumH -= int32(v)
				s.nH--
			}
			s.hours[i] = 0
			s.nH++
			r, pre = float32(s.rate()), nil
			if i++; i == ringH {
				i = 0
			}
			n--
			if hd++; hd == 24 {
				hd = 0
				b.closeDay(s)
			}
			continue
		}
		z := s.zeros(i, n) // >= 1: slot i is 0
		n -= z
		if i += z; i >= ringH {
			i -= ringH
		}
		if hd != 0 || s.dayExp != 0 {
			// Up to the day's end: the adds continue the day's sum (or
			// start it: the same as 0 + r + …, looked up).
			m := min(z, 24-hd)
			d := s.dayExp
			if d == 0 {
				if pre == nil {
					pre = b.dayPrefix(r)
				}
				d = pre[m]
			} else {
				j := m
				for ; j >= 4; j -= 4 {
					d += r
					d += r
					d += r
					d += r
				}
				for ; j > 0; j-- {
					d += r
				}
			}
			s.dayExp = d
			z -= m
			if hd += m; hd < 24 {
				continue // z is 0
			}
			hd = 0
			b.closeDay(s)
		}
		// At a day's start with the day's sums reset (closeDay).
		if z == 0 {
			continue
		}
		if pre == nil {
			pre = b.dayPrefix(r)
		}
		if z >= 24 {
			b.emptyDays(s, pre[24], z/24)
			z %= 24
		}
		s.dayExp, hd = pre[z], z // pre[0] is 0
	}
}

// emptyDays is k >= 1 times { s.dayExp = e; b.closeDay(s) }: the days
// after the first have dayObs 0, dayExcl false and the same nH, so each
// applies the same update to φ (or none); once an update leaves φ unchanged
// the later ones do too.
func (b *batch) emptyDays(s *series, e float32, k int) {
	s.dayExp = e
	b.closeDay(s)
	k--
	if k == 0 || !(e > 0.5) || s.nH < week {
		return // closeDay only resets the day's sums
	}
	d := float64(0 - e) // as closeDay, with dayObs 0
	r := d * d / float64(e)
	if r > b.cfg.Batch.MaxDispersion*3 {
		r = b.cfg.Batch.MaxDispersion * 3
	}
	phi := s.phi
	for range k {
		next := phi + float32((r-float64(phi))/14)
		if next == phi {
			break
		}
		phi = next
	}
	s.phi = phi
	if s.phiDays < 1000 {
		s.phiDays = uint16(min(int(s.phiDays)+k, 1000))
	}
}

// closeEach is closeHour(s, h, 0, excl) for every hour h in [from, to),
// with the key's hourly rate recomputed only when its sums change.
func (b *batch) closeEach(s *series, from, to int64, excl bool) {
	sumH, nH := s.sumH, s.nH
	r := float32(s.rate())
	for h := from; h < to; h++ {
		slot := &s.hours[h%ringH]
		if !excl {
			if s.sumH != sumH || s.nH != nH {
				sumH, nH = s.sumH, s.nH
				r = float32(s.rate())
			}
			// As closeHour: dayObs += 0 leaves it unchanged.
			s.dayExp += r
		} else {
			s.dayExcl = true
		}
		if h-ringH >= s.born && *slot != excluded {
			s.sumH -= int32(*slot)
			s.nH--
		}
		if excl {
			*slot = excluded
		} else {
			*slot = 0
			s.nH++
		}
		if h%24 == 23 {
			b.closeDay(s)
		}
	}
}

// dayPrefix returns the sums of 0 … 24 sequential float32 adds of r
// starting from 0 (element i: i adds), from a small cache by r: sparse
// keys share few hourly rates, and each rolls whole empty days forward.
func (b *batch) dayPrefix(r float32) *[25]float32 {
	bits := math.Float32bits(r)
	e := &b.days[(bits*0x9e3779b9)>>(32-6)]
	if !e.ok || e.r != bits {
		var d float32
		for i := 1; i <= 24; i++ {
			d += r
			e.pre[i] = d
		}
		e.r, e.ok = bits, true
	}
	return &e.pre
}

// sumBytes returns the sum of p's bytes, eight at a time where it can
// (each byte ≤ 255: the pair sums fit 16-bit lanes, as do the four lanes'
// total for any eight bytes).
func sumBytes(p []uint8) int {
	c := 0
	for len(p) >= 8 {
		w := binary.LittleEndian.Uint64(p)
		w = w&0x00ff00ff00ff00ff + w>>8&0x00ff00ff00ff00ff
		c += int(w * 0x0001000100010001 >> 48)
		p = p[8:]
	}
	for _, v := range p {
		c += int(v)
	}
	return c
}

// zeros returns how many hour slots from ring index i on (at most n <=
// ringH, wrapping) are 0, reading eight at a time.
func (s *series) zeros(i, n int) int {
	h := &s.hours
	c := 0
	for c < n {
		e := i + min(n-c, ringH-i) // slots i … e-1 (no wrap)
		j := i
		for ; j+8 <= e; j += 8 {
			if w := binary.LittleEndian.Uint64(h[j : j+8]); w != 0 {
				return c + j - i + bits.TrailingZeros64(w)>>3
			}
		}
		if j < e { // the last e-j < 8 slots, in the low bytes of w
			var w uint64
			if e >= 8 {
				w = binary.LittleEndian.Uint64(h[e-8:e]) >> (8 * (8 - (e - j)))
			} else {
				w = binary.LittleEndian.Uint64(h[0:8]) & (1<<(8*e) - 1) >> (8 * j)
			}
			if w != 0 {
				return c + j - i + bits.TrailingZeros64(w)>>3
			}
		}
		c += e - i
		i = 0
	}
	return c
}

// closeDay updates the dispersion estimate when a day closes.
func (b *batch) closeDay(s *series) {
	if !s.dayExcl && s.dayExp > 0.5 && s.nH >= week {
		d := float64(s.dayObs - s.dayExp)
		r := d * d / float64(s.dayExp)
		if r > b.cfg.Batch.MaxDispersion*3 {
			r = b.cfg.Batch.MaxDispersion * 3
		}
		s.phi += float32((r - float64(s.phi)) / 14)
		if s.phiDays < 1000 {
			s.phiDays++
		}
	}
	s.dayObs, s.dayExp, s.dayExcl = 0, 0, false
}

// own returns the mean of the same hour of the week over the weeks still in
// the ring, and how many weeks that is.
func (s *series) own(h int64) (sum float64, n int) {
	closed := s.q >> 2 // hours before this are closed
	for w := int64(1); w <= 4; w++ {
		hh := h - w*week
		if hh < s.born || hh >= closed || hh <= closed-1-ringH {
			continue
		}
		if v := s.hours[hh%ringH]; v != excluded {
			sum += float64(v)
			n++
		}
	}
	return sum, n
}

func (s *series) rate() float64 {
	if s.nH <= 0 {
		return 0
	}
	return float64(s.sumH) / float64(s.nH)
}

// hourMean is the expected count in hour h: the same hour of the week over
// the last four weeks, shrunk toward the key's overall hourly rate shaped by
// its parent's hour-of-week profile; young keys borrow from their parent.
func (b *batch) hourMean(s *series, h int64) float64 {
	sum, n := s.own(h)
	shape := 1.0
	var p *series
	var ps float64
	var pn int
	var pr float64
	if s.parent >= 0 {
		p = b.at(s.parent)
		pr = p.rate()
		ps, pn = p.own(h) // also the parent's mean below (parentMean)
		if pr > 0 && pn > 0 {
			shape = (ps/float64(pn) + pr) / (2 * pr)
		}
	}
	r := s.rate()
	age := float64(s.q>>2 - s.born + 1)
	if s.nH < week {
		// Cold: assume at least a day of exposure for the rate so far.
		r = math.Max(r, float64(s.total)/math.Max(age, 24))
	}
	mean := (sum + priorWeight*r*shape) / (float64(n) + priorWeight)
	if s.nH < week && p != nil && p.nH > 0 {
		// Cold start from the parent: its expected count times this key's share.
		since := float64(p.total - s.parentAtBirth)
		share := (float64(s.total) + 0.5) / (since + 1)
		if share > 1 {
			share = 1
		}
		pm := (ps + priorWeight*pr) / (float64(pn) + priorWeight) * share // the parent's own mean times the share
		wOwn := float64(s.nH) / week
		mean = wOwn*mean + (1-wOwn)*pm
	}
	return mean
}

func (b *batch) dispersion(s *series) float64 {
	phi := float64(s.phi)
	if s.phiDays < 7 && s.parent >= 0 {
		phi = math.Max(phi, float64(b.at(s.parent).phi))
	}
	return math.Min(math.Max(1, phi), b.cfg.Batch.MaxDispersion)
}

// expected returns the expected count of window j (k quarters) at time now.
func (b *batch) expected(s *series, j int, now int64) float64 {
	if s.cacheQ != int32(s.q) {
		s.cacheQ = int32(s.q)
		curH := s.q >> 2
		maxK := b.maxK
		lo := (s.q - int64(maxK-1)) >> 2
		ms := b.hourMeans(s, lo, curH)
		s.curMean = float32(ms[curH-lo])
		b.windowSums(ms, int(s.q&3), &s.cacheFull)
	}
	f := float64(now-s.q*quarter) / quarter
	f = math.Min(math.Max(f, 1.0/15), 1)
	return float64(s.cacheFull[j]) + f*float64(s.curMean)/4
}

// windowSums sets cache[j] to the expected count of window j's whole
// quarters (k-1 of them, before the current one) from the hour means ms of
// the longest window's hours (the last is the current hour, which has r =
// q mod 4 whole quarters before q): one pass over the quarter means
// ms[·]/4, most recent first, so each window's sum is a prefix of it (the
// same terms in the same order).
func (b *batch) windowSums(ms []float64, r int, cache *[4]float32) {
	for j, k := range b.windows {
		if k <= 1 {
			cache[j] = 0
		}
	}
	maxK := b.maxK
	x, n := len(ms)-1, r // hour ms[x] has n of the quarters left
	next := 0            // b.ends[next]: the next window's last term
	var sum float64
	for i := 1; i < maxK; x, n = x-1, 4 {
		v := ms[x] / 4
		for stop := min(i+n, maxK); i < stop; {
			end := b.ends[next] + 1
			for lim := min(stop, end); i < lim; i++ {
				sum += v
			}
			if i == end {
				for j, k := range b.windows {
					if k == i {
						cache[j] = float32(sum)
					}
				}
				next++
			}
		}
	}
}

// maxWinH is the most hours a window's expectation reads: 24 whole hours
// before the current one (windows are at most 24h), and the current one.
const maxWinH = ringQ/4 + 2

// hourMeans returns hourMean(s, h) for every hour h in [lo, hi] (at most
// maxWinH hours), indexed by h-lo, in b's scratch. For a warm key it
// reads the same-hour-of-week slots of the key and its parent as runs of
// the rings and hoists what does not depend on the hour; every value is
// computed by the same floating-point operations as hourMean, so the
// results are identical.
func (b *batch) hourMeans(s *series, lo, hi int64) []float64 {
	ms := b.means[:hi-lo+1]
	if s.nH < week {
		for h := lo; h <= hi; h++ {
			ms[h-lo] = b.hourMean(s, h)
		}
		return ms
	}
	var own, pown ownSums
	ownRange(s, lo, hi, &own)
	shaped := false
	var pr float64
	if s.parent >= 0 {
		p := b.at(s.parent)
		pr = p.rate()
		if pr > 0 {
			shaped = true
			ownRange(p, lo, hi, &pown)
		}
	}
	r := s.rate()
	for i := range ms {
		shape := 1.0
		if shaped && pown.n[i] > 0 {
			shape = (float64(pown.sum[i])/float64(pown.n[i]) + pr) / (2 * pr)
		}
		ms[i] = (float64(own.sum[i]) + priorWeight*r*shape) / (float64(own.n[i]) + priorWeight)
	}
	return ms
}

// ownSums are the sums and counts of series.own over a run of hours.
type ownSums struct {
	sum [maxWinH]int32
	n   [maxWinH]int32
}

// ownRange sets o's entry h-lo to s.own(h) for every h in [lo, hi]: for
// each week back, the slots that own would read form one run of hours
// (inside the ring, after the key's birth, closed), read in order. The
// sums are of small integers, exact in any order.
func ownRange(s *series, lo, hi int64, o *ownSums) {
	closed := s.q >> 2
	first := max(s.born, closed-ringH) // own's bounds: hh >= born, hh > closed-1-ringH, hh < closed
	for w := int64(1); w <= 4; w++ {
		a, z := max(lo-w*week, first), min(hi-w*week, closed-1)
		if a > z {
			continue
		}
		// The slots a … z: at most two runs of the ring.
		slot, i, n := int(a%ringH), int(a+w*week-lo), int(z-a+1)
		for n > 0 {
			run := s.hours[slot:min(ringH, slot+n)]
			sum, cnt := o.sum[i:i+len(run)], o.n[i:i+len(run)]
			for j, v := range run {
				if v != excluded {
					sum[j] += int32(v)
					cnt[j]++
				}
			}
			i, n, slot = i+len(run), n-len(run), 0
		}
	}
}

// clearlyBelow reports whether obs tickets in window k (quarters) of s
// fail test's gate, obs >= mu + 2·sqrt(φ·mu) + 1, for the mu that expected
// would return, proved from a lower bound L <= mu (the gate's right side
// is non-decreasing in mu, in floating point too) without computing the
// hour means. Only for warm keys, where each hour's mean is
// (sum + 2·r·shape) / (n + 2) (hourMeans): for an hour wholly inside the
// window and before the current one, n <= 3 (ownRange never reads the
// fourth week back for it), sum >= the sum of any of the slots ownRange
// reads for it, and shape >= 1/2, so its mean is >= (that sum + r) / 5. The
// window's expectation is at least the sum of its whole hours' means
// (every term is >= 0); the margin covers the rounding of expected's sums
// (float64) and of cacheFull (float32) many times over.
func (b *batch) clearlyBelow(s *series, k, obs int) bool {
	if s.nH < week {
		return false
	}
	first := (s.q - int64(k) + 1 + 3) >> 2 // whole hours among quarters s.q-k+1 .. s.q-1
	last := (s.q - 4) >> 2
	if last < first {
		return false
	}
	closed := s.q >> 2
	lowest := max(s.born, closed-ringH) // ownRange reads slots hh >= lowest, hh < closed
	var sum int
	for w := int64(1); w <= 3; w++ {
		a, z := first-w*week, last-w*week
		if a < lowest || z >= closed {
			continue // a subset of the slots is still a lower bound
		}
		slot, n := int(a%ringH), int(z-a+1)
		if slot+n > ringH { // wraps
			sum += sumCounted(s.hours[slot:])
			n -= ringH - slot
			slot = 0
		}
		sum += sumCounted(s.hours[slot : slot+n])
	}
	lower := (float64(sum) + float64(last-first+1)*s.rate()) / 5 * (1 - 1e-6)
	phi := b.dispersion(s)
	return float64(obs) < lower+2*math.Sqrt(phi*lower)+1
}

// sumCounted returns the sum of the hour slots in p that are not excluded,
// eight at a time where no slot in the eight is.
func sumCounted(p []uint8) int {
	const lo7, hi = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	var sum int
	all := p
	for len(p) >= 8 {
		w := binary.LittleEndian.Uint64(p)
		if ((w&lo7)+0x0101010101010101)&w&hi != 0 { // some byte is 0xff (excluded)
			for _, v := range p[:8] {
				if v != excluded {
					sum += int(v)
				}
			}
		} else {
			w = w&0x00ff00ff00ff00ff + w>>8&0x00ff00ff00ff00ff // four 16-bit sums of two bytes
			sum += int(w * 0x0001000100010001 >> 48)
		}
		p = p[8:]
	}
	if n := len(p); n > 0 && len(all) >= 8 {
		// The last n < 8 bytes: the top bytes of p's last eight (the bytes
		// shifted in are 0, neither excluded nor counted).
		w := binary.LittleEndian.Uint64(all[len(all)-8:]) >> (64 - 8*uint(n))
		if ((w&lo7)+0x0101010101010101)&w&hi == 0 {
			w = w&0x00ff00ff00ff00ff + w>>8&0x00ff00ff00ff00ff
			return sum + int(w*0x0001000100010001>>48)
		}
	}
	for _, v := range p {
		if v != excluded {
			sum += int(v)
		}
	}
	return sum
}

func (b *batch) window(s *series, k int) int {
	if k >= ringQ {
		return int(s.sum24)
	}
	var c int
	for i := 0; i < k; i++ {
		c += int(s.quarters[(s.q-int64(i))%ringQ])
	}
	return c
}

func (b *batch) customers(s *series, k int) int {
	var seen [nMembers]uint32
	n := 0
	from := uint32(s.q - int64(k) + 1)
	for i := 0; i < int(s.mlen); i++ {
		m := s.members[i]
		if m.q < from {
			continue
		}
		if !slices.Contains(seen[:n], m.cust) {
			seen[n] = m.cust
			n++
		}
	}
	return n
}

func (b *batch) alpha(j int, budget float64) float64 {
	k := b.tested
	if k < 100 {
		k = 100
	}
	return budget / (float64(k) * float64(len(b.windows)) * b.perDay[j])
}

// test runs the tail tests of key i after ticket t and reports to m.
func (b *batch) test(i int32, q, now int64, at time.Time, t *complaint.Ticket, m *Monitor) {
	s := b.at(i)
	if s.open && now-s.lastFire > int64(time.Duration(b.cfg.Batch.Quiet)/time.Second) {
		b.end(i, at, m)
	}
	bestJ, bestScore := -1, 0.0
	var bestP, bestMu float64
	var bestObs int
	budget := b.cfg.Batch.Budget
	var acc, done int // window(s, done) == acc: longer windows continue the sum
	windows := b.windows
	if int(s.sum24) < b.cfg.Batch.MinTickets {
		// Every window's count is at most sum24 (the sum of every quarter
		// slot): none passes the first gate below.
		windows = nil
	}
	for j, k := range windows {
		var obs int
		if k >= ringQ {
			obs = int(s.sum24)
		} else {
			if k < done {
				acc, done = 0, 0
			}
			if done < k {
				// Quarters s.q-done, s.q-done-1, …: ring indexes counting down.
				i := int((s.q - int64(done)) % ringQ)
				for ; done < k; done++ {
					acc += int(s.quarters[i])
					if i--; i < 0 {
						i = ringQ - 1
					}
				}
			}
			obs = acc
		}
		if obs < b.cfg.Batch.MinTickets {
			continue
		}
		if s.cacheQ != int32(s.q) && b.clearlyBelow(s, k, obs) {
			continue // the exact expectation would fail the gate below too
		}
		mu := math.Max(b.expected(s, j, now), 1e-3)
		phi := b.dispersion(s)
		if float64(obs) < mu+2*math.Sqrt(phi*mu)+1 {
			continue
		}
		if b.customers(s, k) < b.cfg.Batch.MinCustomers {
			continue
		}
		p := Tail(obs, mu, phi)
		a := b.alpha(j, float64(budget["III"]))
		if p >= a {
			continue
		}
		if sc := math.Log(p / a); bestJ < 0 || sc < bestScore {
			bestJ, bestScore, bestP, bestMu, bestObs = j, sc, p, mu, obs
		}
	}
	if bestJ < 0 {
		if s.open {
			b.fp = b.appendFP(b.fp[:0], s)
			m.memberFP(KindBatch, b.fp, t, at)
		}
		return
	}
	s.lastFire = now
	wasOpen := s.open
	grade := GradeIII
	switch {
	case bestP < b.alpha(bestJ, float64(budget["I"])):
		grade = GradeI
	case bestP < b.alpha(bestJ, float64(budget["II"])):
		grade = GradeII
	}
	if wasOpen {
		// Only the grade can change; members are added by member().
		b.fp = b.appendFP(b.fp[:0], s)
		m.memberFP(KindBatch, b.fp, t, at)
		m.regrade(KindBatch, b.fp, grade, bestP, at)
		return
	}
	f := b.finding(s, bestJ, bestObs, bestMu, bestP, grade, at)
	s.open = true
	s.excl = true
	parentFP := ""
	if s.fam == famFine && s.parent >= 0 {
		p := b.at(s.parent)
		p.openKids++
		if p.open {
			parentFP = b.fingerprint(p)
		}
	}
	f.parent = parentFP
	m.fire(&f)
	if s.fam == famCoarse {
		m.inhibitChildren(f.fp, s.ka, s.kb)
	}
	if s.fam == famFine && s.parent >= 0 && parentFP == "" && b.at(s.parent).openKids >= 2 {
		b.rollup(s.parent, at, m)
	}
}

// rollup raises the parent key when two or more of its children burst at once.
func (b *batch) rollup(i int32, at time.Time, m *Monitor) {
	p := b.at(i)
	j := len(b.windows) - 1
	obs := b.window(p, b.windows[j])
	mu := b.expected(p, j, at.Unix())
	f := b.finding(p, j, obs, mu, Tail(obs, mu, b.dispersion(p)), GradeIII, at)
	f.ev.Rule = "batch/rollup"
	f.explain = "rolled up: " + strconv.Itoa(int(p.openKids)) + " child keys burst at once; " + f.explain
	p.open, p.excl, p.lastFire = true, true, at.Unix()
	m.fire(&f)
	m.inhibitChildren(f.fp, p.ka, p.kb)
}

func (b *batch) end(i int32, at time.Time, m *Monitor) {
	s := b.at(i)
	s.open = false
	if s.fam == famFine && s.parent >= 0 {
		b.at(s.parent).openKids--
	}
	m.end(b.fingerprint(s), at)
}

func (b *batch) labels(s *series) Key {
	switch s.fam {
	case famFine, famCoarse, famTop:
		return NewKey("region", s.ka, "category", s.kb)
	case famPartner:
		return NewKey("partner", s.ka, "region", s.kb)
	default:
		return NewKey("product", s.ka)
	}
}

func (b *batch) fingerprint(s *series) string {
	return Fingerprint(KindBatch, b.labels(s))
}

// appendFP appends b.fingerprint(s) to dst without allocating.
func (b *batch) appendFP(dst []byte, s *series) []byte {
	var arr [2]Label
	k := arr[:0]
	switch s.fam {
	case famFine, famCoarse, famTop: // NewKey("region", a, "category", b), sorted
		if s.kb != "" {
			k = append(k, Label{"category", s.kb})
		}
		if s.ka != "" {
			k = append(k, Label{"region", s.ka})
		}
	case famPartner:
		if s.ka != "" {
			k = append(k, Label{"partner", s.ka})
		}
		if s.kb != "" {
			k = append(k, Label{"region", s.kb})
		}
	default:
		if s.ka != "" {
			k = append(k, Label{"product", s.ka})
		}
	}
	return appendFingerprint(dst, KindBatch, k)
}

func (b *batch) finding(s *series, j, obs int, mu, p float64, g Grade, at time.Time) finding {
	k := b.windows[j]
	wname := formatDuration(time.Duration(b.cfg.Batch.Windows[j]))
	var tickets []string
	from := uint32(s.q - int64(k) + 1)
	for n := 0; n < int(s.mlen); n++ {
		mm := s.members[(int(s.mhead)+nMembers-int(s.mlen)+n)%nMembers]
		if mm.q >= from && b.seq-mm.seq < idRing {
			tickets = append(tickets, b.ids[mm.seq&(idRing-1)])
		}
	}
	key := b.labels(s)
	phi := b.dispersion(s)
	a := b.alpha(j, float64(b.cfg.Batch.Budget["III"]))
	ev := Evidence{
		Window: wname, From: time.Unix((s.q-int64(k)+1)*quarter, 0).In(at.Location()), To: at,
		Observed: obs, Baseline: round3(mu), Dispersion: round3(phi), PValue: p, Threshold: a,
		Customers: b.customers(s, k), Tickets: tickets, Members: len(tickets), Rule: "batch/" + wname,
	}
	if mu > 0 {
		ev.Ratio = round3(float64(obs) / mu)
	}
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(obs))
	sb.WriteString(" tickets in ")
	sb.WriteString(wname)
	sb.WriteString(" at ")
	sb.WriteString(famNames[s.fam])
	sb.WriteString(" ")
	sb.WriteString(key.String())
	sb.WriteString(" against ")
	sb.WriteString(strconv.FormatFloat(mu, 'f', 2, 64))
	sb.WriteString(" expected (φ=")
	sb.WriteString(strconv.FormatFloat(phi, 'f', 2, 64))
	sb.WriteString(", p=")
	sb.WriteString(strconv.FormatFloat(p, 'g', 3, 64))
	sb.WriteString(" < ")
	sb.WriteString(strconv.FormatFloat(a, 'g', 3, 64))
	sb.WriteString(")")
	return finding{kind: KindBatch, key: key, fp: Fingerprint(KindBatch, key), at: at, grade: g, ev: ev,
		explain: sb.String(), tag: TagBatch,
		env: GradeEnv{Region: key.Get("region"), Category: key.Get("category"), Partner: key.Get("partner"), Product: key.Get("product")}}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// sweep ends quiet warnings and drops keys idle longer than the TTL.
func (b *batch) sweep(now time.Time, m *Monitor) {
	ttl := int64(time.Duration(b.cfg.Batch.IdleTTL) / time.Second)
	quiet := int64(time.Duration(b.cfg.Batch.Quiet) / time.Second)
	n := now.Unix()
	// Sorted for deterministic end order.
	var ends []int32
	for i := int32(0); i < int32(b.n); i++ {
		s := b.at(i)
		if !s.live {
			continue
		}
		if s.open && n-s.lastFire > quiet {
			ends = append(ends, i)
		}
	}
	slices.SortFunc(ends, func(x, y int32) int { return strings.Compare(b.fingerprint(b.at(x)), b.fingerprint(b.at(y))) })
	for _, i := range ends {
		b.end(i, now, m)
	}
	for i := int32(0); i < int32(b.n); i++ {
		s := b.at(i)
		if !s.live || s.open || s.openKids > 0 || n-s.last <= ttl {
			continue
		}
		// A parent outlives its children: keep it while one refers to it.
		if s.kids > 0 {
			continue
		}
		if s.parent >= 0 {
			b.at(s.parent).kids--
		}
		b.index.del(s.bkey().hash())
		if s.fam != famTop {
			b.tested--
		}
		s.live = false
		b.free = append(b.free, i)
	}
}

// fires re-tests a key for a look-back: whether any window is over its
// grade III threshold now.
func (b *batch) fires(key Key, now time.Time) bool {
	for i := int32(0); i < int32(b.n); i++ {
		s := b.at(i)
		if s.live && keyEqual(b.labels(s), key) {
			return s.open
		}
	}
	return false
}

func keyEqual(a, b Key) bool { return slices.Equal(a, b) }

// keyIndex maps key hashes to series positions: an open-addressed table
// (linear probing, backward-shift deletion) of parallel hash and position
// arrays, at most 75 % full. It has a Go map's semantics (one position per
// hash) at 12 B a slot, about half a map's cost per key.
type keyIndex struct {
	hs   []uint64
	pos  []int32 // position + 1; 0 marks an empty slot
	n    int
	bits uint8
}

func (x *keyIndex) home(h uint64) int { return int((h * 0x9e3779b97f4a7c15) >> (64 - x.bits)) }

// get returns the position stored for h.
func (x *keyIndex) get(h uint64) (int32, bool) {
	if x.n == 0 {
		return 0, false
	}
	mask := len(x.pos) - 1
	for p := x.home(h); ; p = (p + 1) & mask {
		v := x.pos[p]
		if v == 0 {
			return 0, false
		}
		if x.hs[p] == h {
			return v - 1, true
		}
	}
}

// put stores position i for h (replacing any earlier one).
func (x *keyIndex) put(h uint64, i int32) {
	if (x.n+1)*4 > len(x.pos)*3 {
		x.grow()
	}
	mask := len(x.pos) - 1
	p := x.home(h)
	for ; x.pos[p] != 0; p = (p + 1) & mask {
		if x.hs[p] == h {
			x.pos[p] = i + 1
			return
		}
	}
	x.hs[p], x.pos[p] = h, i+1
	x.n++
}

func (x *keyIndex) grow() {
	hs, pos := x.hs, x.pos
	if x.bits == 0 {
		x.bits = 6
	} else {
		x.bits++
	}
	x.hs, x.pos, x.n = make([]uint64, 1<<x.bits), make([]int32, 1<<x.bits), 0
	for j, v := range pos {
		if v != 0 {
			x.put(hs[j], v-1)
		}
	}
}

// del removes h, shifting later entries of its probe run back.
func (x *keyIndex) del(h uint64) {
	if x.n == 0 {
		return
	}
	mask := len(x.pos) - 1
	i := x.home(h)
	for ; x.hs[i] != h || x.pos[i] == 0; i = (i + 1) & mask {
		if x.pos[i] == 0 {
			return
		}
	}
	x.n--
	j := i
	for {
		x.pos[i] = 0
		for {
			j = (j + 1) & mask
			if x.pos[j] == 0 {
				return
			}
			k := x.home(x.hs[j])
			// Entry j stays when its home lies cyclically in (i, j].
			if (i <= j && i < k && k <= j) || (i > j && (i < k || k <= j)) {
				continue
			}
			break
		}
		x.hs[i], x.pos[i] = x.hs[j], x.pos[j]
		i = j
	}
}

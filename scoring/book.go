package scoring

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// BookConfig configures a Book. Only what you set changes the defaults.
type BookConfig struct {
	// Dimensions to keep scorecards for; default DefaultDimensions. Fewer
	// dimensions mean less work per event.
	Dimensions []string
	// Periods to keep; default week, month, quarter and year. Months are
	// always kept; quarters and years are read as sums of their months (no
	// work per event); days and weeks are counted only when listed here.
	Periods []PeriodKind
	// Retain is how many periods of each counted kind are kept per unit, the
	// newest first (facts older than that are not counted for that kind);
	// default day 62, week 60, month 37 (so this year and the two before,
	// for year-on-year comparisons of years).
	Retain map[PeriodKind]int
	// Subscribers answers customer bases the policy does not give.
	Subscribers SubscriberCounter
	// Logger receives the book's logs; default discards them.
	Logger *slog.Logger
}

// Book keeps KPI scorecards as a projection of the event stream: give it
// every stored event (it is a kesu.Observer) and read a Scorecard of any
// kept dimension, unit and period at any moment. Per event it does a fixed
// amount of work (at most one map lookup per view field the kept dimensions
// are made of, none when the value repeats) and, once a unit and period have
// been seen, no allocation. Rebuilt from the stored log with
// kesu.Rebuild it holds exactly what it held live.
//
// A Book is safe for concurrent use: Observe and ObserveWarning are
// serialised, reads run concurrently with each other.
//
// Facts of one period are first summed per field value (see srcEntry.pend)
// and added to the slots of that value's rows when a fact of another period
// comes or before anything is read, so a fact costs one small update per
// view field instead of one per kept dimension and period kind; reads see
// exactly what they would see had every fact been added at once.
type Book struct {
	pol     *Policy
	loc     *time.Location
	log     *slog.Logger
	counter SubscriberCounter

	mu      sync.RWMutex
	dims    []*dimState
	srcs    []*srcState // the view fields the kept dimensions are made of
	kinds   []PeriodKind
	retain  [nPeriodKinds]int
	byFact  [nFacts][]int32
	matched []int32  // the measures counting the current fact
	sumOps  []sumOp  // its duration sums
	histOps []histOp // its histogram entries
	hot     []hotMeasure
	countFn func(v *view)
	scratch view
	events  int64
	facts   [nFacts]int64
	pay     *payState
	// the period ids of the local day [dayFrom, dayTo) (unix seconds)
	dayFrom, dayTo int64
	dayIDs         periodIDs
	// the entries holding facts of period pendIDs not yet in their rows'
	// slots; pendingAny is set while there are any (read without b.mu)
	pending    []*srcEntry
	pendIDs    periodIDs
	pendingAny atomic.Bool

	baseMu sync.Mutex
	bases  map[baseKey]int64
}

type baseKey struct {
	dim, unit string
	p         Period
}

type dimState struct {
	dimDef
	rows map[string]*row
}

// srcState interns the values of one view field: each value seen maps to
// the rows it counts under, one per kept dimension made of the field, so a
// fact costs one lookup per field (none when the value repeats) instead of
// one per dimension, and no string work to cut region codes.
type srcState struct {
	src  source
	dims []*dimState
	m    map[string]*srcEntry
	last *srcEntry
}

// srcEntry is one value of a field and its rows (nil where the value does
// not count, e.g. a city-level region under "branch"). pend and phist sum
// the facts of the Book's pending period counted under the value (counts by
// measure, then duration sums; histograms by histIdx) until Book.flush adds
// them to each row's slots.
type srcEntry struct {
	val     string
	rows    []*row
	counts  bool // some row is not nil
	pending bool // in Book.pending
	pend    []int64
	phist   []hist
}

// sumOp adds val to a slot's sums[idx]; histOp adds one value in bucket
// to a slot's hists[idx]. A fact's ops are worked out once and applied to
// every slot it counts in.
type sumOp struct {
	idx int32
	val int64
}

type histOp struct {
	idx, bucket int32
}

// hotMeasure is what the per-event loop needs of a measure, kept compact.
type hotMeasure struct {
	sum, hist int32
	dur       durKind
}

// row is one unit of a dimension: its period slots, oldest first, and the
// slot of each kind used last (nearly every fact falls in it).
type row struct {
	unit  string
	curID [nPeriodKinds]int32
	cur   [nPeriodKinds]*slot
	slots [nPeriodKinds][]*slot
}

// slot holds the counters of one unit in one period.
type slot struct {
	id    int32
	n     []int64 // by measure
	sums  []int64 // duration sums, by measure.sumIdx
	hists []*hist // by measure.histIdx, allocated on first use
}

// NewBook returns an empty Book for policy p (Default() when nil). It
// fails on an unknown dimension or period.
func NewBook(p *Policy, cfg BookConfig) (*Book, error) {
	if p == nil {
		p = Default()
	}
	b := &Book{pol: p, loc: p.zone, log: cfg.Logger, counter: cfg.Subscribers, bases: map[baseKey]int64{}}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dims := cfg.Dimensions
	if len(dims) == 0 {
		dims = DefaultDimensions
	}
	for _, name := range dims {
		d, ok := dimByName(name)
		if !ok {
			return nil, fmt.Errorf("scoring: unknown dimension %q (known: %s)", name, strings.Join(DimensionNames(), ", "))
		}
		if slices.ContainsFunc(b.dims, func(x *dimState) bool { return x.name == name }) {
			continue
		}
		ds := &dimState{dimDef: d, rows: map[string]*row{}}
		b.dims = append(b.dims, ds)
		i := slices.IndexFunc(b.srcs, func(sc *srcState) bool { return sc.src == d.src })
		if i < 0 {
			i = len(b.srcs)
			b.srcs = append(b.srcs, &srcState{src: d.src, m: map[string]*srcEntry{}})
		}
		b.srcs[i].dims = append(b.srcs[i].dims, ds)
	}
	periods := cfg.Periods
	if len(periods) == 0 {
		periods = []PeriodKind{Week, Month, Quarter, Year}
	}
	for _, k := range periods {
		if k < Day || k > Year {
			return nil, fmt.Errorf("scoring: unknown period kind %d", k)
		}
	}
	for _, k := range []PeriodKind{Day, Week} {
		if slices.Contains(periods, k) {
			b.kinds = append(b.kinds, k)
		}
	}
	b.kinds = append(b.kinds, Month)
	b.retain = [nPeriodKinds]int{Day: 62, Week: 60, Month: 37}
	for k, n := range cfg.Retain {
		if k >= Day && k <= Year && n > 0 {
			b.retain[k] = n
		}
	}
	for i, m := range p.measures {
		b.byFact[m.fact] = append(b.byFact[m.fact], int32(i))
		b.hot = append(b.hot, hotMeasure{sum: int32(m.sumIdx), hist: int32(m.histIdx), dur: m.dur})
	}
	b.matched = make([]int32, 0, len(p.measures))
	b.sumOps = make([]sumOp, 0, p.nSums)
	b.histOps = make([]histOp, 0, p.nHists)
	b.countFn = b.count
	if p.pay != nil {
		b.pay = newPayState(p.pay)
	}
	return b, nil
}

// Policy returns the book's policy.
func (b *Book) Policy() *Policy { return b.pol }

// Observe counts what one stored event says (it implements kesu.Observer).
// t is the ticket after the event's batch; Observe neither keeps nor changes
// it.
func (b *Book) Observe(e *complaint.Event, t *complaint.Ticket) {
	b.mu.Lock()
	b.events++
	facts(e, t, &b.scratch, b.countFn)
	b.mu.Unlock()
}

// WarningKind says what happened to a warning (see Warning).
type WarningKind uint8

// The warning kinds a Book counts.
const (
	WarningRaised   WarningKind = iota + 1 // a warning was raised
	WarningFeedback                        // feedback was given on it (OnTime: by its due time)
	WarningClosed                          // it was verified and closed
)

// Warning is what the warning ledger tells the Book, so warning closure and
// feedback timeliness are scored with the rest. The warning package is not
// imported: the engine (or the caller) forwards ledger changes with
// ObserveWarning.
type Warning struct {
	ID       string
	Kind     WarningKind
	At       time.Time
	Region   string
	Category string
	Partner  string
	OnTime   bool
}

// ObserveWarning counts a warning's raise, feedback or closure.
func (b *Book) ObserveWarning(w Warning) {
	v := view{at: w.At, region: w.Region, category: w.Category, partner: w.Partner, warning: w.ID}
	switch w.Kind {
	case WarningRaised:
		v.fact = FactWarningRaised
	case WarningFeedback:
		v.fact = FactWarningFeedback
		if w.OnTime {
			v.cond |= condOnTime
		}
	case WarningClosed:
		v.fact = FactWarningClosed
	default:
		return
	}
	b.mu.Lock()
	b.count(&v)
	b.mu.Unlock()
}

// count adds one fact to every kept dimension and period. b.mu is held.
func (b *Book) count(v *view) {
	b.facts[v.fact]++
	if b.pay != nil {
		b.pay.count(v, b.loc)
	}
	ms := b.pol.measures
	b.matched, b.sumOps, b.histOps = b.matched[:0], b.sumOps[:0], b.histOps[:0]
	for _, mi := range b.byFact[v.fact] {
		if !ms[mi].match(v) {
			continue
		}
		b.matched = append(b.matched, mi)
		m := &b.hot[mi]
		if m.sum >= 0 {
			b.sumOps = append(b.sumOps, sumOp{m.sum, v.dur[m.dur]})
		}
		if m.hist >= 0 {
			b.histOps = append(b.histOps, histOp{m.hist, int32(histIndex(v.dur[m.dur]))})
		}
	}
	if len(b.matched) == 0 {
		return
	}
	ids := b.periodIDs(v.at)
	if len(b.pending) > 0 && !b.samePeriods(ids, b.pendIDs) {
		b.flush()
	}
	if len(b.pending) == 0 {
		b.pendIDs = ids
		b.pendingAny.Store(true)
	}
	nm := len(ms)
	for _, sc := range b.srcs {
		val := sourceOf(sc.src, v)
		e := sc.last
		if e == nil || e.val != val {
			if e = sc.m[val]; e == nil {
				e = sc.intern(val, v)
			}
			sc.last = e
		}
		if !e.counts {
			continue
		}
		if !e.pending {
			if e.pend == nil {
				e.pend = make([]int64, nm+b.pol.nSums)
				e.phist = make([]hist, b.pol.nHists)
			}
			e.pending = true
			b.pending = append(b.pending, e)
		}
		p := e.pend
		for _, mi := range b.matched {
			p[mi]++
		}
		ps := p[nm:]
		for _, o := range b.sumOps {
			ps[o.idx] += o.val
		}
		for _, o := range b.histOps {
			e.phist[o.idx].addBucket(int(o.bucket))
		}
	}
}

// samePeriods reports whether ids and o name the same periods of every
// counted kind.
func (b *Book) samePeriods(ids, o periodIDs) bool {
	for _, k := range b.kinds {
		if ids[k] != o[k] {
			return false
		}
	}
	return true
}

// flush adds the pending facts (all of period b.pendIDs) to the slots of
// their rows, in the order the entries were first touched. b.mu is held
// for writing. Adding a period's facts to a row at once leaves it as adding
// them one by one would: between them the row gets no fact of another
// period, so the same slot is found (or made, or refused) for each.
func (b *Book) flush() {
	nm := len(b.pol.measures)
	for _, e := range b.pending {
		pn, ps := e.pend[:nm], e.pend[nm:]
		for _, r := range e.rows {
			if r == nil {
				continue
			}
			for _, k := range b.kinds {
				s := r.cur[k]
				if s == nil || r.curID[k] != b.pendIDs[k] {
					if s = b.slotFor(r, k, b.pendIDs[k]); s == nil {
						continue
					}
				}
				n := s.n[:nm]
				for i, x := range pn {
					n[i] += x
				}
				sums := s.sums[:len(ps)]
				for i, x := range ps {
					sums[i] += x
				}
				for i := range e.phist {
					ph := &e.phist[i]
					if ph.n == 0 {
						continue
					}
					h := s.hists[i]
					if h == nil {
						h = new(hist)
						s.hists[i] = h
					}
					h.mergeUsed(ph)
				}
			}
		}
		clear(e.pend)
		for i := range e.phist {
			e.phist[i].reset()
		}
		e.pending = false
	}
	clear(b.pending)
	b.pending = b.pending[:0]
	b.pendingAny.Store(false)
}

// rlock flushes the pending facts, if any, and read-locks b.mu: a reader
// sees every fact observed before it was called (and possibly some
// observed while it ran, as with any lock).
func (b *Book) rlock() {
	if b.pendingAny.Load() {
		b.mu.Lock()
		if len(b.pending) > 0 {
			b.flush()
		}
		b.mu.Unlock()
	}
	b.mu.RLock()
}

// intern makes the entry of value val of sc's field, v being a view with
// that value: the rows of every dimension made of the field, made as
// needed.
func (sc *srcState) intern(val string, v *view) *srcEntry {
	e := &srcEntry{val: strings.Clone(val), rows: make([]*row, len(sc.dims))}
	for i, d := range sc.dims {
		u := d.get(v)
		if u == "" && d.name != "all" {
			continue
		}
		r := d.rows[u]
		if r == nil {
			r = &row{unit: strings.Clone(u)}
			d.rows[r.unit] = r
		}
		e.rows[i] = r
		e.counts = true
	}
	sc.m[e.val] = e
	return e
}

// periodIDs returns idsOf(t, b.loc), computed once per local day.
func (b *Book) periodIDs(t time.Time) periodIDs {
	u := t.Unix()
	if u >= b.dayFrom && u < b.dayTo {
		return b.dayIDs
	}
	ids := idsOf(t, b.loc)
	y, m, d := civilFromDays(ids[Day])
	from := time.Date(y, time.Month(m), d, 0, 0, 0, 0, b.loc)
	to := time.Date(y, time.Month(m), d+1, 0, 0, 0, 0, b.loc)
	b.dayFrom, b.dayTo, b.dayIDs = 0, 0, ids
	// cache only a day whose bounds are where they should be (a zone may
	// skip a midnight)
	if !from.After(t) && to.After(t) && idsOf(from, b.loc) == ids && idsOf(to.Add(-time.Second), b.loc) == ids {
		b.dayFrom, b.dayTo = from.Unix(), to.Unix()
	}
	return ids
}

// slotFor finds or makes the slot of period id in r, keeping at most
// retain[k] slots, and makes it r's current slot of kind k; it returns nil
// for a period older than all kept ones when the row is full.
func (b *Book) slotFor(r *row, k PeriodKind, id int32) *slot {
	s := b.findOrMake(r, k, id)
	if s != nil {
		r.cur[k], r.curID[k] = s, id
	}
	return s
}

func (b *Book) findOrMake(r *row, k PeriodKind, id int32) *slot {
	ss := r.slots[k]
	n := len(ss)
	if n > 0 && ss[n-1].id == id {
		return ss[n-1]
	}
	i, found := slices.BinarySearchFunc(ss, id, func(s *slot, id int32) int { return int(s.id - id) })
	if found {
		return ss[i]
	}
	if n >= b.retain[k] {
		if i == 0 {
			return nil
		}
		// drop the oldest, reusing its memory
		old := ss[0]
		copy(ss, ss[1:i])
		i--
		clear(old.n)
		clear(old.sums)
		for _, h := range old.hists {
			if h != nil {
				h.reset()
			}
		}
		old.id = id
		ss[i] = old
		return old
	}
	nm := len(b.pol.measures)
	blk := make([]int64, nm+b.pol.nSums) // counts and sums in one block
	s := &slot{id: id, n: blk[:nm:nm], sums: blk[nm:], hists: make([]*hist, b.pol.nHists)}
	ss = slices.Insert(ss, i, s)
	r.slots[k] = ss
	return s
}

// Stats are counts of what a Book has seen.
type Stats struct {
	Events int64            // events observed
	Facts  map[string]int64 // facts counted, by fact name
	Units  map[string]int   // units kept, by dimension
}

// Stats returns counts of what the book has seen.
func (b *Book) Stats() Stats {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := Stats{Events: b.events, Facts: map[string]int64{}, Units: map[string]int{}}
	for f := Fact(1); f < nFacts; f++ {
		if b.facts[f] > 0 {
			s.Facts[f.String()] = b.facts[f]
		}
	}
	for _, d := range b.dims {
		s.Units[d.name] = len(d.rows)
	}
	return s
}

// Dimensions returns the dimensions the book keeps, in order.
func (b *Book) Dimensions() []string {
	out := make([]string, len(b.dims))
	for i, d := range b.dims {
		out[i] = d.name
	}
	return out
}

func (b *Book) dim(name string) (*dimState, error) {
	for _, d := range b.dims {
		if d.name == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("scoring: dimension %q is not kept (kept: %s): %w", name, strings.Join(b.Dimensions(), ", "), ErrNotKept)
}

func (b *Book) keeps(k PeriodKind) error {
	if !slices.Contains(b.kinds, k) && k != Quarter && k != Year {
		return fmt.Errorf("scoring: %s periods are not kept: %w", k, ErrNotKept)
	}
	return nil
}

// Units returns the units of a dimension that have any fact in period p,
// sorted. It fails with ErrNotKept when the dimension or period kind is not
// kept.
func (b *Book) Units(dim string, p Period) ([]string, error) {
	d, err := b.dim(dim)
	if err != nil {
		return nil, err
	}
	if err := b.keeps(p.Kind); err != nil {
		return nil, err
	}
	id := periodID(p)
	b.rlock()
	defer b.mu.RUnlock()
	var out []string
	for u, r := range d.rows {
		if r.find(p.Kind, id) != nil {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out, nil
}

// find returns the slot of period id of kind k in r, or nil when r has no
// facts in it. Quarters and years are summed from their months into a new
// slot.
func (r *row) find(k PeriodKind, id int32) *slot {
	if r == nil {
		return nil
	}
	switch k {
	case Quarter:
		first := id/4*12 + id%4*3
		return r.sum(first, first+3)
	case Year:
		return r.sum(id*12, id*12+12)
	}
	ss := r.slots[k]
	i, ok := slices.BinarySearchFunc(ss, id, func(s *slot, id int32) int { return int(s.id - id) })
	if !ok {
		return nil
	}
	return ss[i]
}

// Customers returns the customer base of a unit in a period and where it
// came from: the most specific base of the policy, else the
// SubscriberCounter (asked once per unit and period, then cached). It
// returns 0 and "" when neither knows; an error only when the counter fails.
func (b *Book) Customers(ctx context.Context, dim, unit string, p Period) (int64, string, error) {
	var best *Base
	for _, bs := range b.pol.bases {
		if bs.Dimension != dim || bs.Unit != unit {
			continue
		}
		if !bs.period.IsZero() && !(bs.period.Contains(p.Start) && bs.period.Kind >= p.Kind) {
			continue
		}
		if best == nil || (best.period.IsZero() && !bs.period.IsZero()) ||
			(!bs.period.IsZero() && bs.period.Kind < best.period.Kind) {
			best = bs
		}
	}
	if best != nil {
		return best.Count, "policy " + best.Source, nil
	}
	if b.counter == nil {
		return 0, "", nil
	}
	key := baseKey{dim, unit, p}
	b.baseMu.Lock()
	n, ok := b.bases[key]
	b.baseMu.Unlock()
	if ok {
		return n, "subscriber counter", nil
	}
	n, err := b.counter.Subscribers(ctx, dim, unit, p)
	if err != nil {
		return 0, "", fmt.Errorf("scoring: customers of %s %q in %s: %w", dim, unit, p, err)
	}
	if n < 0 {
		n = 0
	}
	b.baseMu.Lock()
	b.bases[key] = n
	b.baseMu.Unlock()
	return n, "subscriber counter", nil
}

// sum adds up the month slots with ids in [from, to); nil when none.
func (r *row) sum(from, to int32) *slot {
	var out *slot
	for _, s := range r.slots[Month] {
		if s.id < from || s.id >= to {
			continue
		}
		if out == nil {
			out = &slot{id: from, n: make([]int64, len(s.n)), sums: make([]int64, len(s.sums)), hists: make([]*hist, len(s.hists))}
		}
		for i, v := range s.n {
			out.n[i] += v
		}
		for i, v := range s.sums {
			out.sums[i] += v
		}
		for i, h := range s.hists {
			if h == nil {
				continue
			}
			if out.hists[i] == nil {
				out.hists[i] = new(hist)
			}
			out.hists[i].merge(h)
		}
	}
	return out
}

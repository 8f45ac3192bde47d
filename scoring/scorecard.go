package scoring

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"
)

// ErrNotKept is returned (wrapped) when a scorecard is asked for a dimension,
// period kind or KPI the book does not keep.
var ErrNotKept = errors.New("scoring: not kept")

// Scorecard is the KPIs of one unit in one period, read from a Book at a
// moment: each line with its value, the counts behind it, its projection to
// the period's end and its standing against its target.
type Scorecard struct {
	Dimension string    `json:"dimension"`
	Unit      string    `json:"unit"`
	Period    Period    `json:"period"`
	AsOf      time.Time `json:"as_of"`
	// Elapsed is the share of the period passed at AsOf (0–1).
	Elapsed float64 `json:"elapsed"`
	// Customers is the customer base used by per-customer KPIs (0: unknown)
	// and CustomersFrom where it came from.
	Customers     int64  `json:"customers,omitempty"`
	CustomersFrom string `json:"customers_from,omitempty"`
	Lines         []Line `json:"lines"`
	// Notes say what could not be computed and why (e.g. the subscriber
	// counter failed).
	Notes []string `json:"notes,omitempty"`
}

// Line is one KPI on a scorecard.
type Line struct {
	KPI      string `json:"kpi"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	External bool   `json:"external"`
	Value    Value  `json:"value"`
	// Projected is the value expected at the end of the period at the rate
	// so far (counts and per-customer counts); other KPIs project as they
	// stand. Equal to Value once the period is over.
	Projected Value `json:"projected"`
	// Numerator and Denominator are the counts behind the value (for a
	// per-customer KPI the denominator is the customer base; for a mean the
	// number of durations; for a change the comparison period's value is in
	// Baseline).
	Numerator   int64 `json:"numerator"`
	Denominator int64 `json:"denominator,omitempty"`
	Baseline    Value `json:"baseline,omitzero"`
	// Explain says how the value is computed.
	Explain    string      `json:"explain"`
	Assessment *Assessment `json:"assessment,omitempty"`
}

// Line returns the line of a KPI and whether it is on the scorecard.
func (s *Scorecard) Line(kpi string) (Line, bool) {
	for _, l := range s.Lines {
		if l.KPI == kpi {
			return l, true
		}
	}
	return Line{}, false
}

// External returns the lines judged by customers; Internal the others
// (DOMAIN.md R24).
func (s *Scorecard) External() []Line {
	return slices.DeleteFunc(slices.Clone(s.Lines), func(l Line) bool { return !l.External })
}

// Internal returns the lines that are not external.
func (s *Scorecard) Internal() []Line {
	return slices.DeleteFunc(slices.Clone(s.Lines), func(l Line) bool { return l.External })
}

// reading is the context of one read: unit, period, base and time.
type reading struct {
	b     *Book
	d     *dimState
	unit  string
	p     Period
	now   time.Time
	base  int64
	pbase int64 // base of the comparison period, looked up lazily
}

// Scorecard reads the scorecard of a unit ("" for dimension "all") in period
// p as of now (which decides projections and whether the period is over).
// kpis limits the lines to those ids (all the policy's KPIs when empty). It
// fails with ErrNotKept for a dimension, period kind or KPI not kept. A
// failing SubscriberCounter does not fail it: per-customer lines have no data
// and a note says why.
func (b *Book) Scorecard(ctx context.Context, dim, unit string, p Period, now time.Time, kpis ...string) (*Scorecard, error) {
	d, err := b.dim(dim)
	if err != nil {
		return nil, err
	}
	if err := b.keeps(p.Kind); err != nil {
		return nil, err
	}
	list, err := b.kpiList(kpis)
	if err != nil {
		return nil, err
	}
	sc := &Scorecard{Dimension: dim, Unit: unit, Period: p, AsOf: now, Elapsed: p.Elapsed(now)}
	needBase := false
	for _, k := range list {
		needBase = needBase || k.kind == kPerBase || (k.kind == kChange && k.of.kind == kPerBase)
	}
	rd := &reading{b: b, d: d, unit: unit, p: p, now: now, pbase: -1}
	if needBase {
		n, from, err := b.Customers(ctx, dim, unit, p)
		if err != nil {
			sc.Notes = append(sc.Notes, err.Error())
			b.log.Warn("scoring: customer base unavailable", "dimension", dim, "unit", unit, "period", p.String(), "err", err)
		}
		rd.base, sc.Customers, sc.CustomersFrom = n, n, from
	}
	// comparison bases for change KPIs
	cmpBase := map[Period]int64{}
	for _, k := range list {
		if k.kind == kChange && k.of.kind == kPerBase {
			cp := comparison(k, p)
			if _, ok := cmpBase[cp]; !ok {
				n, _, err := b.Customers(ctx, dim, unit, cp)
				if err != nil {
					sc.Notes = append(sc.Notes, err.Error())
				}
				cmpBase[cp] = n
			}
		}
	}
	var ranks map[string][]Rank
	for _, k := range list {
		if t := b.pol.target(k.ID, dim, unit, p.Kind); t != nil && t.op == opTop {
			if ranks == nil {
				ranks = map[string][]Rank{}
			}
			rk, err := b.Ranking(ctx, k.ID, dim, p, now)
			if err != nil {
				return nil, err
			}
			ranks[k.ID] = rk
		}
	}
	b.rlock()
	defer b.mu.RUnlock()
	r := d.rows[unit]
	for _, k := range list {
		l := Line{KPI: k.ID, Name: k.Name, Unit: k.Unit, External: k.External, Explain: k.explain}
		if k.kind == kChange {
			rd.pbase = cmpBase[comparison(k, p)]
		}
		l.Value, l.Projected, l.Numerator, l.Denominator, l.Baseline = rd.line(k, r)
		if t := b.pol.target(k.ID, dim, unit, p.Kind); t != nil {
			a := &Assessment{Target: t.Goal, Source: t.Source}
			if t.op == opTop {
				a.Of = len(ranks[k.ID])
				for _, rk := range ranks[k.ID] {
					if rk.Unit == unit {
						a.Rank = rk.Place
					}
				}
				switch {
				case a.Rank == 0:
					a.Status = NoData
				case a.Rank <= t.top:
					a.Status = Met
				case !now.Before(p.End()):
					a.Status = Missed
				default:
					a.Status = AtRisk
				}
			} else {
				a.Status = assess(t, l.Value, l.Projected, !now.Before(p.End()), k.kind == kCount || k.kind == kPerBase)
			}
			l.Assessment = a
		}
		sc.Lines = append(sc.Lines, l)
	}
	return sc, nil
}

func (b *Book) kpiList(ids []string) ([]*KPI, error) {
	if len(ids) == 0 {
		return b.pol.kpis, nil
	}
	out := make([]*KPI, 0, len(ids))
	for _, id := range ids {
		k := b.pol.byID[id]
		if k == nil {
			return nil, errors.Join(ErrNotKept, errors.New("scoring: unknown KPI "+id))
		}
		out = append(out, k)
	}
	return out, nil
}

func comparison(k *KPI, p Period) Period {
	if k.Change != nil && k.Change.Against == "previous" {
		return p.Prev()
	}
	return p.LastYear()
}

// target returns the most specific target for a KPI on a scorecard, or nil.
func (p *Policy) target(kpi, dim, unit string, k PeriodKind) *Target {
	var best *Target
	for _, t := range p.targets {
		if t.applies(kpi, dim, unit, k) && (best == nil || t.specificity() >= best.specificity()) {
			best = t
		}
	}
	return best
}

// line computes one KPI for row r in the reading's period. b.mu is held.
func (rd *reading) line(k *KPI, r *row) (v, proj Value, num, den int64, baseline Value) {
	s := r.find(rd.p.Kind, periodID(rd.p))
	el := rd.p.Elapsed(rd.now)
	if k.kind == kChange {
		cp := comparison(k, rd.p)
		cur, curProj, n, _ := rd.value(k.of, s, rd.base, el)
		prev, _, _, _ := rd.value(k.of, r.find(cp.Kind, periodID(cp)), rd.pbase, 1)
		return change(cur, prev), change(curProj, prev), n, 0, prev
	}
	v, proj, num, den = rd.value(k, s, rd.base, el)
	return v, proj, num, den, Value{}
}

func change(cur, prev Value) Value {
	if !cur.OK || !prev.OK || prev.V == 0 {
		return Value{}
	}
	return Of((cur.V/prev.V - 1) * 100)
}

// value computes a non-change KPI from slot s (nil: no facts) with customer
// base base, el the elapsed share of the period.
func (rd *reading) value(k *KPI, s *slot, base int64, el float64) (v, proj Value, num, den int64) {
	if s != nil {
		num = s.n[k.num]
	}
	switch k.kind {
	case kCount:
		if s == nil {
			return Value{}, Value{}, 0, 0
		}
		v = Of(float64(num))
		proj = v
		if el > 0 && el < 1 {
			proj = Of(float64(num) / el)
		}
	case kRatio:
		if s != nil {
			den = s.n[k.den]
		}
		v = ratio(num, den, k.Scale)
		proj = v
	case kPerBase:
		den = base
		if s == nil {
			return Value{}, Value{}, 0, den
		}
		v = ratio(num, den, k.Scale)
		proj = v
		if v.OK && el > 0 && el < 1 {
			proj = Of(v.V / el)
		}
	case kMean:
		if s != nil && num > 0 {
			m := rd.b.pol.measures[k.num]
			v = Of(float64(s.sums[m.sumIdx]) / float64(num) / k.divisor)
		}
		den = num
		proj = v
	case kQuantile:
		if s != nil {
			m := rd.b.pol.measures[k.num]
			if q := s.hists[m.histIdx].quantile(k.Q); q.OK {
				v = Of(q.V / k.divisor)
			}
		}
		den = num
		proj = v
	}
	return v, proj, num, den
}

// Rank is a unit's place in a ranking.
type Rank struct {
	Place int    `json:"place"`
	Unit  string `json:"unit"`
	Value Value  `json:"value"`
}

// Ranking ranks the units of a dimension on one KPI in period p, best first
// by the KPI's direction (ties share a place and are ordered by unit); units
// with no value are left out. Rankings across provinces per million
// customers are the energy regulator's view (R23).
func (b *Book) Ranking(ctx context.Context, kpi, dim string, p Period, now time.Time) ([]Rank, error) {
	k := b.pol.byID[kpi]
	if k == nil {
		return nil, errors.Join(ErrNotKept, errors.New("scoring: unknown KPI "+kpi))
	}
	units, err := b.Units(dim, p)
	if err != nil {
		return nil, err
	}
	var out []Rank
	for _, u := range units {
		sc, err := b.scoreOne(ctx, k, dim, u, p, now)
		if err != nil {
			return nil, err
		}
		if sc.OK {
			out = append(out, Rank{Unit: u, Value: sc})
		}
	}
	slices.SortFunc(out, func(a, c Rank) int {
		x := cmp.Compare(a.Value.V, c.Value.V)
		if k.higher {
			x = -x
		}
		if x != 0 {
			return x
		}
		return cmp.Compare(a.Unit, c.Unit)
	})
	for i := range out {
		if i > 0 && out[i].Value.V == out[i-1].Value.V {
			out[i].Place = out[i-1].Place
		} else {
			out[i].Place = i + 1
		}
	}
	return out, nil
}

// scoreOne computes one KPI for one unit without targets.
func (b *Book) scoreOne(ctx context.Context, k *KPI, dim, unit string, p Period, now time.Time) (Value, error) {
	d, err := b.dim(dim)
	if err != nil {
		return Value{}, err
	}
	rd := &reading{b: b, d: d, unit: unit, p: p, now: now}
	if k.kind == kPerBase || (k.kind == kChange && k.of.kind == kPerBase) {
		rd.base, _, _ = b.Customers(ctx, dim, unit, p)
		if k.kind == kChange {
			rd.pbase, _, _ = b.Customers(ctx, dim, unit, comparison(k, p))
		}
	}
	b.rlock()
	defer b.mu.RUnlock()
	v, _, _, _, _ := rd.line(k, d.rows[unit])
	return v, nil
}

package scoring

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/policyfile"
)

// Policy is the compiled scoring part of a policy file: the KPIs (built-ins
// plus the file's), targets, customer bases, appraisal schemes, pay rules,
// the partner-sanction policy and report settings, in one time zone. Build it
// with Parse, Load, FromFile or Default. A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	zone      *time.Location
	kpis      []*KPI
	byID      map[string]*KPI
	measures  []*measure
	nSums     int
	nHists    int
	targets   []*Target
	bases     []*Base
	appraisal []*Appraisal
	pay       *Pay
	sanctions SanctionPolicy
	reports   ReportPolicy
	rm        reportMeasures
}

// Zone returns the policy's time zone (Asia/Shanghai by default).
func (p *Policy) Zone() *time.Location { return p.zone }

// KPIs returns the KPIs in a fixed order: built-ins first, then those the
// policy added. The KPIs are shared: do not modify them.
func (p *Policy) KPIs() []*KPI { return slices.Clone(p.kpis) }

// KPI returns the KPI with that id, or nil.
func (p *Policy) KPI(id string) *KPI { return p.byID[id] }

// Targets returns the targets: built-in defaults (R23) then the policy's.
func (p *Policy) Targets() []Target {
	out := make([]Target, len(p.targets))
	for i, t := range p.targets {
		out[i] = *t
	}
	return out
}

// Sanctions returns the partner-sanction policy.
func (p *Policy) Sanctions() SanctionPolicy { return p.sanctions }

// Appraisals returns the appraisal schemes.
func (p *Policy) Appraisals() []*Appraisal { return slices.Clone(p.appraisal) }

// Pay returns the pay rules, or nil when the policy has none.
func (p *Policy) Pay() *Pay { return p.pay }

// DefaultTargets are the targets of DOMAIN.md R23 that apply without a
// policy: complaints ≤ 38 per 10,000 customers a year, unaware marketing ≤ 2
// per 10,000 a year, unaware VAS complaints −25 % year on year, the complaint
// rate −10 % year on year, satisfaction ≥ 79 %, centralised share ≥ 95 %.
func DefaultTargets() []Target {
	return []Target{
		{KPI: KPIComplaintsPer10k, Goal: "<= 38", Period: "year", Source: "built-in (R23)"},
		{KPI: KPIUnawareMarketing, Goal: "<= 2", Period: "year", Source: "built-in (R23)"},
		{KPI: KPIVASUnawareYoY, Goal: "<= -25", Source: "built-in (R23)"},
		{KPI: KPIComplaintsYoY, Goal: "<= -10", Period: "year", Source: "built-in (R23)"},
		{KPI: KPISatisfaction, Goal: ">= 79", Source: "built-in (R23)"},
		{KPI: KPICentralisedShare, Goal: ">= 95", Source: "built-in (R12)"},
	}
}

// Default returns the policy with only the built-in KPIs and targets, in
// Asia/Shanghai.
func Default() *Policy {
	p, err := build(nil)
	if err != nil {
		panic(err) // the built-ins are valid
	}
	return p
}

// Load reads and compiles the scoring sections of a policy file.
func Load(path string) (*Policy, error) {
	f, err := policyfile.Load(path)
	if err != nil {
		return nil, err
	}
	return FromFile(f)
}

// Parse compiles the scoring sections of a policy document; name is used in
// errors. Errors name file:line and the path of the bad field
// (a policyfile.Errors).
func Parse(name string, data []byte) (*Policy, error) {
	f, err := policyfile.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return FromFile(f)
}

// FromFile compiles the scoring sections (zone, kpis, targets, customers.bases,
// appraisal, pay, sanctions, reports) of a parsed policy file, reporting
// every problem at once.
func FromFile(f *policyfile.File) (*Policy, error) {
	return build(f)
}

type errList struct {
	file string
	errs policyfile.Errors
}

func (e *errList) at(n *yaml.Node, path, format string, args ...any) {
	e.errs = append(e.errs, policyfile.Errorf(e.file, n, path, format, args...))
}

func (e *errList) add(err error) {
	if err == nil {
		return
	}
	if es, ok := err.(policyfile.Errors); ok {
		e.errs = append(e.errs, es...)
		return
	}
	if pe, ok := err.(*policyfile.Error); ok {
		e.errs = append(e.errs, pe)
		return
	}
	e.errs = append(e.errs, &policyfile.Error{File: e.file, Msg: err.Error()})
}

// seqItem returns the node of the i-th entry of a sequence section (for
// line numbers), or the section node itself.
func seqItem(n *yaml.Node, i int) *yaml.Node {
	if n != nil && n.Kind == yaml.SequenceNode && i >= 0 && i < len(n.Content) {
		return n.Content[i]
	}
	return n
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func build(f *policyfile.File) (*Policy, error) {
	p := &Policy{zone: defaultZone(), byID: map[string]*KPI{}}
	el := &errList{file: "built-in"}
	var (
		userKPIs    []*KPI
		userTargets []*Target
		sec         = map[string]*yaml.Node{}
	)
	if f != nil {
		el.file = f.Name
		sec = f.Sections
		var zone string
		el.add(f.Decode("zone", &zone))
		if zone != "" {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				el.at(sec["zone"], "zone", "unknown time zone %q: %v", zone, err)
			} else {
				p.zone = loc
			}
		}
		el.add(f.Decode("kpis", &userKPIs))
		el.add(f.Decode("targets", &userTargets))
		if n := mapValue(sec["customers"], "bases"); n != nil {
			el.add(policyfile.Decode(f.Name, "customers.bases", n, &p.bases))
		}
		el.add(f.Decode("appraisal", &p.appraisal))
		el.add(f.Decode("pay", &p.pay))
		p.sanctions = DefaultSanctionPolicy()
		el.add(f.Decode("sanctions", &p.sanctions))
		p.reports = DefaultReportPolicy()
		el.add(f.Decode("reports", &p.reports))
		if len(el.errs) > 0 {
			return nil, el.errs
		}
	} else {
		p.sanctions = DefaultSanctionPolicy()
		p.reports = DefaultReportPolicy()
	}

	// null entries ("- " with nothing) are errors, not nil pointers
	userKPIs = dropNil(userKPIs, sec["kpis"], "kpis", el)
	userTargets = dropNil(userTargets, sec["targets"], "targets", el)
	p.bases = dropNil(p.bases, mapValue(sec["customers"], "bases"), "customers.bases", el)
	p.appraisal = dropNil(p.appraisal, sec["appraisal"], "appraisal", el)
	if len(el.errs) > 0 {
		return nil, el.errs
	}

	// KPIs: built-ins, replaced or extended by the policy's.
	kpis := Builtins()
	for _, k := range kpis {
		k.Source = "built-in"
	}
	seen := map[string]int{}
	for i, k := range userKPIs {
		n := seqItem(sec["kpis"], i)
		path := fmt.Sprintf("kpis[%d]", i)
		k.Source = fmt.Sprintf("%s:%d", el.file, n.Line)
		if k.ID == "" {
			el.at(n, path+".id", "required")
			continue
		}
		if j, dup := seen[k.ID]; dup {
			el.at(n, path+".id", "duplicate KPI id %q (also kpis[%d])", k.ID, j)
			continue
		}
		seen[k.ID] = i
		if j := slices.IndexFunc(kpis, func(b *KPI) bool { return b.ID == k.ID }); j >= 0 {
			kpis[j] = k
		} else {
			kpis = append(kpis, k)
		}
	}
	p.kpis = kpis
	for _, k := range kpis {
		p.byID[k.ID] = k
	}
	mkeys := map[string]int{}
	for i, k := range kpis {
		path, n := "kpis."+k.ID, (*yaml.Node)(nil)
		if j, ok := seen[k.ID]; ok {
			n, path = seqItem(sec["kpis"], j), fmt.Sprintf("kpis[%d]", j)
		}
		errf := func(pth, format string, args ...any) { el.at(n, pth, format, args...) }
		p.compileKPI(kpis[i], path, errf, mkeys)
	}

	// Targets.
	for _, t := range DefaultTargets() {
		t := t
		p.targets = append(p.targets, &t)
	}
	for i, t := range userTargets {
		n := seqItem(sec["targets"], i)
		t.Source = fmt.Sprintf("%s:%d", el.file, n.Line)
		p.targets = append(p.targets, t)
	}
	for i, t := range p.targets {
		path := fmt.Sprintf("targets[%d]", i-len(DefaultTargets()))
		n := seqItem(sec["targets"], i-len(DefaultTargets()))
		if p.byID[t.KPI] == nil {
			el.at(n, path+".kpi", "unknown KPI %q", t.KPI)
		}
		if err := t.parseGoal(); err != nil {
			el.at(n, path+".target", "%v", err)
		}
		if t.Period != "" {
			k, err := ParsePeriodKind(t.Period)
			if err != nil {
				el.at(n, path+".period", "%v", err)
			}
			t.period = k
		}
		if t.Dimension != "" && !knownDimension(t.Dimension) {
			el.at(n, path+".dimension", "unknown dimension %q (known: %s)", t.Dimension, strings.Join(DimensionNames(), ", "))
		}
	}

	// Customer bases.
	for i, b := range p.bases {
		n := seqItem(mapValue(sec["customers"], "bases"), i)
		path := fmt.Sprintf("customers.bases[%d]", i)
		b.Source = fmt.Sprintf("%s:%d", el.file, n.Line)
		if b.Dimension == "" {
			b.Dimension = "all"
		}
		if !knownDimension(b.Dimension) {
			el.at(n, path+".dimension", "unknown dimension %q", b.Dimension)
		}
		if b.Count <= 0 {
			el.at(n, path+".count", "must be positive, got %d", b.Count)
		}
		if b.Period != "" {
			pp, err := ParsePeriod(b.Period, p.zone)
			if err != nil {
				el.at(n, path+".period", "%v", err)
			}
			b.period = pp
		}
	}

	p.compileReportMeasures(mkeys)
	p.compileAppraisal(sec["appraisal"], el)
	p.compilePay(sec["pay"], el, mkeys)
	p.sanctions.check(sec["sanctions"], el)
	p.reports.check(p, sec["reports"], el)

	if len(el.errs) > 0 {
		return nil, el.errs
	}
	return p, nil
}

func dropNil[T any](list []*T, n *yaml.Node, path string, el *errList) []*T {
	out := list[:0]
	for i, x := range list {
		if x == nil {
			el.at(seqItem(n, i), fmt.Sprintf("%s[%d]", path, i), "empty entry")
			continue
		}
		out = append(out, x)
	}
	return out
}

// addMeasure interns a compiled counter: equal counters share a slot.
func (p *Policy) addMeasure(m *measure, keys map[string]int, hist bool) int {
	key := m.key
	if hist {
		key += "#hist"
	}
	if i, ok := keys[key]; ok {
		return i
	}
	if m.dur != durNone {
		m.sumIdx = p.nSums
		p.nSums++
	}
	if hist {
		m.histIdx = p.nHists
		p.nHists++
	}
	p.measures = append(p.measures, m)
	keys[key] = len(p.measures) - 1
	return len(p.measures) - 1
}

func (p *Policy) compileKPI(k *KPI, path string, errf func(path, format string, args ...any), keys map[string]int) {
	set := 0
	for _, b := range []bool{k.Count != nil, k.Numerator != nil, k.Mean != nil, k.Quantile != nil, k.Change != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		errf(path, "KPI %q needs exactly one of count, numerator, mean, quantile or change", k.ID)
		return
	}
	switch k.Better {
	case "", "lower":
	case "higher":
		k.higher = true
	default:
		errf(path+".better", "want lower or higher, got %q", k.Better)
	}
	if k.Scale < 0 || k.Scale != k.Scale {
		errf(path+".scale", "must be positive")
	}
	scale := k.Scale
	if scale == 0 {
		scale = 1
	}
	k.Scale = scale
	measure := func(c *Counter, sub string, hist bool) int {
		m := compileCounter(*c, path+"."+sub, errf)
		if (k.Mean != nil || k.Quantile != nil) && m.dur == durNone {
			errf(path+"."+sub+".duration", "required for mean and quantile KPIs")
		}
		return p.addMeasure(m, keys, hist)
	}
	switch {
	case k.Count != nil:
		k.kind = kCount
		k.num = measure(k.Count, "count", false)
		k.explain = k.Count.String()
	case k.Numerator != nil:
		k.num = measure(k.Numerator, "numerator", false)
		switch {
		case k.Per == "customers" && k.Denominator == nil:
			k.kind = kPerBase
			k.explain = k.Numerator.String() + " / customers × " + fmtNum(scale)
		case k.Per == "" && k.Denominator != nil:
			k.kind = kRatio
			k.den = measure(k.Denominator, "denominator", false)
			k.explain = k.Numerator.String() + " / " + k.Denominator.String() + " × " + fmtNum(scale)
		default:
			errf(path, "a numerator needs either a denominator or per: customers")
		}
	case k.Mean != nil:
		k.kind = kMean
		k.num = measure(k.Mean, "mean", false)
		d, err := durDivisor(k.Unit)
		if err != nil {
			errf(path+".unit", "%v", err)
		}
		k.divisor = d
		k.explain = "mean of " + k.Mean.String() + " in " + unitOr(k.Unit, "hours")
	case k.Quantile != nil:
		k.kind = kQuantile
		if !(k.Q >= 0 && k.Q <= 1) {
			errf(path+".q", "must be between 0 and 1, got %v", k.Q)
		}
		k.num = measure(k.Quantile, "quantile", true)
		d, err := durDivisor(k.Unit)
		if err != nil {
			errf(path+".unit", "%v", err)
		}
		k.divisor = d
		k.explain = "quantile " + fmtNum(k.Q) + " of " + k.Quantile.String() + " in " + unitOr(k.Unit, "hours")
	case k.Change != nil:
		k.kind = kChange
		of := p.byID[k.Change.Of]
		switch {
		case of == nil:
			errf(path+".change.of", "unknown KPI %q", k.Change.Of)
		case of.Change != nil:
			errf(path+".change.of", "KPI %q is itself a change", k.Change.Of)
		default:
			k.of = of
		}
		switch k.Change.Against {
		case "year", "previous":
		default:
			errf(path+".change.against", "want year or previous, got %q", k.Change.Against)
		}
		k.explain = "change of " + k.Change.Of + " against the " + map[string]string{"year": "same period last year", "previous": "previous period"}[k.Change.Against] + ", %"
	}
}

func unitOr(u, def string) string {
	if u == "" {
		return def
	}
	return u
}

// parseMoney parses a yuan amount such as "12.50" or "-2" into fen.
func parseMoney(s string) (complaint.Money, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, fmt.Errorf("bad amount %q (want yuan with at most two decimals, e.g. 12.50)", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e13 {
		return 0, fmt.Errorf("bad amount %q", s)
	}
	f := int64(0)
	if hasFrac {
		for len(frac) < 2 {
			frac += "0"
		}
		f, err = strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("bad amount %q", s)
		}
	}
	m := complaint.Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, nil
}

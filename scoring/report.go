package scoring

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
)

// ReportPolicy is the YAML form of the reports section: what the periodic
// reports show.
type ReportPolicy struct {
	// KPIs listed against their targets (default: the R23 set).
	KPIs []string `yaml:"kpis" json:"kpis"`
	// Regions is the dimension for the distribution by region and the
	// hotspots (default county).
	Regions string `yaml:"regions" json:"regions"`
	// Hotspots is how many hotspot regions to list (5); TopControllable how
	// many locally controllable problems (3).
	Hotspots        int `yaml:"hotspots" json:"hotspots"`
	TopControllable int `yaml:"top_controllable" json:"top_controllable"`
}

// DefaultReportPolicy returns the defaults of the reports section.
func DefaultReportPolicy() ReportPolicy {
	return ReportPolicy{
		KPIs: []string{KPIComplaints, KPIComplaintsPer10k, KPIUnawareMarketing, KPIVASUnawarePer10k, KPIVASUnawareYoY,
			KPIEscalatedPer10k, KPISatisfaction, KPIFirstContact, KPIRepeatRate, KPIResolveTimeliness, KPIOverdue,
			KPIWarningClosure, KPIFeedbackTimeliness},
		Regions: "county", Hotspots: 5, TopControllable: 3,
	}
}

func (r *ReportPolicy) check(p *Policy, n *yaml.Node, el *errList) {
	for i, k := range r.KPIs {
		if p.byID[k] == nil {
			el.at(n, fmt.Sprintf("reports.kpis[%d]", i), "unknown KPI %q", k)
		}
	}
	if !knownDimension(r.Regions) {
		el.at(n, "reports.regions", "unknown dimension %q", r.Regions)
	}
	if r.Hotspots < 0 || r.TopControllable < 0 {
		el.at(n, "reports", "hotspots and top_controllable must not be negative")
	}
}

// ReportKind is one of the periodic reports of DOMAIN.md R25.
type ReportKind uint8

// The reports.
const (
	WeeklyAnalysis ReportKind = iota + 1 // 周分析, by week
	MonthlySummary                       // 月小结, by month
	YearlyBulletin                       // 年通报, by year
)

func (k ReportKind) period() PeriodKind {
	switch k {
	case WeeklyAnalysis:
		return Week
	case MonthlySummary:
		return Month
	case YearlyBulletin:
		return Year
	}
	return 0
}

// String returns "weekly analysis", "monthly summary" or "yearly bulletin".
func (k ReportKind) String() string {
	switch k {
	case WeeklyAnalysis:
		return "weekly analysis"
	case MonthlySummary:
		return "monthly summary"
	case YearlyBulletin:
		return "yearly bulletin"
	}
	return ""
}

// MarshalText encodes k as its String form.
func (k ReportKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// ReportOptions refine a report. The zero value reports on the whole book
// (dimension "all"), with codes as labels and the book's own warning counts.
type ReportOptions struct {
	// Dimension and Unit narrow the report to one unit (e.g. a city).
	Dimension, Unit string
	// Categories and Regions label codes ("天河区 (Tianhe)").
	Categories, Regions *complaint.Taxonomy
	// Warnings, when set, replaces the warning figures counted from
	// ObserveWarning (e.g. figures taken from the warning ledger).
	Warnings *WarningFigures
}

// Report is a periodic report (R25) as data; render it with WriteText or
// encoding/json (both stable: same book, same bytes).
type Report struct {
	Kind      ReportKind `json:"kind"`
	Dimension string     `json:"dimension"`
	Unit      string     `json:"unit,omitempty"`
	Period    Period     `json:"period"`
	AsOf      time.Time  `json:"as_of"`
	// KPIs against targets.
	KPIs []Line `json:"kpis"`
	// Distributions of complaints received, and of closures by responsibility.
	ByProblem        []Share `json:"by_problem"`
	ByRegion         []Share `json:"by_region"`
	ByBusiness       []Share `json:"by_business"`
	ByResponsibility []Share `json:"by_responsibility"`
	// ByEffect is the handling effect: satisfied / dissatisfied visits,
	// closures at first contact, reopened, transferred and overdue.
	ByEffect []Share `json:"by_effect"`
	// Hotspots are the regions with the most complaints, with the change
	// against the previous period.
	Hotspots []Hotspot `json:"hotspots"`
	// TopControllable are the problems (categories) with the most closures
	// whose cause was locally controllable, for the analysis meeting.
	TopControllable []Share        `json:"top_controllable"`
	Warnings        WarningFigures `json:"warnings"`
	Notes           []string       `json:"notes,omitempty"`
}

// Share is one entry of a distribution.
type Share struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int64  `json:"count"`
	Share Value  `json:"share"` // % of the distribution's total
}

// Hotspot is a region with many complaints.
type Hotspot struct {
	Region   string `json:"region"`
	Label    string `json:"label"`
	Count    int64  `json:"count"`
	Previous int64  `json:"previous"`
	Change   Value  `json:"change"` // %, no data when the previous period had none
}

// WarningFigures are the warning closure figures of a report.
type WarningFigures struct {
	Raised             int64 `json:"raised"`
	Closed             int64 `json:"closed"`
	ClosureRate        Value `json:"closure_rate"` // %
	Feedback           int64 `json:"feedback"`
	FeedbackOnTime     int64 `json:"feedback_on_time"`
	FeedbackTimeliness Value `json:"feedback_timeliness"` // %
}

// reportMeasures are the counters reports read.
type reportMeasures struct {
	received, closed, controllable, satisfied, visited, fcr, reopened, transferred, overdue int
	wRaised, wClosed, wFeedback, wOnTime                                                    int
}

func (p *Policy) compileReportMeasures(keys map[string]int) {
	add := func(c Counter) int {
		return p.addMeasure(compileCounter(c, "", func(string, string, ...any) {}), keys, false)
	}
	p.rm = reportMeasures{
		received:     add(Counter{Fact: "received", Kind: complaintKinds}),
		closed:       add(Counter{Fact: "closed"}),
		controllable: add(Counter{Fact: "closed", When: []string{"controllable"}}),
		satisfied:    add(Counter{Fact: "visited", When: []string{"satisfied"}}),
		visited:      add(Counter{Fact: "visited"}),
		fcr:          add(Counter{Fact: "closed", When: []string{"fcr"}}),
		reopened:     add(Counter{Fact: "closed", When: []string{"reopened"}}),
		transferred:  add(Counter{Fact: "closed", When: []string{"transferred"}}),
		overdue:      add(Counter{Fact: "resolved", When: []string{"overdue"}}),
		wRaised:      add(Counter{Fact: "warning-raised"}),
		wClosed:      add(Counter{Fact: "warning-closed"}),
		wFeedback:    add(Counter{Fact: "warning-feedback"}),
		wOnTime:      add(Counter{Fact: "warning-feedback", When: []string{"on-time"}}),
	}
}

// Report builds a periodic report for period p (of the report's kind) as of
// now. Sections whose dimension the book does not keep are left empty with
// a note.
func (b *Book) Report(ctx context.Context, kind ReportKind, p Period, now time.Time, opt ReportOptions) (*Report, error) {
	if kind.period() == 0 || p.Kind != kind.period() {
		return nil, fmt.Errorf("scoring: a %s covers a %s, not a %s", kind, kind.period(), p.Kind)
	}
	dim := cmp.Or(opt.Dimension, "all")
	rp := b.pol.reports
	sc, err := b.Scorecard(ctx, dim, opt.Unit, p, now, rp.KPIs...)
	if err != nil {
		return nil, err
	}
	rep := &Report{Kind: kind, Dimension: dim, Unit: opt.Unit, Period: p, AsOf: now, KPIs: sc.Lines, Notes: sc.Notes}
	label := func(t *complaint.Taxonomy, code string) string {
		if t == nil {
			return code
		}
		return t.Label(code)
	}
	// inScope reports whether a unit of another dimension belongs to the
	// report's scope (only region scopes narrow distributions).
	inScope := func(d, u string) bool {
		return dim == "all" || !isRegionDim(dim) || !isRegionDim(d) || complaint.Under(u, opt.Unit)
	}
	dist := func(d string, m int, t *complaint.Taxonomy) []Share {
		ds, err := b.dim(d)
		if err != nil {
			rep.Notes = append(rep.Notes, err.Error())
			return nil
		}
		if dim != "all" && !isRegionDim(d) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: the distribution covers the whole book, not only %s %s", d, dim, opt.Unit))
		}
		b.rlock()
		defer b.mu.RUnlock()
		var out []Share
		var total int64
		id := periodID(p)
		for u, r := range ds.rows {
			if !inScope(d, u) {
				continue
			}
			if s := r.find(p.Kind, id); s != nil && s.n[m] > 0 {
				out = append(out, Share{Key: u, Label: label(t, u), Count: s.n[m]})
				total += s.n[m]
			}
		}
		slices.SortFunc(out, func(a, c Share) int { return cmp.Or(cmp.Compare(c.Count, a.Count), cmp.Compare(a.Key, c.Key)) })
		for i := range out {
			out[i].Share = ratio(out[i].Count, total, 100)
		}
		return out
	}
	rm := b.pol.rm
	rep.ByProblem = dist("category", rm.received, opt.Categories)
	rep.ByRegion = dist(rp.Regions, rm.received, opt.Regions)
	rep.ByBusiness = dist("business", rm.received, opt.Categories)
	rep.ByResponsibility = dist("side", rm.closed, nil)
	top := dist("category", rm.controllable, opt.Categories)
	rep.TopControllable = top[:min(len(top), rp.TopControllable)]

	// handling effect and warnings, from the report's own unit
	d, _ := b.dim(dim)
	b.rlock()
	var s *slot
	if d != nil {
		s = d.rows[opt.Unit].find(p.Kind, periodID(p))
	}
	n := func(m int) int64 {
		if s == nil {
			return 0
		}
		return s.n[m]
	}
	effect := []Share{
		{Key: "satisfied", Label: "回访满意 satisfied on return visit", Count: n(rm.satisfied)},
		{Key: "dissatisfied", Label: "回访不满意 dissatisfied on return visit", Count: n(rm.visited) - n(rm.satisfied)},
		{Key: "first-contact", Label: "一次解决 closed at first contact", Count: n(rm.fcr)},
		{Key: "reopened", Label: "重开 closed after a reopen", Count: n(rm.reopened)},
		{Key: "transferred", Label: "转派 closed after a transfer", Count: n(rm.transferred)},
		{Key: "overdue", Label: "超时 resolved late", Count: n(rm.overdue)},
	}
	closed, visited := n(rm.closed), n(rm.visited)
	for i := range effect {
		den := closed
		if i < 2 {
			den = visited
		}
		if effect[i].Key == "overdue" {
			den = 0
		}
		effect[i].Share = ratio(effect[i].Count, den, 100)
	}
	rep.ByEffect = effect
	w := WarningFigures{Raised: n(rm.wRaised), Closed: n(rm.wClosed), Feedback: n(rm.wFeedback), FeedbackOnTime: n(rm.wOnTime)}
	b.mu.RUnlock()
	if opt.Warnings != nil {
		w = *opt.Warnings
	}
	w.ClosureRate = ratio(w.Closed, w.Raised, 100)
	w.FeedbackTimeliness = ratio(w.FeedbackOnTime, w.Feedback, 100)
	rep.Warnings = w

	// hotspots: most complaints, with the change against the previous period
	cur := dist(rp.Regions, rm.received, opt.Regions)
	if len(cur) > 0 {
		prevCounts := map[string]int64{}
		pp := p.Prev()
		ds, _ := b.dim(rp.Regions)
		b.rlock()
		for _, sh := range cur {
			if s := ds.rows[sh.Key].find(pp.Kind, periodID(pp)); s != nil {
				prevCounts[sh.Key] = s.n[rm.received]
			}
		}
		b.mu.RUnlock()
		for _, sh := range cur[:min(len(cur), rp.Hotspots)] {
			h := Hotspot{Region: sh.Key, Label: sh.Label, Count: sh.Count, Previous: prevCounts[sh.Key]}
			if h.Previous > 0 {
				h.Change = Of((float64(h.Count)/float64(h.Previous) - 1) * 100)
			}
			rep.Hotspots = append(rep.Hotspots, h)
		}
	}
	return rep, nil
}

func isRegionDim(d string) bool {
	return d == "province" || d == "city" || d == "county" || d == "branch"
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// WriteText writes the report as plain text for people: KPIs against
// targets, the distributions, hotspots, the top locally controllable
// problems and the warning figures.
func (r *Report) WriteText(w io.Writer) error {
	var sb strings.Builder
	scope := "all units"
	if r.Dimension != "all" {
		scope = r.Dimension + " " + r.Unit
	}
	fmt.Fprintf(&sb, "%s %s, %s (as of %s)\n", strings.ToUpper(r.Kind.String()[:1])+r.Kind.String()[1:], r.Period, scope, r.AsOf.Format(time.RFC3339))
	sb.WriteString("\nKPIs\n")
	for _, l := range r.KPIs {
		tgt, st := "", ""
		if a := l.Assessment; a != nil {
			tgt, st = a.Target, a.Status.String()
			if a.Of > 0 {
				st += fmt.Sprintf(" (rank %d of %d)", a.Rank, a.Of)
			}
		}
		proj := ""
		if l.Projected != l.Value && l.Projected.OK {
			proj = "→ " + l.Projected.String()
		}
		line := fmt.Sprintf("  %-28s %10s %-11s %-12s %-8s %s", l.KPI, l.Value, l.Unit, proj, tgt, st)
		sb.WriteString(strings.TrimRight(line, " "))
		sb.WriteByte('\n')
	}
	section := func(title string, ss []Share) {
		fmt.Fprintf(&sb, "\n%s\n", title)
		if len(ss) == 0 {
			sb.WriteString("  (none)\n")
		}
		for _, s := range ss {
			fmt.Fprintf(&sb, "  %-40s %6d %8s\n", s.Label, s.Count, pct(s.Share))
		}
	}
	section("By problem", r.ByProblem)
	section("By region", r.ByRegion)
	section("By business type", r.ByBusiness)
	section("By responsibility", r.ByResponsibility)
	section("Handling effect", r.ByEffect)
	sb.WriteString("\nHotspots\n")
	if len(r.Hotspots) == 0 {
		sb.WriteString("  (none)\n")
	}
	for _, h := range r.Hotspots {
		fmt.Fprintf(&sb, "  %-40s %6d (previous %d, change %s)\n", h.Label, h.Count, h.Previous, pct(h.Change))
	}
	section("Top locally controllable problems", r.TopControllable)
	wf := r.Warnings
	fmt.Fprintf(&sb, "\nWarnings\n  raised %d, closed %d, closure rate %s\n  feedback %d, on time %d, timeliness %s\n",
		wf.Raised, wf.Closed, pct(wf.ClosureRate), wf.Feedback, wf.FeedbackOnTime, pct(wf.FeedbackTimeliness))
	for _, n := range r.Notes {
		fmt.Fprintf(&sb, "note: %s\n", n)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// pct formats a percentage value, or "no data".
func pct(v Value) string {
	if !v.OK {
		return v.String()
	}
	return v.String() + "%"
}

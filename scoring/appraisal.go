package scoring

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
)

// Appraisal is a weighted scheme that scores the units of one dimension
// (teams, agents) on their KPIs (DOMAIN.md R26): service metrics, volume,
// handling effectiveness and process quality. Each component maps its KPI's
// value linearly onto 0–100 points between Worst (0) and Best (100), clamped;
// the score is the weighted mean of the components that have data. It is
// also the YAML form of an entry of the appraisal section.
type Appraisal struct {
	ID         string      `yaml:"id" json:"id"`
	Dimension  string      `yaml:"dimension" json:"dimension"`
	Period     string      `yaml:"period,omitempty" json:"period,omitempty"` // default month
	Components []Component `yaml:"components" json:"components"`
	Source     string      `yaml:"-" json:"source,omitempty"`

	period PeriodKind
}

// Component is one weighted KPI of an Appraisal. Group is service, volume,
// effectiveness or process.
type Component struct {
	KPI    string  `yaml:"kpi" json:"kpi"`
	Group  string  `yaml:"group" json:"group"`
	Weight float64 `yaml:"weight" json:"weight"`
	Worst  float64 `yaml:"worst" json:"worst"`
	Best   float64 `yaml:"best" json:"best"`
}

var appraisalGroups = []string{"service", "volume", "effectiveness", "process"}

func (p *Policy) compileAppraisal(n *yaml.Node, el *errList) {
	ids := map[string]bool{}
	for i, a := range p.appraisal {
		item := seqItem(n, i)
		path := fmt.Sprintf("appraisal[%d]", i)
		a.Source = fmt.Sprintf("%s:%d", el.file, item.Line)
		if a.ID == "" || ids[a.ID] {
			el.at(item, path+".id", "required and unique, got %q", a.ID)
		}
		ids[a.ID] = true
		if !knownDimension(a.Dimension) {
			el.at(item, path+".dimension", "unknown dimension %q", a.Dimension)
		}
		a.period = Month
		if a.Period != "" {
			k, err := ParsePeriodKind(a.Period)
			if err != nil {
				el.at(item, path+".period", "%v", err)
			}
			a.period = k
		}
		if len(a.Components) == 0 {
			el.at(item, path+".components", "at least one component")
		}
		for j, c := range a.Components {
			cp := fmt.Sprintf("%s.components[%d]", path, j)
			if p.byID[c.KPI] == nil {
				el.at(item, cp+".kpi", "unknown KPI %q", c.KPI)
			}
			if !slices.Contains(appraisalGroups, c.Group) {
				el.at(item, cp+".group", "want one of %s, got %q", strings.Join(appraisalGroups, ", "), c.Group)
			}
			if !(c.Weight > 0) {
				el.at(item, cp+".weight", "must be positive")
			}
			if c.Best == c.Worst || c.Best != c.Best || c.Worst != c.Worst {
				el.at(item, cp, "best and worst must differ")
			}
		}
	}
}

// AppraisalCard is one unit's appraisal in a period: the score and how each
// component made it.
type AppraisalCard struct {
	Scheme    string          `json:"scheme"`
	Dimension string          `json:"dimension"`
	Unit      string          `json:"unit"`
	Period    Period          `json:"period"`
	Score     Value           `json:"score"` // 0–100
	Groups    []GroupScore    `json:"groups"`
	Lines     []AppraisalLine `json:"lines"`
}

// GroupScore is the weighted score of one group of components.
type GroupScore struct {
	Group  string  `json:"group"`
	Weight float64 `json:"weight"`
	Score  Value   `json:"score"`
}

// AppraisalLine is one component: the KPI value and the points it earned.
type AppraisalLine struct {
	KPI     string  `json:"kpi"`
	Group   string  `json:"group"`
	Weight  float64 `json:"weight"`
	Value   Value   `json:"value"`
	Points  Value   `json:"points"`
	Explain string  `json:"explain"`
}

// Appraise scores one unit under the named scheme in period p (which must be
// of the scheme's period kind). Components without data are left out of the
// weighted mean and say so.
func (b *Book) Appraise(ctx context.Context, scheme, unit string, p Period, now time.Time) (*AppraisalCard, error) {
	a := b.pol.appraisalByID(scheme)
	if a == nil {
		return nil, fmt.Errorf("scoring: unknown appraisal scheme %q: %w", scheme, ErrNotKept)
	}
	if p.Kind != a.period {
		return nil, fmt.Errorf("scoring: appraisal %s is by %s, not %s", scheme, a.period, p.Kind)
	}
	ids := make([]string, len(a.Components))
	for i, c := range a.Components {
		ids[i] = c.KPI
	}
	sc, err := b.Scorecard(ctx, a.Dimension, unit, p, now, ids...)
	if err != nil {
		return nil, err
	}
	card := &AppraisalCard{Scheme: a.ID, Dimension: a.Dimension, Unit: unit, Period: p}
	var tw, ts float64
	gw, gs := map[string]float64{}, map[string]float64{}
	for i, c := range a.Components {
		l := sc.Lines[i]
		al := AppraisalLine{KPI: c.KPI, Group: c.Group, Weight: c.Weight, Value: l.Value}
		if l.Value.OK {
			pts := (l.Value.V - c.Worst) / (c.Best - c.Worst) * 100
			pts = min(100, max(0, pts))
			al.Points = Of(pts)
			al.Explain = fmt.Sprintf("%s %s → %.1f points (worst %s = 0, best %s = 100), weight %s",
				c.KPI, l.Value, pts, fmtNum(c.Worst), fmtNum(c.Best), fmtNum(c.Weight))
			tw += c.Weight
			ts += c.Weight * pts
			gw[c.Group] += c.Weight
			gs[c.Group] += c.Weight * pts
		} else {
			al.Explain = c.KPI + ": no data, left out of the score"
		}
		card.Lines = append(card.Lines, al)
	}
	if tw > 0 {
		card.Score = Of(ts / tw)
	}
	for _, g := range appraisalGroups {
		w := 0.0
		for _, c := range a.Components {
			if c.Group == g {
				w += c.Weight
			}
		}
		if w == 0 {
			continue
		}
		gsc := GroupScore{Group: g, Weight: w}
		if gw[g] > 0 {
			gsc.Score = Of(gs[g] / gw[g])
		}
		card.Groups = append(card.Groups, gsc)
	}
	return card, nil
}

// AppraiseAll scores every unit with data in period p, best score first
// (ties by unit).
func (b *Book) AppraiseAll(ctx context.Context, scheme string, p Period, now time.Time) ([]*AppraisalCard, error) {
	a := b.pol.appraisalByID(scheme)
	if a == nil {
		return nil, fmt.Errorf("scoring: unknown appraisal scheme %q: %w", scheme, ErrNotKept)
	}
	units, err := b.Units(a.Dimension, p)
	if err != nil {
		return nil, err
	}
	var out []*AppraisalCard
	for _, u := range units {
		c, err := b.Appraise(ctx, scheme, u, p, now)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(x, y *AppraisalCard) int {
		switch {
		case x.Score.OK && !y.Score.OK:
			return -1
		case !x.Score.OK && y.Score.OK:
			return 1
		}
		if c := cmp.Compare(y.Score.V, x.Score.V); c != 0 {
			return c
		}
		return cmp.Compare(x.Unit, y.Unit)
	})
	return out, nil
}

func (p *Policy) appraisalByID(id string) *Appraisal {
	for _, a := range p.appraisal {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// Pay is the piece-rate pay policy (DOMAIN.md R26): each ticket an agent
// closes earns the price of the first Price rule that matches its category
// and handling class (the difficulty); adjustments add or take amounts per
// counted fact or when a KPI meets a goal. Amounts are yuan strings with at
// most two decimals ("4.50"). It is also the YAML form of the pay section.
type Pay struct {
	// Dimension is who is paid: agent (default) or team.
	Dimension   string       `yaml:"dimension,omitempty" json:"dimension,omitempty"`
	Base        string       `yaml:"base,omitempty" json:"base,omitempty"` // fixed monthly amount
	Prices      []Price      `yaml:"prices" json:"prices"`
	Adjustments []Adjustment `yaml:"adjustments,omitempty" json:"adjustments,omitempty"`

	base complaint.Money
}

// Price is a unit price for closed tickets of some categories (any of,
// with descendants; empty: any) and handling classes (empty: any).
type Price struct {
	ID       string   `yaml:"id" json:"id"`
	Category []string `yaml:"category,omitempty" json:"category,omitempty"`
	Handling []string `yaml:"handling,omitempty" json:"handling,omitempty"`
	Price    string   `yaml:"price" json:"price"`

	amount complaint.Money
}

// Adjustment changes pay: Amount per fact counted by Per (e.g. −2.00 per
// reopened closure), or Amount once when KPI meets Target on the payee's
// monthly scorecard (e.g. 200.00 when satisfaction >= 90).
type Adjustment struct {
	ID     string   `yaml:"id" json:"id"`
	Per    *Counter `yaml:"per,omitempty" json:"per,omitempty"`
	KPI    string   `yaml:"kpi,omitempty" json:"kpi,omitempty"`
	Target string   `yaml:"target,omitempty" json:"target,omitempty"`
	Amount string   `yaml:"amount" json:"amount"`

	amount complaint.Money
	m      *measure
	goal   Target
}

func (p *Policy) compilePay(n *yaml.Node, el *errList, keys map[string]int) {
	pay := p.pay
	if pay == nil {
		return
	}
	if pay.Dimension == "" {
		pay.Dimension = "agent"
	}
	if pay.Dimension != "agent" && pay.Dimension != "team" {
		el.at(n, "pay.dimension", "want agent or team, got %q", pay.Dimension)
	}
	if pay.Base != "" {
		m, err := parseMoney(pay.Base)
		if err != nil {
			el.at(n, "pay.base", "%v", err)
		}
		pay.base = m
	}
	if len(pay.Prices) == 0 {
		el.at(n, "pay.prices", "at least one price")
	}
	ids := map[string]bool{}
	for i := range pay.Prices {
		pr := &pay.Prices[i]
		path := fmt.Sprintf("pay.prices[%d]", i)
		if pr.ID == "" || ids[pr.ID] {
			el.at(n, path+".id", "required and unique, got %q", pr.ID)
		}
		ids[pr.ID] = true
		m, err := parseMoney(pr.Price)
		if err != nil {
			el.at(n, path+".price", "%v", err)
		}
		pr.amount = m
		for j, c := range pr.Category {
			if !complaint.ValidCode(c) {
				el.at(n, fmt.Sprintf("%s.category[%d]", path, j), "malformed code %q", c)
			}
		}
		for j, h := range pr.Handling {
			if !complaint.HandlingClass(h).Valid() {
				el.at(n, fmt.Sprintf("%s.handling[%d]", path, j), "unknown handling class %q", h)
			}
		}
	}
	for i := range pay.Adjustments {
		ad := &pay.Adjustments[i]
		path := fmt.Sprintf("pay.adjustments[%d]", i)
		if ad.ID == "" || ids[ad.ID] {
			el.at(n, path+".id", "required and unique, got %q", ad.ID)
		}
		ids[ad.ID] = true
		m, err := parseMoney(ad.Amount)
		if err != nil {
			el.at(n, path+".amount", "%v", err)
		}
		ad.amount = m
		switch {
		case ad.Per != nil && ad.KPI == "":
			ad.m = compileCounter(*ad.Per, path+".per", func(pth, f string, args ...any) { el.at(n, pth, f, args...) })
		case ad.Per == nil && ad.KPI != "":
			if p.byID[ad.KPI] == nil {
				el.at(n, path+".kpi", "unknown KPI %q", ad.KPI)
			}
			ad.goal = Target{KPI: ad.KPI, Goal: ad.Target}
			if err := ad.goal.parseGoal(); err != nil || ad.goal.op == opTop {
				el.at(n, path+".target", "want \"<= x\" or \">= x\", got %q", ad.Target)
			}
		default:
			el.at(n, path, "needs either per or kpi (with target)")
		}
	}
}

// payState counts priced closures and per-fact adjustments by payee and
// month.
type payState struct {
	pay  *Pay
	rows map[string]*payRow
}

type payRow struct {
	payee  string
	months map[int32][]int64 // by month id: counts per price, then per adjustment, then unpriced
}

func newPayState(p *Pay) *payState { return &payState{pay: p, rows: map[string]*payRow{}} }

func (ps *payState) count(v *view, loc *time.Location) {
	payee := v.assignee
	if ps.pay.Dimension == "team" {
		payee = v.queue
	}
	if payee == "" {
		return
	}
	var r *payRow
	get := func() []int64 {
		if r == nil {
			r = ps.rows[payee]
			if r == nil {
				r = &payRow{payee: strings.Clone(payee), months: map[int32][]int64{}}
				ps.rows[r.payee] = r
			}
		}
		id := idsOf(v.at, loc)[Month]
		c := r.months[id]
		if c == nil {
			c = make([]int64, len(ps.pay.Prices)+len(ps.pay.Adjustments)+1)
			r.months[id] = c
		}
		return c
	}
	if v.fact == FactClosed {
		i := ps.price(v)
		get()[i]++
	}
	for j := range ps.pay.Adjustments {
		if m := ps.pay.Adjustments[j].m; m != nil && m.match(v) {
			get()[len(ps.pay.Prices)+j]++
		}
	}
}

// price returns the index of the first price rule matching v, or the
// unpriced index.
func (ps *payState) price(v *view) int {
	for i := range ps.pay.Prices {
		pr := &ps.pay.Prices[i]
		if len(pr.Category) > 0 && !complaint.UnderAny(v.category, pr.Category) {
			continue
		}
		if len(pr.Handling) > 0 && !slices.Contains(pr.Handling, string(v.handling)) {
			continue
		}
		return i
	}
	return len(ps.pay.Prices) + len(ps.pay.Adjustments)
}

// PayStatement is one payee's pay for a month, line by line: quantity ×
// unit price = amount, then adjustments, so every figure can be checked.
type PayStatement struct {
	Payee  string          `json:"payee"`
	Period Period          `json:"period"`
	Lines  []PayLine       `json:"lines"`
	Total  complaint.Money `json:"total"` // fen
	Notes  []string        `json:"notes,omitempty"`
}

// PayLine is one line of a pay statement.
type PayLine struct {
	Rule      string          `json:"rule"`
	What      string          `json:"what"`
	Quantity  int64           `json:"quantity"`
	UnitPrice complaint.Money `json:"unit_price"` // fen
	Amount    complaint.Money `json:"amount"`     // fen
}

// PayStatement computes the pay of a payee (agent or team, per the policy)
// for month p as of now. It fails when the policy has no pay section or p is
// not a month.
func (b *Book) PayStatement(ctx context.Context, payee string, p Period, now time.Time) (*PayStatement, error) {
	if b.pay == nil {
		return nil, fmt.Errorf("scoring: the policy has no pay section: %w", ErrNotKept)
	}
	if p.Kind != Month {
		return nil, fmt.Errorf("scoring: pay is monthly, not by %s", p.Kind)
	}
	pay := b.pay.pay
	st := &PayStatement{Payee: payee, Period: p}
	add := func(l PayLine) {
		st.Lines = append(st.Lines, l)
		st.Total += l.Amount
	}
	if pay.base != 0 {
		add(PayLine{Rule: "base", What: "fixed monthly amount", Quantity: 1, UnitPrice: pay.base, Amount: pay.base})
	}
	b.mu.RLock()
	var counts []int64
	if r := b.pay.rows[payee]; r != nil {
		counts = slices.Clone(r.months[periodID(p)])
	}
	b.mu.RUnlock()
	if counts == nil {
		counts = make([]int64, len(pay.Prices)+len(pay.Adjustments)+1)
	}
	for i, pr := range pay.Prices {
		if counts[i] == 0 {
			continue
		}
		what := "closed tickets"
		if len(pr.Category) > 0 {
			what += " in " + strings.Join(pr.Category, ", ")
		}
		if len(pr.Handling) > 0 {
			what += " handled as " + strings.Join(pr.Handling, ", ")
		}
		add(PayLine{Rule: pr.ID, What: what, Quantity: counts[i], UnitPrice: pr.amount, Amount: complaint.Money(counts[i]) * pr.amount})
	}
	if n := counts[len(counts)-1]; n > 0 {
		st.Notes = append(st.Notes, fmt.Sprintf("%d closed tickets matched no price rule and earn nothing", n))
	}
	for j, ad := range pay.Adjustments {
		switch {
		case ad.m != nil:
			if n := counts[len(pay.Prices)+j]; n > 0 {
				add(PayLine{Rule: ad.ID, What: "per " + ad.Per.String(), Quantity: n, UnitPrice: ad.amount, Amount: complaint.Money(n) * ad.amount})
			}
		default:
			sc, err := b.Scorecard(ctx, pay.Dimension, payee, p, now, ad.KPI)
			if err != nil {
				st.Notes = append(st.Notes, fmt.Sprintf("%s: %v", ad.ID, err))
				continue
			}
			v := sc.Lines[0].Value
			met := assess(&ad.goal, v, v, true, false) == Met
			what := fmt.Sprintf("%s %s %s: %s", ad.KPI, v, ad.Target, map[bool]string{true: "met", false: "not met"}[met])
			if met {
				add(PayLine{Rule: ad.ID, What: what, Quantity: 1, UnitPrice: ad.amount, Amount: ad.amount})
			} else {
				st.Notes = append(st.Notes, ad.ID+": "+what)
			}
		}
	}
	return st, nil
}

// WriteText writes the statement as an aligned table.
func (s *PayStatement) WriteText(w io.Writer) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Pay statement %s %s\n", s.Payee, s.Period)
	fmt.Fprintf(&sb, "%-20s %8s %10s %12s  %s\n", "rule", "qty", "price", "amount", "what")
	for _, l := range s.Lines {
		fmt.Fprintf(&sb, "%-20s %8d %10s %12s  %s\n", l.Rule, l.Quantity, l.UnitPrice, l.Amount, l.What)
	}
	fmt.Fprintf(&sb, "%-20s %8s %10s %12s\n", "total", "", "", s.Total)
	for _, n := range s.Notes {
		fmt.Fprintf(&sb, "note: %s\n", n)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

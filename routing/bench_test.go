package routing

// The benchmarks live inside the package because the naive baseline needs
// the compiled rules' structured matchers to rewrite them as expressions.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

// naiveEnv is the baseline's environment: Env plus the ticket's tags.
type naiveEnv struct {
	Env
	Tags []string `expr:"tags"`
}

var flagField = map[string]string{
	string(complaint.FlagProfessional): "customer.professional", string(complaint.FlagSensitive): "customer.sensitive",
	string(complaint.FlagImportant): "customer.important", string(complaint.FlagVIP): "customer.vip",
	string(complaint.FlagRepeatCaller): "customer.repeat_caller",
}

func quoteAll(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// naiveSource rewrites a rule's whole condition as one expression.
func naiveSource(s *matchSpec, when string) string {
	var parts []string
	if s != nil {
		if len(s.Kind) > 0 {
			parts = append(parts, "kind in "+quoteAll(s.Kind))
		}
		if len(s.Channel) > 0 {
			parts = append(parts, "channel in "+quoteAll(s.Channel))
		}
		prefix := func(field string, codes []string) {
			var or []string
			for _, c := range codes {
				or = append(or, fmt.Sprintf("%s == %q or %s startsWith %q", field, c, field, c+"."))
			}
			parts = append(parts, "("+strings.Join(or, " or ")+")")
		}
		if len(s.Category) > 0 {
			prefix("category", s.Category)
		}
		if len(s.Region) > 0 {
			prefix("region", s.Region)
		}
		if len(s.Flags) > 0 {
			var or []string
			for _, f := range s.Flags {
				or = append(or, flagField[f])
			}
			parts = append(parts, "("+strings.Join(or, " or ")+")")
		}
		if len(s.Tags) > 0 {
			parts = append(parts, "any("+quoteAll(s.Tags)+", # in tags)")
		}
		if len(s.NoTags) > 0 {
			parts = append(parts, "none("+quoteAll(s.NoTags)+", # in tags)")
		}
	}
	if when != "" {
		parts = append(parts, "("+when+")")
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, " and ")
}

// naiveRules compiles every tag rule and routing node of a policy file as one
// expression each, the way a rule engine without indexes or native matchers
// would.
func naiveRules(tb testing.TB, p *Policy) []*vm.Program {
	tb.Helper()
	var tags []tagSpec
	var root routeSpec
	f := p.src
	if err := f.Decode("tags", &tags); err != nil {
		tb.Fatal(err)
	}
	if err := f.Decode("routes", &root); err != nil {
		tb.Fatal(err)
	}
	var srcs []string
	for _, t := range tags {
		srcs = append(srcs, naiveSource(t.Match, t.When))
	}
	var walk func(r *routeSpec)
	walk = func(r *routeSpec) {
		srcs = append(srcs, naiveSource(r.Match, r.When))
		for i := range r.Routes {
			walk(&r.Routes[i])
		}
	}
	walk(&root)
	var progs []*vm.Program
	for _, s := range srcs {
		prog, err := expr.Compile(s, expr.Env(naiveEnv{}), expr.AsBool())
		if err != nil {
			tb.Fatalf("naive rule %q: %v", s, err)
		}
		progs = append(progs, prog)
	}
	return progs
}

type benchCase struct {
	t *complaint.Ticket
	c *complaint.Customer
}

func benchCases(now time.Time) []benchCase {
	cust := func(id string, flags ...complaint.Flag) *complaint.Customer {
		return &complaint.Customer{ID: id, Flags: flags}
	}
	tk := func(i int, k complaint.Kind, ch complaint.Channel, cat, region, text string) *complaint.Ticket {
		return &complaint.Ticket{ID: fmt.Sprintf("B%d", i), Kind: k, Channel: ch, Category: cat, Region: region, Text: text,
			Customer: fmt.Sprintf("C%d", i%5), ReceivedAt: now, Status: complaint.StatusAccepted}
	}
	cmp, hot := complaint.KindComplaint, complaint.ChannelHotline
	return []benchCase{
		{tk(0, cmp, hot, "billing.dispute", "gd.gz.th", "话费多扣了"), cust("C0")},
		{tk(1, complaint.KindEscalated, complaint.ChannelMIIT, "vas.unaware", "gd.sz.ns", ""), cust("C1")},
		{tk(2, cmp, hot, "billing.data", "gd.gz", "流量不对"), cust("C2", complaint.FlagProfessional)},
		{tk(3, complaint.KindConsultation, hot, "network.coverage", "gd.sz", ""), cust("C3")},
		{tk(4, cmp, complaint.ChannelApp, "broadband.delay", "gd.gz.th.s01", "装机一周没人来"), cust("C4", complaint.FlagVIP)},
		{tk(5, cmp, hot, "service.attitude", "gd.sz.ft", "态度差,我要找媒体曝光"), cust("C0", complaint.FlagSensitive)},
		{tk(6, complaint.KindPraise, complaint.ChannelWeb, "service.attitude", "gd.gz", ""), cust("C1")},
		{tk(7, cmp, hot, "marketing.forced", "gd.gz.yx", "营业员强行捆绑"), cust("C2")},
	}
}

func carrierPolicy(tb testing.TB) *Policy {
	tb.Helper()
	p, err := Load("../examples/policy/carrier.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkPlan measures tag + route + assign per ticket with the carrier
// preset, against the naive baseline that evaluates every rule's expression
// in turn, in the same run.
func BenchmarkPlan(b *testing.B) {
	p := carrierPolicy(b)
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, p.loc)
	cases := benchCases(now)
	hist, load := NewHistory(), NewWorkload()
	for i, c := range cases { // some history: earlier contacts and open tickets
		prev := *c.t
		prev.ID, prev.ReceivedAt = fmt.Sprintf("P%d", i), now.Add(-48*time.Hour)
		hist.Observe(&complaint.Event{Type: complaint.EventReceived, At: prev.ReceivedAt}, &prev)
	}
	b.Run("indexed", func(b *testing.B) {
		st := NewStage(p, Options{History: hist, Workload: load})
		var d Decision
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c := cases[i%len(cases)]
			st.Plan(c.t, c.c, now, &d)
			i++
		}
	})
	b.Run("naive", func(b *testing.B) {
		progs := naiveRules(b, p)
		b.ReportMetric(float64(len(progs)), "rules")
		b.ReportAllocs()
		i := 0
		matched := 0
		for b.Loop() {
			c := cases[i%len(cases)]
			t, cu := c.t, c.c
			env := naiveEnv{Env: Env{Kind: string(t.Kind), Channel: string(t.Channel), Category: t.Category, Region: t.Region,
				Text: t.Text, Hour: t.ReceivedAt.In(p.loc).Hour(),
				History: hist.Lookup(cu.ID, t.ID, t.Category, now),
				Customer: CustomerEnv{ID: cu.ID, VIP: cu.Has(complaint.FlagVIP), Professional: cu.Has(complaint.FlagProfessional),
					Sensitive: cu.Has(complaint.FlagSensitive)}}}
			for _, prog := range progs {
				out, err := expr.Run(prog, env)
				if err != nil {
					b.Fatal(err)
				}
				if out.(bool) {
					matched++
				}
			}
			i++
		}
		if matched == 0 {
			b.Fatal("the baseline matched nothing")
		}
	})
}

// BenchmarkDecide is the whole stage on intake: Plan plus the events it
// returns (tagged, dispatched, assigned, deadlines-set) and the deadlines on
// the working-day calendar.
func BenchmarkDecide(b *testing.B) {
	p := carrierPolicy(b)
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, p.loc)
	cases := benchCases(now)
	st := NewStage(p, Options{History: NewHistory(), Workload: NewWorkload()})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cases[i%len(cases)]
		tk := *c.t
		tr := complaint.Event{Type: complaint.EventAccepted}
		if _, err := st.Decide(context.Background(), kesu.Input{Ticket: &tk, Customer: c.c, Trigger: &tr, Now: now}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkParseCarrier(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		carrierPolicy(b)
	}
}

// BenchmarkDecideAppend is BenchmarkDecide through DecideAppend, into one
// reused Payloads and event slice (as the engine calls it over a store that
// copies).
func BenchmarkDecideAppend(b *testing.B) {
	p := carrierPolicy(b)
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, p.loc)
	cases := benchCases(now)
	st := NewStage(p, Options{History: NewHistory(), Workload: NewWorkload()})
	var pay kesu.Payloads
	dst := make([]complaint.Event, 0, 8)
	tk := new(complaint.Ticket)
	tr := new(complaint.Event)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cases[i%len(cases)]
		*tk = *c.t
		*tr = complaint.Event{Type: complaint.EventAccepted}
		if _, err := st.DecideAppend(context.Background(), kesu.Input{Ticket: tk, Customer: c.c, Trigger: tr, Now: now}, dst[:0], &pay); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

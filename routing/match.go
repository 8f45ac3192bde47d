package routing

import (
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/kesu-go/kesu/complaint"
)

// Env is what a rule's `when` expression sees (expr-lang/expr syntax), by the
// names in its expr tags: kind, channel, category, region, text, product,
// partner, billing_code, tier, escalated, urges, reopens, transfers, hour
// (local hour of receipt, 0–23), customer.* and history.*. Expressions are
// type-checked against it when the policy loads. For example:
//
//	text contains "工信部" or history.contacts_30d >= 2
//	customer.prior_escalations > 0 and kind == "complaint"
//
// Simple expressions (and, or, not; comparisons of fields with constants;
// contains, startsWith, endsWith; in a constant list; + - * on integers) run
// as compiled Go closures without allocating; others run on expr's VM.
type Env struct {
	Kind        string      `expr:"kind"`
	Channel     string      `expr:"channel"`
	Category    string      `expr:"category"`
	Region      string      `expr:"region"`
	Text        string      `expr:"text"`
	Product     string      `expr:"product"`
	Partner     string      `expr:"partner"`
	BillingCode string      `expr:"billing_code"`
	Tier        string      `expr:"tier"`
	Escalated   bool        `expr:"escalated"`
	Urges       int         `expr:"urges"`
	Reopens     int         `expr:"reopens"`
	Transfers   int         `expr:"transfers"`
	Hour        int         `expr:"hour"`
	Customer    CustomerEnv `expr:"customer"`
	History     HistoryView `expr:"history"`
}

// CustomerEnv is the customer profile as expressions see it (customer.*).
type CustomerEnv struct {
	ID               string `expr:"id"`
	Tier             string `expr:"tier"`
	Region           string `expr:"region"`
	Owner            string `expr:"owner"`
	PriorEscalations int    `expr:"prior_escalations"`
	Professional     bool   `expr:"professional"`
	Sensitive        bool   `expr:"sensitive"`
	Important        bool   `expr:"important"`
	VIP              bool   `expr:"vip"`
	RepeatCaller     bool   `expr:"repeat_caller"`
	Pending          bool   `expr:"pending"`
}

// HistoryView is a customer's recent history as History keeps it
// (history.* in expressions): contacts on the ticket's sub-category in the
// last 7 and 30 days (not counting the ticket itself), open tickets (other
// than this one), reopens and urges in the last 30 days, and the customer's
// other tickets escalated (to a regulator or a higher tier) in the last 30
// days.
type HistoryView struct {
	Contacts7d  int `expr:"contacts_7d"`
	Contacts30d int `expr:"contacts_30d"`
	Open        int `expr:"open"`
	Reopens30d  int `expr:"reopens_30d"`
	Urges30d    int `expr:"urges_30d"`
	Escalations int `expr:"escalations"`
}

// kindBit maps a Kind to its bit; unknown kinds get bit 0 of the last slot.
func kindIndex(k complaint.Kind) int {
	for i, x := range complaint.Kinds {
		if x == k {
			return i
		}
	}
	return len(complaint.Kinds)
}

func channelIndex(c complaint.Channel) int {
	for i, x := range complaint.Channels {
		if x == c {
			return i
		}
	}
	return len(complaint.Channels)
}

// matcher is a compiled condition: structured matches (all must hold; each
// list is "any of") and an optional expression.
type matcher struct {
	kinds    uint32 // bit per complaint.Kinds index; 0 = any
	channels uint32 // bit per complaint.Channels index; 0 = any
	cats     []string
	regions  []string
	flags    uint64 // any of; 0 = any
	tags     uint64 // any of; 0 = any
	noTags   uint64 // none of
	prog     *vm.Program
	native   boolFn // prog as a Go closure, when the expression is simple
	when     string
	// explain is the condition in words, for Dispatch.Reason.
	explain string
}

// facts is one ticket's inputs prepared for matching: computed once per
// decision, reused for every rule.
type facts struct {
	t        *complaint.Ticket
	c        *complaint.Customer
	kind     int
	channel  int
	top      string // top-level category
	flags    uint64
	tags     uint64
	hist     HistoryView
	now      time.Time
	envv     Env  // the expression environment, filled on first use
	envReady bool // envv is filled
	env      any  // envv boxed for the VM, on first use
	vm       *vm.VM
	exprErrs []exprErr
}

type exprErr struct {
	rule string
	err  error
}

func (m *matcher) match(p *Policy, f *facts, rule string) bool {
	if m.kinds != 0 && m.kinds&(1<<f.kind) == 0 {
		return false
	}
	if m.channels != 0 && m.channels&(1<<f.channel) == 0 {
		return false
	}
	if m.flags != 0 && m.flags&f.flags == 0 {
		return false
	}
	if m.tags != 0 && m.tags&f.tags == 0 {
		return false
	}
	if m.noTags&f.tags != 0 {
		return false
	}
	if len(m.cats) > 0 && !complaint.UnderAny(f.t.Category, m.cats) {
		return false
	}
	if len(m.regions) > 0 && !complaint.UnderAny(f.t.Region, m.regions) {
		return false
	}
	if m.prog == nil {
		return true
	}
	if !f.envReady {
		p.fillEnv(f)
	}
	if m.native != nil {
		return m.native(&f.envv)
	}
	if f.env == nil {
		f.env = f.envv // boxed once per decision
	}
	out, err := f.vm.Run(m.prog, f.env)
	if err != nil {
		f.exprErrs = append(f.exprErrs, exprErr{rule, err})
		return false
	}
	b, _ := out.(bool)
	return b
}

// fillEnv fills the expression environment f.envv. The VM gets it boxed as a
// value, not a pointer, so that expr reads its fields without allocating.
func (p *Policy) fillEnv(f *facts) {
	f.envReady = true
	t, c := f.t, f.c
	e := &f.envv
	*e = Env{
		Kind: string(t.Kind), Channel: string(t.Channel), Category: t.Category, Region: t.Region,
		Text: t.Text, Product: t.Product, Partner: t.Partner, BillingCode: t.BillingCode,
		Tier: string(t.Tier), Escalated: t.Escalated, Urges: t.UrgeCount, Reopens: t.ReopenCount,
		Transfers: t.TransferCount, Hour: t.ReceivedAt.In(p.loc).Hour(), History: f.hist,
	}
	if c != nil {
		e.Customer = CustomerEnv{
			ID: c.ID, Tier: c.Tier, Region: c.Region, Owner: c.Owner, PriorEscalations: c.PriorEscalations,
			Pending: c.Pending,
		}
		for _, fl := range c.Flags {
			switch fl {
			case complaint.FlagProfessional:
				e.Customer.Professional = true
			case complaint.FlagSensitive:
				e.Customer.Sensitive = true
			case complaint.FlagImportant:
				e.Customer.Important = true
			case complaint.FlagVIP:
				e.Customer.VIP = true
			case complaint.FlagRepeatCaller:
				e.Customer.RepeatCaller = true
			}
		}
	}
}

// ruleSet indexes a list of matchers by kind and top-level category, so a
// ticket only looks at the rules that can match it. Each bucket keeps the
// rules' order.
type ruleSet struct {
	byKind []map[string][]int32 // per kind index (plus "unknown"): top category → rules
	anyCat [][]int32            // per kind index: rules without a category constraint
}

func newRuleSet(ms []*matcher) ruleSet {
	nk := len(complaint.Kinds) + 1
	rs := ruleSet{byKind: make([]map[string][]int32, nk), anyCat: make([][]int32, nk)}
	var tops []string
	for _, m := range ms {
		for _, c := range m.cats {
			if t := complaint.Truncate(c, 1); !slices.Contains(tops, t) {
				tops = append(tops, t)
			}
		}
	}
	for k := 0; k < nk; k++ {
		rs.byKind[k] = make(map[string][]int32, len(tops))
		for i, m := range ms {
			if m.kinds != 0 && m.kinds&(1<<k) == 0 {
				continue
			}
			if len(m.cats) == 0 {
				rs.anyCat[k] = append(rs.anyCat[k], int32(i))
			}
		}
		for _, top := range tops {
			var l []int32
			for i, m := range ms {
				if m.kinds != 0 && m.kinds&(1<<k) == 0 {
					continue
				}
				if len(m.cats) == 0 || slices.ContainsFunc(m.cats, func(c string) bool { return complaint.Truncate(c, 1) == top }) {
					l = append(l, int32(i))
				}
			}
			rs.byKind[k][top] = l
		}
	}
	return rs
}

// candidates returns the rules (in order) that may match a ticket of kind
// index k and top-level category top. It does not allocate.
func (rs *ruleSet) candidates(k int, top string) []int32 {
	if l, ok := rs.byKind[k][top]; ok {
		return l
	}
	return rs.anyCat[k]
}

// describe writes the structured part of a matcher in words.
func describe(s *matchSpec, when string) string {
	var parts []string
	add := func(name string, v []string) {
		if len(v) > 0 {
			parts = append(parts, name+" in ["+strings.Join(v, ",")+"]")
		}
	}
	if s != nil {
		add("kind", s.Kind)
		add("channel", s.Channel)
		add("category", s.Category)
		add("region", s.Region)
		add("flags", s.Flags)
		add("tags", s.Tags)
		if len(s.NoTags) > 0 {
			parts = append(parts, "no tags ["+strings.Join(s.NoTags, ",")+"]")
		}
	}
	if when != "" {
		parts = append(parts, "when "+when)
	}
	if len(parts) == 0 {
		return "always"
	}
	return strings.Join(parts, "; ")
}

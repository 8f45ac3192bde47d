package routing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/routing"
)

func parse(t testing.TB, src string) *routing.Policy {
	t.Helper()
	p, err := routing.Parse("test.yaml", []byte(src))
	require.NoError(t, err)
	return p
}

const queuesYAML = `
queues:
  - {id: centre, unit: centre, tier: city, strategy: round-robin, handlers: [{id: a}, {id: b}, {id: c}]}
  - {id: branch, unit: branch-1, tier: branch, strategy: manual}
  - {id: prov, unit: prov, tier: province, strategy: manual}
`

func TestMatchers(t *testing.T) {
	p := parse(t, `version: 1
tags:
  - {id: r-kind, match: {kind: [report]}, tag: by-kind}
  - {id: r-channel, match: {channel: [store, media]}, tag: by-channel}
  - {id: r-category, match: {category: [vas]}, tag: by-category}
  - {id: r-region, match: {region: [gd.sz]}, tag: by-region}
  - {id: r-flags, match: {flags: [sensitive]}, tag: by-flag}
  - {id: r-tags, match: {tags: [by-kind]}, tag: chained}
  - {id: r-notags, match: {kind: [report], no_tags: [by-region]}, tag: not-in-sz}
  - {id: r-expr, when: 'history.contacts_7d >= 1 and customer.prior_escalations > 1', tag: by-expr}
  - {id: r-both, match: {category: [billing]}, when: 'text contains "律师"', tag: both}
routes: {id: root, queue: centre}
`+queuesYAML)
	st := routing.NewStage(p, routing.Options{})
	base := complaint.Ticket{ID: "T1", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd.gz"}
	tests := []struct {
		name string
		edit func(t *complaint.Ticket, c *complaint.Customer)
		want []string
	}{
		{"nothing", func(*complaint.Ticket, *complaint.Customer) {}, nil},
		{"kind, chained tag, no_tags", func(t *complaint.Ticket, _ *complaint.Customer) { t.Kind = complaint.KindReport }, []string{"by-kind", "chained", "not-in-sz"}},
		{"kind in sz: no_tags excludes", func(t *complaint.Ticket, _ *complaint.Customer) { t.Kind, t.Region = complaint.KindReport, "gd.sz.ns" }, []string{"by-kind", "by-region", "chained"}},
		{"channel", func(t *complaint.Ticket, _ *complaint.Customer) { t.Channel = complaint.ChannelMedia }, []string{"by-channel"}},
		{"category prefix", func(t *complaint.Ticket, _ *complaint.Customer) { t.Category = "vas.unaware" }, []string{"by-category"}},
		{"category prefix is by segment", func(t *complaint.Ticket, _ *complaint.Customer) { t.Category = "vasx" }, nil},
		{"region prefix", func(t *complaint.Ticket, _ *complaint.Customer) { t.Region = "gd.sz" }, []string{"by-region"}},
		{"region prefix is by segment", func(t *complaint.Ticket, _ *complaint.Customer) { t.Region = "gd.szx" }, nil},
		{"customer flag", func(_ *complaint.Ticket, c *complaint.Customer) { c.Flags = []complaint.Flag{complaint.FlagSensitive} }, []string{"by-flag"}},
		{"expression needs history", func(_ *complaint.Ticket, c *complaint.Customer) { c.PriorEscalations = 2 }, nil},
		{"structured and expression: both needed", func(t *complaint.Ticket, _ *complaint.Customer) { t.Text = "我要找律师" }, nil},
		{"structured and expression", func(t *complaint.Ticket, _ *complaint.Customer) {
			t.Text, t.Category = "我要找律师", "billing.dispute"
		}, []string{"both"}},
		{"tag already on the ticket is not added again", func(t *complaint.Ticket, _ *complaint.Customer) {
			t.Channel = complaint.ChannelStore
			t.Tags = []complaint.Tag{{Name: "by-channel", Rule: "earlier"}}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, c := base, complaint.Customer{ID: "C1"}
			tt.edit(&tk, &c)
			var d routing.Decision
			st.Plan(&tk, &c, time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC), &d)
			var got []string
			for _, h := range d.Tags {
				got = append(got, h.Tag)
				assert.Equal(t, "r-"+map[string]string{"by-kind": "kind", "by-channel": "channel", "by-category": "category",
					"by-region": "region", "by-flag": "flags", "chained": "tags", "not-in-sz": "notags", "by-expr": "expr", "both": "both"}[h.Tag], h.Rule)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestHistoryExpression(t *testing.T) {
	p := parse(t, `version: 1
tags:
  - {id: r-expr, when: 'history.contacts_7d >= 1 and customer.prior_escalations > 1', tag: by-expr}
  - {id: r-open, when: 'history.open >= 1', tag: open-elsewhere}
routes: {id: root, queue: centre}
`+queuesYAML)
	r := newRigPolicy(t, p)
	r.dir.Put(complaint.Customer{ID: "C1", PriorEscalations: 2})
	first := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing.dispute", Region: "gd", Customer: "C1"})
	assert.Empty(t, first.Tags)
	r.now = r.now.Add(48 * time.Hour)
	other := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "vas.unaware", Region: "gd", Customer: "C1"})
	assert.False(t, other.HasTag("by-expr"), "another sub-category is not a repeat")
	assert.True(t, other.HasTag("open-elsewhere"))
	second := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing.dispute", Region: "gd", Customer: "C1"})
	tag, ok := second.Tag("by-expr")
	require.True(t, ok, "a second contact on the same sub-category within 7 days")
	assert.Equal(t, "r-expr", tag.Rule)
	r.now = r.now.Add(8 * 24 * time.Hour)
	third := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing.dispute", Region: "gd", Customer: "C1"})
	assert.False(t, third.HasTag("by-expr"), "the earlier contacts are more than 7 days old")
}

func TestRoutingTree(t *testing.T) {
	p := parse(t, `version: 1
routes:
  id: root
  queue: centre
  priority: 1
  routes:
    - id: flag-vip
      match: {flags: [vip]}
      continue: true
      priority: 4
    - id: green
      match: {channel: [media]}
      continue: true
      green: true
    - id: billing
      match: {category: [billing]}
      handling: coordination
      routes:
        - id: refunds
          match: {category: [billing.refund]}
          queue: prov
        - id: data
          match: {category: [billing.data]}
          onsite: true
    - id: billing-shadow
      match: {category: [billing.dispute]}
      queue: prov
    - id: field
      match: {category: [broadband]}
      queue: branch
`+queuesYAML)
	st := routing.NewStage(p, routing.Options{})
	tests := []struct {
		name, category string
		channel        complaint.Channel
		vip            bool
		route, queue   string
		priority       int
		green, central bool
		handling       complaint.HandlingClass
	}{
		{"default is the root", "other", complaint.ChannelHotline, false, "root", "centre", 1, false, true, ""},
		{"first match wins over a later sibling", "billing.dispute", complaint.ChannelHotline, false, "root/billing", "centre", 1, false, true, complaint.HandlingCoordination},
		{"depth first, inherited settings", "billing.refund", complaint.ChannelHotline, false, "root/billing/refunds", "prov", 1, false, true, complaint.HandlingCoordination},
		{"onsite is not centralised", "billing.data", complaint.ChannelHotline, false, "root/billing/data", "centre", 1, false, false, complaint.HandlingCoordination},
		{"branch queue is not centralised", "broadband.delay", complaint.ChannelHotline, false, "root/field", "branch", 1, false, false, ""},
		{"continue adds priority", "billing.refund", complaint.ChannelHotline, true, "root/billing/refunds,root/flag-vip", "prov", 4, false, true, complaint.HandlingCoordination},
		{"two continues: matched children replace the root", "other", complaint.ChannelMedia, true, "root/flag-vip,root/green", "centre", 4, true, true, ""},
		{"continue only: the first result is primary", "other", complaint.ChannelMedia, false, "root/green", "centre", 1, true, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := &complaint.Ticket{ID: "T", Kind: complaint.KindComplaint, Channel: tt.channel, Category: tt.category, Region: "gd"}
			c := &complaint.Customer{ID: "C"}
			if tt.vip {
				c.Flags = []complaint.Flag{complaint.FlagVIP}
			}
			var d routing.Decision
			st.Plan(tk, c, time.Now(), &d)
			assert.Equal(t, tt.route, d.Dispatch.Route)
			assert.Equal(t, tt.queue, d.Dispatch.Queue)
			assert.Equal(t, tt.priority, d.Dispatch.Priority)
			assert.Equal(t, tt.green, d.Dispatch.Green)
			assert.Equal(t, tt.central, d.Dispatch.Centralised)
			assert.Equal(t, tt.handling, d.Dispatch.Handling)
			assert.NotEmpty(t, d.Dispatch.Reason)
		})
	}
	// With "continue only", the root's own default is not a result: root/green is.
	var d routing.Decision
	st.Plan(&complaint.Ticket{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing.refund"}, nil, time.Now(), &d)
	assert.Equal(t, "root: default > billing: category in [billing] > refunds: category in [billing.refund]", d.Dispatch.Reason)
}

func TestAssignment(t *testing.T) {
	p := parse(t, `version: 1
queues:
  - {id: rr, unit: u, tier: city, strategy: round-robin, handlers: [{id: a}, {id: b, capacity: 1}, {id: c}]}
  - {id: ll, unit: u, tier: city, strategy: least-loaded, handlers: [{id: a}, {id: b}, {id: c}]}
  - id: sk
    unit: u
    tier: city
    strategy: skills
    handlers: [{id: generalist, skills: [billing, vas], capacity: 2}, {id: vas-expert, skills: [vas.unaware], capacity: 1}]
  - {id: own, unit: u, tier: province, strategy: owner, fallback: least-loaded, handlers: [{id: x}, {id: y}]}
  - {id: man, unit: u, tier: city, strategy: manual}
routes:
  id: root
  queue: man
  routes:
    - {id: to-rr, match: {region: [rr]}, queue: rr}
    - {id: to-ll, match: {region: [ll]}, queue: ll}
    - {id: to-sk, match: {region: [sk]}, queue: sk}
    - {id: to-own, match: {region: [own]}, queue: own}
    - {id: pro-to-owner, match: {region: [rr2], flags: [professional-complainant]}, queue: rr, assign: owner}
`)
	intake := func(r *rig, region, category, customer string) *complaint.Ticket {
		t.Helper()
		return r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: category, Region: region, Customer: customer})
	}
	assignees := func(r *rig, region, category string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, intake(r, region, category, fmt.Sprintf("C%d", i)).Assignee)
		}
		return out
	}
	t.Run("round-robin skips a handler at capacity", func(t *testing.T) {
		r := newRigPolicy(t, p)
		assert.Equal(t, []string{"a", "b", "c", "a", "c", "c", "a"}, assignees(r, "rr", "other", 7))
	})
	t.Run("least-loaded follows open tickets", func(t *testing.T) {
		r := newRigPolicy(t, p)
		got := assignees(r, "ll", "other", 3)
		assert.Equal(t, []string{"a", "b", "c"}, got)
		// b's ticket closes: b is now the least loaded.
		tk := intake(r, "ll", "other", "X")
		assert.Equal(t, "a", tk.Assignee)
		_, err := r.apply(t, "T00000002", complaint.Event{Type: complaint.EventResolved, Actor: complaint.Actor{Kind: complaint.ActorAgent, ID: "b"}, Resolution: &complaint.Resolution{Outcome: "explained"}})
		require.NoError(t, err)
		assert.Equal(t, "b", intake(r, "ll", "other", "Y").Assignee)
	})
	t.Run("skills with capacity", func(t *testing.T) {
		r := newRigPolicy(t, p)
		assert.Equal(t, "vas-expert", intake(r, "sk", "vas.unaware", "A").Assignee, "equally loaded: the most specific skill wins")
		assert.Equal(t, "generalist", intake(r, "sk", "vas.unaware", "B").Assignee, "the expert is full")
		assert.Equal(t, "generalist", intake(r, "sk", "billing.dispute", "C").Assignee)
		full := intake(r, "sk", "billing.dispute", "D")
		assert.Equal(t, "", full.Assignee, "nobody skilled has capacity: left in the queue")
		assert.Equal(t, "sk", full.Queue)
		assert.Equal(t, "", intake(r, "sk", "network.quality", "E").Assignee, "nobody has the skill")
	})
	t.Run("named owner, else the fallback", func(t *testing.T) {
		r := newRigPolicy(t, p)
		r.dir.Put(complaint.Customer{ID: "P1", Flags: []complaint.Flag{complaint.FlagProfessional}, Owner: "zhang"})
		tk := intake(r, "own", "other", "P1")
		assert.Equal(t, "zhang", tk.Assignee)
		assert.Equal(t, "x", intake(r, "own", "other", "nobody").Assignee)
		assert.Equal(t, "zhang", intake(r, "rr2", "other", "P1").Assignee, "a route's assign: owner overrides the queue")
		evs, err := r.eng.Store().Events(context.Background(), tk.ID)
		require.NoError(t, err)
		var strategy string
		for _, e := range evs {
			if e.Type == complaint.EventAssigned {
				strategy = e.Assign.Strategy
			}
		}
		assert.Equal(t, routing.Owner, strategy)
	})
	t.Run("manual", func(t *testing.T) {
		r := newRigPolicy(t, p)
		tk := intake(r, "elsewhere", "other", "A")
		assert.Equal(t, "", tk.Assignee)
		assert.Equal(t, complaint.StatusDispatched, tk.Status)
	})
}

func TestTransferLimits(t *testing.T) {
	p := parse(t, `version: 1
queues:
  - {id: qa, unit: ua, tier: city, handlers: [{id: a1}]}
  - {id: qb, unit: ub, tier: city, handlers: [{id: b1}]}
  - {id: qc, unit: uc, tier: city, handlers: [{id: c1}]}
  - {id: qd, unit: ud, tier: city, handlers: [{id: d1}]}
routes: {id: root, queue: qa}
transfers: {max: 2}
`)
	r := newRigPolicy(t, p)
	tk := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "C"})
	xfer := func(unit, queue string) (*complaint.Ticket, error) {
		return r.apply(t, tk.ID, complaint.Event{Type: complaint.EventTransferred, Actor: complaint.Actor{Kind: complaint.ActorAgent, ID: "a1"},
			Dispatch: &complaint.Dispatch{Unit: unit, Queue: queue, Reason: "not ours"}})
	}
	tests := []struct {
		name, unit, queue string
		err               string
		assignee          string
	}{
		{"to the unit it is in", "ua", "qa", "already with unit", ""},
		{"unknown queue", "ux", "nope", `unknown queue "nope"`, ""},
		{"first transfer, assigned in the new queue", "ub", "qb", "", "b1"},
		{"ping-pong back", "ua", "qa", `came from unit "ua": transferring it back is ping-pong`, ""},
		{"second transfer", "uc", "qc", "", "c1"},
		{"over the limit", "ud", "qd", "already transferred 2 times (limit 2)", ""},
	}
	for _, tt := range tests {
		got, err := xfer(tt.unit, tt.queue)
		if tt.err != "" {
			require.ErrorIs(t, err, routing.ErrTransferRefused, tt.name)
			assert.Contains(t, err.Error(), tt.err, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.assignee, got.Assignee, tt.name)
		assert.Equal(t, tt.unit, got.Unit, tt.name)
	}
}

func TestAuthorisation(t *testing.T) {
	p := parse(t, `version: 1
queues: [{id: q, unit: u, tier: county, handlers: [{id: h}]}]
routes: {id: root, queue: q}
authorisation:
  cap: 300
  limits:
    county: {refund: 100, compensation: 50}
    city: {refund: 1000, compensation: 200}
    province: {refund: 5000, compensation: 2000}
`)
	agent := func(tier complaint.Tier) complaint.Actor {
		return complaint.Actor{Kind: complaint.ActorAgent, ID: "x", Tier: tier}
	}
	resolve := func(refund, comp int64, tier complaint.Tier) complaint.Event {
		return complaint.Event{Type: complaint.EventResolved, Actor: agent(tier),
			Resolution: &complaint.Resolution{Outcome: "refunded", Refund: complaint.Money(refund), Compensation: complaint.Money(comp)}}
	}
	approve := func(amount int64, tier complaint.Tier) complaint.Event {
		return complaint.Event{Type: complaint.EventApproved, Actor: agent(tier), Approval: &complaint.Approval{Amount: complaint.Money(amount)}}
	}
	tests := []struct {
		name  string
		steps []complaint.Event
		err   string // for the last step; "" when it passes
	}{
		{"within the county limit", []complaint.Event{resolve(10000, 5000, "")}, ""},
		{"refund above the limit", []complaint.Event{resolve(10001, 0, "")}, "refund 100.01 yuan on T00000001 exceeds what tier \"county\" may grant (100.00) and no approval covers it (approved 0.00)"},
		{"compensation above the limit", []complaint.Event{resolve(0, 6000, complaint.TierCounty)}, "compensation 60.00 yuan"},
		{"a city handler may refund more", []complaint.Event{resolve(90000, 0, complaint.TierCity)}, ""},
		{"the cap binds every tier", []complaint.Event{resolve(0, 30001, complaint.TierProvince)}, "policy cap 300.00"},
		{"approval from the same tier is refused", []complaint.Event{approve(20000, complaint.TierCounty)}, "must come from a tier above"},
		{"approval above the approver's own limit", []complaint.Event{approve(200000, complaint.TierCity)}, "may approve up to 1000.00 yuan, not 2000.00"},
		{"approval first, then the resolution passes", []complaint.Event{approve(40000, complaint.TierProvince), resolve(0, 40000, "")}, ""},
		{"an approval covers only its amount", []complaint.Event{approve(15000, complaint.TierCity), resolve(20000, 0, "")}, "approved 150.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRigPolicy(t, p)
			tk := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "C"})
			var err error
			for _, ev := range tt.steps {
				_, err = r.apply(t, tk.ID, ev)
				if ev.Type == complaint.EventApproved && tt.err == "" {
					require.NoError(t, err)
				}
			}
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, routing.ErrNotAuthorised)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestDeadlines(t *testing.T) {
	p := parse(t, `version: 1
sla:
  - {id: std, match: {kind: [complaint]}, first_contact: 2h, reply: 1wd, resolve: 5wd, regulator: 15d}
queues: [{id: q, unit: u, tier: city, handlers: [{id: h}]}]
routes: {id: root, queue: q}
`)
	loc := p.Location()
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		require.NoError(t, err)
		return v
	}
	tests := []struct {
		name, received       string
		reply, resolve, regl string
	}{
		{"ordinary week", "2025-03-03 10:00", "2025-03-04 10:00", "2025-03-10 10:00", "2025-03-18 10:00"},
		{"across the Spring Festival and its make-up Saturday", "2025-01-27 15:00", "2025-02-05 15:00", "2025-02-10 15:00", "2025-02-11 15:00"},
		{"make-up Sunday before the holiday counts", "2025-01-24 09:00", "2025-01-26 09:00", "2025-02-07 09:00", "2025-02-08 09:00"},
		{"taken on a holiday: the clock starts on the next working day", "2025-10-03 11:00", "2025-10-10 00:00", "2025-10-15 00:00", "2025-10-18 11:00"},
		{"across the 2025/2026 year end", "2025-12-31 16:00", "2026-01-04 16:00", "2026-01-08 16:00", "2026-01-15 16:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRigPolicy(t, p)
			r.now = at(tt.received)
			tk := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "C"})
			assert.Equal(t, "std", tk.Deadlines.Profile)
			assert.Equal(t, at(tt.received).Add(2*time.Hour), tk.Deadlines.FirstContact)
			assert.Equal(t, at(tt.reply), tk.Deadlines.Reply, "reply")
			assert.Equal(t, at(tt.resolve), tk.Deadlines.Resolve, "resolve")
			assert.Equal(t, at(tt.regl), tk.Deadlines.Regulator, "regulator")
		})
	}
	t.Run("a year without calendar data is an error, not a guess", func(t *testing.T) {
		prof, ok := p.Profile("std")
		require.True(t, ok)
		_, err := p.Deadlines(prof, at("2026-12-29 10:00"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no holiday data for year 2027")
		// The engine still takes the ticket: no deadline is guessed, the
		// ticket is marked, nothing is lost.
		r := newRigPolicy(t, p)
		r.now = at("2026-12-29 10:00")
		tk, err := r.eng.Intake(context.Background(), complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "C"})
		require.NoError(t, err)
		assert.True(t, tk.Deadlines.IsZero(), "no guessed deadline")
		assert.True(t, tk.HasTag(routing.TagDeadlineUnknown))
	})
}

func TestPauseResumeAndReopen(t *testing.T) {
	p := parse(t, `version: 1
tags:
  - {id: follow-up, when: 'reopens > 0', tag: not-closed-follow-up}
sla:
  - {id: std, match: {kind: [complaint]}, resolve: 5wd}
queues: [{id: q, unit: u, tier: city, handlers: [{id: h}]}]
routes: {id: root, queue: q}
`)
	r := newRigPolicy(t, p) // Monday 2025-03-03 10:00
	tk := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "C"})
	due := tk.Deadlines.Resolve
	require.Equal(t, time.Date(2025, 3, 10, 10, 0, 0, 0, p.Location()), due)
	r.now = r.now.Add(time.Hour)
	tk, err := r.apply(t, tk.ID, complaint.Event{Type: complaint.EventWaiting, Text: "等客户提供账单"})
	require.NoError(t, err)
	assert.Equal(t, due, tk.Deadlines.Resolve, "waiting does not move deadlines yet")
	r.now = r.now.Add(50 * time.Hour)
	tk, err = r.apply(t, tk.ID, complaint.Event{Type: complaint.EventResumed})
	require.NoError(t, err)
	assert.Equal(t, due.Add(50*time.Hour), tk.Deadlines.Resolve, "resuming shifts deadlines by the pause")
	assert.Equal(t, "std", tk.Deadlines.Profile)

	_, err = r.apply(t, tk.ID, complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "done"}})
	require.NoError(t, err)
	r.now = time.Date(2025, 3, 20, 9, 0, 0, 0, p.Location()) // Thursday
	tk, err = r.apply(t, tk.ID, complaint.Event{Type: complaint.EventReopened, Text: "不满意"})
	require.NoError(t, err)
	assert.True(t, tk.HasTag("not-closed-follow-up"))
	assert.Equal(t, time.Date(2025, 3, 27, 9, 0, 0, 0, p.Location()), tk.Deadlines.Resolve, "a reopened ticket gets fresh deadlines")
	assert.Equal(t, "h", tk.Assignee, "same queue: the handler keeps it")
}

func TestEscalationReroutes(t *testing.T) {
	p := parse(t, `version: 1
sla:
  - {id: std, match: {kind: [complaint]}, resolve: 5wd}
  - {id: hot, resolve: 2wd, regulator: 30d}
queues:
  - {id: q, unit: u, tier: city, handlers: [{id: h}]}
  - {id: esc, unit: prov-esc, tier: province, handlers: [{id: e1}]}
routes:
  id: root
  queue: q
  routes:
    - {id: escalated, when: escalated, queue: esc, sla: hot, green: true}
`)
	r := newRigPolicy(t, p)
	tk := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "C"})
	require.Equal(t, "q", tk.Queue)
	tk, err := r.apply(t, tk.ID, complaint.Event{Type: complaint.EventEscalated, Escalation: &complaint.Escalation{Target: "12300"}})
	require.NoError(t, err)
	assert.Equal(t, "esc", tk.Queue)
	assert.Equal(t, complaint.TierProvince, tk.Tier)
	assert.Equal(t, "e1", tk.Assignee)
	assert.Equal(t, "root/escalated", tk.Route)
	assert.True(t, tk.GreenChannel)
	assert.Equal(t, "hot", tk.Deadlines.Profile)
	assert.False(t, tk.Deadlines.Regulator.IsZero())
}

func TestSwap(t *testing.T) {
	p1 := parse(t, `version: 1
queues: [{id: q, unit: u1, tier: city, handlers: [{id: a}, {id: b}]}]
routes: {id: root, queue: q}
`)
	p2 := parse(t, `version: 1
queues: [{id: q, unit: u2, tier: county, handlers: [{id: a}, {id: b}]}]
routes: {id: root, queue: q}
`)
	r := newRigPolicy(t, p1)
	in := complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "C"}
	assert.Equal(t, "a", r.intake(t, in).Assignee)
	old := r.stage.Swap(p2)
	assert.Same(t, p1, old)
	assert.Same(t, p2, r.stage.Policy())
	tk := r.intake(t, in)
	assert.Equal(t, "u2", tk.Unit)
	assert.Equal(t, "b", tk.Assignee, "round-robin position carries over a swap")

	// Swapping while deciding is safe (run with -race).
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			var d routing.Decision
			tk := &complaint.Ticket{ID: fmt.Sprint(i), Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other"}
			for range 200 {
				r.stage.Plan(tk, nil, time.Now(), &d)
				require.Contains(t, []string{"u1", "u2"}, d.Dispatch.Unit)
			}
		})
	}
	for i := range 50 {
		if i%2 == 0 {
			r.stage.Swap(p1)
		} else {
			r.stage.Swap(p2)
		}
	}
	wg.Wait()
}

func TestHistoryIsBounded(t *testing.T) {
	h := routing.NewHistory()
	t0 := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	for i := range 200 {
		tk := &complaint.Ticket{ID: fmt.Sprintf("T%d", i), Customer: "C", Category: "billing.dispute", ReceivedAt: t0.Add(time.Duration(i) * time.Minute), Status: complaint.StatusClosed}
		h.Observe(&complaint.Event{Type: complaint.EventReceived, At: tk.ReceivedAt}, tk)
	}
	v := h.Lookup("C", "new", "billing.dispute", t0.Add(24*time.Hour))
	assert.Equal(t, routing.HistoryMarks, v.Contacts30d, "at most HistoryMarks marks per customer")
	assert.Equal(t, 1, h.Len())
	require.NoError(t, h.Tick(context.Background(), t0.Add(10*24*time.Hour)))
	assert.Equal(t, 1, h.Len(), "still within the window")
	require.NoError(t, h.Tick(context.Background(), t0.Add(31*24*time.Hour)))
	assert.Equal(t, 0, h.Len(), "idle customers are dropped")
	assert.Equal(t, routing.HistoryView{}, h.Lookup("C", "new", "billing.dispute", t0.Add(31*24*time.Hour)))
}

func TestShare(t *testing.T) {
	var s routing.Share
	assert.Zero(t, s.Ratio())
	for i := range 20 {
		s.Observe(&complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "u", Centralised: i != 0}}, nil)
	}
	s.Observe(&complaint.Event{Type: complaint.EventAssigned}, nil)
	c, n := s.Counts()
	assert.EqualValues(t, 19, c)
	assert.EqualValues(t, 20, n)
	assert.InDelta(t, 0.95, s.Ratio(), 1e-9)
}

func TestLateProfileReroutes(t *testing.T) {
	p := parse(t, `version: 1
tags:
  - {id: t-pro, match: {flags: [professional-complainant]}, tag: professional-complainant}
sla:
  - {id: std, match: {kind: [complaint]}, resolve: 5wd}
  - {id: pro, resolve: 3wd}
queues:
  - {id: q, unit: u, tier: city, handlers: [{id: h}]}
  - {id: vip, unit: prov-vip, tier: province, strategy: owner, fallback: round-robin, handlers: [{id: v}]}
routes:
  id: root
  queue: q
  routes:
    - {id: professional, match: {flags: [professional-complainant]}, queue: vip, sla: pro}
`)
	r := newRigPolicy(t, p) // Monday 2025-03-03 10:00
	tk := r.intake(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Customer: "P"})
	require.Equal(t, "q", tk.Queue, "the profile is unknown at intake")
	r.dir.Put(complaint.Customer{ID: "P", Flags: []complaint.Flag{complaint.FlagProfessional}, Owner: "zhang"})
	r.now = r.now.Add(3 * time.Hour)
	tk, err := r.apply(t, tk.ID, complaint.Event{Type: complaint.EventProfiled})
	require.NoError(t, err)
	assert.True(t, tk.HasTag("professional-complainant"))
	assert.Equal(t, "vip", tk.Queue)
	assert.Equal(t, "zhang", tk.Assignee)
	assert.Equal(t, "pro", tk.Deadlines.Profile)
	assert.Equal(t, time.Date(2025, 3, 6, 10, 0, 0, 0, p.Location()), tk.Deadlines.Resolve, "still counted from receipt")
}

package routing

import (
	"github.com/kesu-go/kesu/complaint"
	"math/rand/v2"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNativeMatchesVM checks that every expression compiled to a closure
// answers exactly as expr's VM does, on many environments.
func TestNativeMatchesVM(t *testing.T) {
	srcs := []string{
		`text contains "工信部" or text contains "12300"`,
		`customer.prior_escalations > 0 or history.escalations > 0`,
		`history.urges_30d + urges >= 3`,
		`hour < 8 or hour >= 21`,
		`customer.tier in ["gold", "platinum"]`,
		`kind not in ["praise", "opinion"] and !escalated`,
		`not customer.vip && partner != ""`,
		`category startsWith "billing" and region endsWith ".th"`,
		`reopens * 2 - transfers == 2`,
		`-urges < 0 != customer.sensitive`,
		`hour in [8, 9, 10]`,
		`customer.professional == true and history.contacts_7d <= 1`,
		`history.open >= 1 || history.reopens_30d > 0 || history.contacts_30d == 3`,
		`customer.owner == "" and customer.id != "C1" and customer.important == customer.repeat_caller`,
		`tier == "city" or channel == "12300" or billing_code != product`,
	}
	// Plus every expression of the presets.
	for _, path := range []string{"../examples/policy/carrier.yaml", "../examples/policy/utility.yaml"} {
		p, err := Load(path)
		require.NoError(t, err)
		for _, r := range p.tags {
			if r.m.when != "" {
				srcs = append(srcs, r.m.when)
			}
		}
		for _, n := range p.nodes {
			if n.m.when != "" {
				srcs = append(srcs, n.m.when)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(v ...string) string { return v[rng.IntN(len(v))] }
	envs := make([]Env, 500)
	for i := range envs {
		envs[i] = Env{
			Kind: pick("complaint", "praise", "opinion"), Channel: pick("hotline", "12300"), Category: pick("billing.dispute", "vas.unaware", ""),
			Region: pick("gd.gz.th", "gd.sz"), Text: pick("", "工信部", "找媒体曝光", "12300 申诉", "没有订购", "强行捆绑", "12398"),
			Partner: pick("", "SP1"), Product: pick("", "p"), BillingCode: pick("", "p"), Tier: pick("", "city"),
			Escalated: rng.IntN(2) == 0, Urges: rng.IntN(4), Reopens: rng.IntN(3), Transfers: rng.IntN(3), Hour: rng.IntN(24),
			Customer: CustomerEnv{ID: pick("C1", "C2"), Tier: pick("", "gold", "silver"), Owner: pick("", "o"),
				PriorEscalations: rng.IntN(2), Professional: rng.IntN(2) == 0, Sensitive: rng.IntN(2) == 0,
				Important: rng.IntN(2) == 0, VIP: rng.IntN(2) == 0, RepeatCaller: rng.IntN(2) == 0},
			History: HistoryView{Contacts7d: rng.IntN(3), Contacts30d: rng.IntN(4), Open: rng.IntN(2), Reopens30d: rng.IntN(2),
				Urges30d: rng.IntN(4), Escalations: rng.IntN(2)},
		}
	}
	natives := 0
	for _, src := range srcs {
		prog, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool())
		require.NoError(t, err, src)
		fn := nativeCompile(src)
		if fn == nil {
			continue
		}
		natives++
		for i := range envs {
			want, err := expr.Run(prog, envs[i])
			require.NoError(t, err)
			require.Equal(t, want, fn(&envs[i]), "%s on %+v", src, envs[i])
		}
	}
	assert.Equal(t, len(srcs), natives, "every expression here is simple enough to run natively")
	// Not simple: left to the VM.
	for _, src := range []string{`len(text) > 3`, `text matches "^1"`, `urges / 2 > 1`, `any([1,2], # > urges)`} {
		_, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool())
		require.NoError(t, err, src)
		assert.Nil(t, nativeCompile(src), src)
	}
}

// TestVMFallback runs a policy whose expression only the VM can run.
func TestVMFallback(t *testing.T) {
	p, err := Parse("vm.yaml", []byte(`version: 1
tags:
  - {id: long-text, when: 'len(text) > 6', tag: long}
queues: [{id: q, unit: u, tier: city, handlers: [{id: h}]}]
routes: {id: root, queue: q}
`))
	require.NoError(t, err)
	require.Nil(t, p.tags[0].m.native)
	st := NewStage(p, Options{})
	var d Decision
	for _, tc := range []struct {
		text string
		n    int
	}{{"short", 0}, {"a longer text", 1}} {
		tk := complaint.Ticket{ID: "T", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "other", Region: "gd", Text: tc.text}
		st.Plan(&tk, nil, tk.ReceivedAt, &d)
		assert.Len(t, d.Tags, tc.n, tc.text)
	}
}

package scoring_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/scoring"
)

func TestLoadSample(t *testing.T) {
	p, err := scoring.Load("testdata/policy.yaml")
	require.NoError(t, err)
	assert.Equal(t, "Asia/Shanghai", p.Zone().String())
	assert.Equal(t, "tagged[tags=vip]", p.KPI("vip_complaints").Explain())
	assert.Equal(t, "received[kind=complaint,escalated category=network,broadband] / received[kind=complaint,escalated] × 100", p.KPI("network_share").Explain())
	assert.Equal(t, "testdata/policy.yaml:10", p.KPI("vip_complaints").Source)
	assert.Equal(t, "built-in", p.KPI(scoring.KPISatisfaction).Source)
	assert.Len(t, p.KPIs(), len(scoring.Builtins())+4)
	assert.Equal(t, 6, p.Sanctions().Consecutive.SuspendMonths)
	require.NotNil(t, p.Pay())
	assert.Len(t, p.Appraisals(), 1)
	assert.Len(t, p.Targets(), len(scoring.DefaultTargets())+2)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown key", "version: 1\nkpis:\n  - id: x\n    count: {fact: received, colour: red}\n", []string{"t.yaml:4", "kpis[0].count.colour: unknown key"}},
		{"unknown fact", "version: 1\nkpis:\n  - id: x\n    count: {fact: eaten}\n", []string{"t.yaml:3", "kpis[0].count.fact", `unknown fact "eaten"`}},
		{"two definitions", "version: 1\nkpis:\n  - id: x\n    count: {fact: received}\n    mean: {fact: resolved, duration: reply}\n", []string{"t.yaml:3", "exactly one of"}},
		{"bad kind", "version: 1\nkpis:\n  - id: x\n    count: {fact: received, kind: [moan]}\n", []string{`kpis[0].count.kind[0]: unknown kind "moan"`}},
		{"bad when", "version: 1\nkpis:\n  - id: x\n    count: {fact: visited, when: [happy]}\n", []string{`unknown condition "happy"`}},
		{"duration on wrong fact", "version: 1\nkpis:\n  - id: x\n    mean: {fact: received, duration: reply}\n", []string{"durations are known only on the resolved fact"}},
		{"no denominator", "version: 1\nkpis:\n  - id: x\n    numerator: {fact: received}\n", []string{"either a denominator or per: customers"}},
		{"bad quantile", "version: 1\nkpis:\n  - id: x\n    quantile: {fact: resolved, duration: resolve}\n    q: 1.5\n", []string{"kpis[0].q: must be between 0 and 1"}},
		{"change of unknown", "version: 1\nkpis:\n  - id: x\n    change: {of: nope, against: year}\n", []string{`kpis[0].change.of: unknown KPI "nope"`}},
		{"duplicate", "version: 1\nkpis:\n  - {id: x, count: {fact: received}}\n  - {id: x, count: {fact: received}}\n", []string{"t.yaml:4", `duplicate KPI id "x"`}},
		{"bad target", "version: 1\ntargets:\n  - {kpi: satisfaction, target: about 80}\n", []string{"t.yaml:3", "targets[0].target", `bad goal "about 80"`}},
		{"target of unknown", "version: 1\ntargets:\n  - {kpi: nope, target: <= 3}\n", []string{`targets[0].kpi: unknown KPI "nope"`}},
		{"bad base", "version: 1\ncustomers:\n  bases:\n    - {dimension: planet, count: 0}\n", []string{"t.yaml:4", `customers.bases[0].dimension: unknown dimension "planet"`, "customers.bases[0].count: must be positive"}},
		{"bad zone", "version: 1\nzone: Mars/Olympus\n", []string{"t.yaml:2", "unknown time zone"}},
		{"bad price", "version: 1\npay:\n  prices:\n    - {id: a, price: 2.555}\n", []string{"pay.prices[0].price", "at most two decimals"}},
		{"bad sanctions", "version: 1\nsanctions:\n  offline: {drop: 2}\n", []string{"t.yaml:3", "sanctions.offline.drop"}},
		{"bad appraisal", "version: 1\nappraisal:\n  - id: a\n    dimension: agent\n    components:\n      - {kpi: satisfaction, group: vibes, weight: 1, worst: 0, best: 0}\n", []string{"appraisal[0].components[0].group", "best and worst must differ"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scoring.Parse("t.yaml", []byte(tt.src))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestBuiltinOverride(t *testing.T) {
	p := mustPolicy(t, "version: 1\nkpis:\n  - id: satisfaction\n    unit: \"%\"\n    external: true\n    better: higher\n    numerator: {fact: visited, when: [satisfied], kind: [complaint]}\n    denominator: {fact: visited, kind: [complaint]}\n    scale: 100\n")
	assert.Equal(t, "test.yaml:3", p.KPI("satisfaction").Source)
	assert.Len(t, p.KPIs(), len(scoring.Builtins()))
}

func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("testdata/policy.yaml")
	require.NoError(f, err)
	f.Add(sample)
	f.Add([]byte(testPolicy))
	f.Add([]byte("version: 1\nkpis:\n  - {id: x, quantile: {fact: resolved, duration: reply}, q: 0.5}\n"))
	f.Add([]byte("version: 1\ntargets: [{kpi: satisfaction, target: top 3}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := scoring.Parse("fuzz.yaml", data)
		if err != nil {
			if strings.Contains(err.Error(), "panic") {
				t.Fatal(err)
			}
			return
		}
		// a policy that compiles is usable
		b, err := scoring.NewBook(p, scoring.BookConfig{})
		require.NoError(t, err)
		_ = b.Stats()
		for _, k := range p.KPIs() {
			require.NotEmpty(t, k.Explain(), k.ID)
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2025", "2025-Q1", "2025-03", "2025-W10", "2025-03-07", "2020-W53", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := scoring.ParsePeriod(s, cst)
		if err != nil {
			return
		}
		// a parsed period prints back as itself and contains its start
		assert.Equal(t, s, p.String())
		assert.True(t, p.Contains(p.Start))
		assert.False(t, p.Contains(p.End()))
	})
}

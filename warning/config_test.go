package warning_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/kesu-go/kesu/warning"
)

func TestLoadConfig(t *testing.T) {
	f, err := policyfile.Parse("p.yaml", []byte(`version: 1
warnings:
  batch: {windows: [15m, 1h, 24h], min_tickets: 6, budget: {III: 2/day, I: 1/month}}
  escalation: {grades: {III: 6}, points: {words: 4}}
  deadline: {countdown: 0.75}
grades:
  - {id: mass, kind: batch, when: 'members >= 50', grade: I}
ledger:
  ack: {I: 15m}
  lookback: [7d, 30d]
`))
	require.NoError(t, err)
	c, err := warning.LoadConfig(f)
	require.NoError(t, err)
	assert.Equal(t, 6, c.Batch.MinTickets)
	assert.Equal(t, 3, c.Batch.MinCustomers, "default kept")
	assert.InDelta(t, 2.0, float64(c.Batch.Budget["III"]), 1e-9)
	assert.InDelta(t, 1.0/7, float64(c.Batch.Budget["II"]), 1e-9)
	assert.Equal(t, 6, c.Escalation.Grades["III"])
	assert.Equal(t, 4, c.Escalation.Points[warning.PointWords])
	assert.Equal(t, 3, c.Escalation.Points[warning.PointPrior])
	assert.Equal(t, 0.75, c.Deadline.Countdown)
	assert.Equal(t, warning.Duration(15*time.Minute), c.Ledger.Ack["I"])
	require.Len(t, c.Grades, 1)
	assert.Equal(t, warning.GradeI, c.Grades[0].Grade)
}

func TestLoadConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"unknown key":   {"warnings:\n  batch: {windoze: [1h]}\n", "p.yaml:3: warnings.batch.windoze: unknown key"},
		"bad duration":  {"warnings:\n  batch: {quiet: 3x}\n", `bad duration "3x"`},
		"bad rate":      {"warnings:\n  batch: {budget: {III: 1/fortnight}}\n", "bad rate"},
		"bad grade":     {"warnings:\n  batch: {budget: {V: 1/day}}\n", "warnings.batch.budget.V: unknown grade"},
		"bad point":     {"warnings:\n  escalation: {points: {shouting: 2}}\n", "unknown point"},
		"bad window":    {"warnings:\n  batch: {windows: [2d]}\n", "out of range"},
		"bad when":      {"grades:\n  - {id: x, when: 'members >>> 3', grade: I}\n", "p.yaml:3: grades[0].when"},
		"missing grade": {"grades:\n  - {id: x, when: 'members > 3'}\n", "grades[0].grade: required"},
		"dup id":        {"grades:\n  - {id: x, when: 'true', grade: I}\n  - {id: x, when: 'true', grade: II}\n", "duplicate rule id"},
		"bad kind":      {"grades:\n  - {id: x, kind: noise, when: 'true', grade: I}\n", `unknown kind "noise"`},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := policyfile.Parse("p.yaml", []byte("version: 1\n"+tc.doc))
			require.NoError(t, err)
			_, err = warning.LoadConfig(f)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestGradingRule(t *testing.T) {
	f, err := policyfile.Parse("p.yaml", []byte("version: 1\ngrades:\n  - {id: big-burst, kind: batch, when: 'members >= 8', grade: I}\n  - {id: any-escalation, kind: escalation, when: 'score >= 1', grade: IV}\n"))
	require.NoError(t, err)
	c, err := warning.LoadConfig(f)
	require.NoError(t, err)
	fd := newFeeder(t, warning.Options{Config: c})
	fd.intake(t0, complaintIntake("C1", "我要打12300", "12300"))
	ws := fd.active(warning.KindEscalation)
	require.Len(t, ws, 1)
	assert.Equal(t, "any-escalation", ws[0].GradedBy)
	assert.Equal(t, warning.GradeIV, ws[0].Grade)
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"7d", "15m", "1h30m", "-1d", "d", "1.5d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := warning.ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("negative duration %v from %q", d, s)
		}
	})
}

func FuzzLoadConfig(f *testing.F) {
	f.Add("warnings:\n  batch: {windows: [15m, 1h], budget: {III: 1/day}}\n")
	f.Add("grades:\n  - {id: x, kind: batch, when: 'members > 3', grade: II}\n")
	f.Add("ledger:\n  ack: {I: 30m}\n  lookback: [7d]\n")
	f.Fuzz(func(t *testing.T, doc string) {
		pf, err := policyfile.Parse("fuzz.yaml", []byte("version: 1\n"+doc))
		if err != nil {
			return
		}
		c, err := warning.LoadConfig(pf)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if c.Batch.MinTickets <= 0 || len(c.Batch.Windows) == 0 {
			t.Fatalf("defaults not filled: %+v", c.Batch)
		}
	})
}

package scenario_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scenario"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fakeTB records what the runner reports.
type fakeTB struct{ errs []string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file (run go test -update)")
	assert.Equal(t, string(want), got)
}

func TestPassingScenarios(t *testing.T) {
	for _, name := range []string{"lifecycle.yaml", "batch.yaml"} {
		t.Run(name, func(t *testing.T) {
			scenario.Run(t, filepath.Join("testdata", name))
		})
	}
}

// TestFailingScenarios runs scenarios that must fail and checks the
// messages: each names the file, the step's line and want against got.
func TestFailingScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/fail/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			tb := new(fakeTB)
			scenario.Run(tb, file)
			require.NotEmpty(t, tb.errs, "a failing scenario passed")
			for _, e := range tb.errs {
				assert.True(t, strings.HasPrefix(e, file+":"), "message does not name the file: %s", e)
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".golden", strings.Join(tb.errs, "\n")+"\n")
		})
	}
}

// TestBadScenarios loads malformed files: each is refused with every
// problem named by file:line.
func TestBadScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := scenario.Load(file)
			require.Error(t, err)
			for _, line := range strings.Split(err.Error(), "\n") {
				assert.True(t, strings.HasPrefix(line, file+":"), "message does not name the file: %s", line)
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".golden", err.Error()+"\n")
		})
	}
}

func TestResult(t *testing.T) {
	s, err := scenario.Load("testdata/fail/refused.yaml")
	require.NoError(t, err)
	r := s.Check(t.Context())
	assert.False(t, r.Passed())
	assert.Equal(t, "a refused step ends the run", r.Name)
	assert.Equal(t, 3, r.Steps, "the run stops at the refused resolve")
	require.Len(t, r.Failures, 2)
	assert.Equal(t, 5, r.Failures[0].Line)
	assert.Equal(t, "error", r.Failures[0].What)
	assert.Equal(t, 7, r.Failures[1].Line)
}

func TestParseStructure(t *testing.T) {
	s, err := scenario.Load("testdata/batch.yaml")
	require.NoError(t, err)
	assert.Equal(t, "Asia/Shanghai", s.Zone.String())
	assert.Equal(t, time.Date(2025, 3, 3, 1, 0, 0, 0, time.UTC), s.Start.UTC())
	assert.Equal(t, time.Hour, s.Tick)
	require.Len(t, s.Steps, 7)
	in := s.Steps[0]
	assert.Equal(t, "intake", in.Action)
	assert.Equal(t, 4, in.Line)
	assert.Equal(t, 6, in.Intake.Count)
	assert.Equal(t, 50*time.Minute, in.Intake.Spread)
	assert.Equal(t, complaint.KindComplaint, in.Intake.Intake.Kind, "kind defaults to complaint")
	assert.Equal(t, complaint.ChannelHotline, in.Intake.Intake.Channel, "channel defaults to hotline")
	d := s.Steps[2]
	assert.Equal(t, "dispatch", d.Action)
	assert.Equal(t, "sp", d.Ref)
	assert.Equal(t, complaint.EventDispatched, d.Event.Type)
	assert.Equal(t, "gz-centre", d.Event.Dispatch.Unit)
}

func TestBatchTiming(t *testing.T) {
	// Six tickets over 50 minutes: one every 10 minutes, the clock ending
	// on the last.
	src := `
start: 2025-03-03 09:00
steps:
  - intake: {ref: b, count: 6, spread: 50m, category: vas.unaware, region: gd.gz, customer: "C{n}"}
  - dispatch: {ticket: b.6, unit: u}
  - expect: {ticket: b.6, status: dispatched}
`
	s, err := scenario.Parse("inline.yaml", []byte(src))
	require.NoError(t, err)
	require.True(t, s.Check(t.Context()).Passed())
}

func TestParseValues(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2025-03-03 09:00", time.Date(2025, 3, 3, 9, 0, 0, 0, loc)},
		{"2025-03-03T09:00:05", time.Date(2025, 3, 3, 9, 0, 5, 0, loc)},
		{"2025-03-03", time.Date(2025, 3, 3, 0, 0, 0, 0, loc)},
		{"2025-03-03T01:00:00Z", time.Date(2025, 3, 3, 9, 0, 0, 0, loc)},
	} {
		got, err := scenario.ParseTime(tc.in, loc)
		require.NoError(t, err, tc.in)
		assert.True(t, tc.want.Equal(got), "%s: got %v", tc.in, got)
	}
	_, err = scenario.ParseTime("9am", loc)
	assert.ErrorContains(t, err, `got "9am"`)

	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"90m", 90 * time.Minute}, {"3d", 72 * time.Hour}, {"1w2d", 9 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour}, {"-2h", -2 * time.Hour},
	} {
		got, err := scenario.ParseDuration(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "soon", "d", "1x", "3d-2h", "99999d"} {
		_, err := scenario.ParseDuration(bad)
		assert.Error(t, err, bad)
	}

	for _, tc := range []struct {
		in   string
		want complaint.Money
	}{{"12.5", 1250}, {"300", 30000}, {"0.01", 1}, {"7.05", 705}} {
		got, err := scenario.ParseMoney(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "-1", "1.234", "abc", "1.x", ".5"} {
		_, err := scenario.ParseMoney(bad)
		assert.Error(t, err, bad)
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := scenario.NewClock(t0)
	assert.Equal(t, t0, c.Now())
	assert.Equal(t, t0.Add(time.Hour), c.Advance(time.Hour))
	c.Set(t0)
	assert.Equal(t, t0, c.Now())
}

func TestRoutedScenario(t *testing.T) {
	scenario.Run(t, "testdata/routed.yaml")
}

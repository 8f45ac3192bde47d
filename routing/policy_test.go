package routing_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/routing"
)

// Each file in testdata/bad is a policy that must be refused; its "# want:"
// lines are substrings the error must contain (file:line, path, rule id and
// reason).
func TestBadPolicies(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			var wants []string
			for _, l := range strings.Split(string(data), "\n") {
				if w, ok := strings.CutPrefix(l, "# want: "); ok {
					wants = append(wants, w)
				}
			}
			require.NotEmpty(t, wants, "a bad policy says what error it expects")
			_, err = routing.Parse(filepath.Base(f), data)
			require.Error(t, err)
			for _, w := range wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestPresetsLoad(t *testing.T) {
	for _, f := range []string{"../examples/policy/carrier.yaml", "../examples/policy/utility.yaml"} {
		p, err := routing.Load(f)
		require.NoError(t, err, f)
		assert.NotEmpty(t, p.Name())
		assert.NotNil(t, p.Calendar())
	}
	p, err := routing.Load("../examples/policy/carrier.yaml")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, p.Rules(), 40, "the carrier preset has at least 40 rules")
	assert.True(t, p.Categories().Has("vas.sp-billing"), "taxonomy extension applied")
	assert.True(t, p.Categories().Has("billing.dispute"), "preset kept")
	q, ok := p.Queue("prov-vip")
	require.True(t, ok)
	assert.Equal(t, routing.Owner, q.Strategy)
	assert.Equal(t, routing.LeastLoaded, q.Fallback)
	lim, capAmount := p.Limit("county")
	assert.EqualValues(t, 20000, lim.Refund)
	assert.EqualValues(t, 50000, capAmount)
}

func TestParseSpanAndYuan(t *testing.T) {
	spans := []struct {
		in   string
		want routing.Span
		err  bool
	}{
		{"30m", routing.Span{N: 30, Unit: routing.Minutes}, false},
		{"24h", routing.Span{N: 24, Unit: routing.Hours}, false},
		{"15d", routing.Span{N: 15, Unit: routing.Days}, false},
		{"5wd", routing.Span{N: 5, Unit: routing.WorkingDays}, false},
		{"0h", routing.Span{}, true},
		{"-1d", routing.Span{}, true},
		{"5w", routing.Span{}, true},
		{"wd", routing.Span{}, true},
		{"1.5h", routing.Span{}, true},
	}
	for _, s := range spans {
		got, err := routing.ParseSpan(s.in)
		if s.err {
			assert.Error(t, err, s.in)
			continue
		}
		require.NoError(t, err, s.in)
		assert.Equal(t, s.want, got)
		assert.Equal(t, s.in, got.String())
	}
	money := []struct {
		in   string
		want int64
		err  bool
	}{
		{"500", 50000, false}, {"49.9", 4990, false}, {"49.90", 4990, false}, {"0.05", 5, false},
		{"12.345", 0, true}, {"-1", 0, true}, {"1.", 0, true}, {"abc", 0, true}, {"", 0, true},
	}
	for _, m := range money {
		got, err := routing.ParseYuan(m.in)
		if m.err {
			assert.Error(t, err, m.in)
			continue
		}
		require.NoError(t, err, m.in)
		assert.EqualValues(t, m.want, got, m.in)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"../examples/policy/carrier.yaml", "../examples/policy/utility.yaml"} {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	bad, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, p := range bad {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("version: 1\nroutes: {id: root, queue: q}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := routing.Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		// A policy that loads must route any ticket without panicking.
		st := routing.NewStage(p, routing.Options{})
		var d routing.Decision
		for _, tk := range fuzzTickets() {
			st.Plan(tk, nil, tk.ReceivedAt, &d)
			if d.Queue == nil || d.Dispatch.Unit == "" || !strings.HasPrefix(d.Dispatch.Route, "root") && d.Dispatch.Route == "" {
				t.Fatalf("no decision for %+v: %+v", tk, d)
			}
		}
	})
}

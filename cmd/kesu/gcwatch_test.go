package main

import (
	"flag"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGCWatch feeds gcWatch live heaps: below 80 % of the limit it leaves
// the limit alone; at 80 % or more it sets the limit to 1.5× what is live,
// and again whenever the live heap nears the new limit, saying so on
// standard error once; with no default limit to watch it never acts.
func TestGCWatch(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(prev)
	const mib = 1 << 20
	var live uint64
	var stderr strings.Builder
	g := &gcWatch{limit: 1000 * mib, live: func() uint64 { return live }, stderr: &stderr}
	live = 799 * mib
	require.False(t, g.check())
	assert.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "not touched")
	live = 800 * mib
	require.True(t, g.check())
	assert.Equal(t, int64(1200*mib), g.limit)
	assert.Equal(t, int64(1200*mib), debug.SetMemoryLimit(-1))
	assert.Contains(t, stderr.String(), "800 MiB live, near the 1000 MiB memory limit")
	live = 900 * mib // under 80 % of 1,200
	require.False(t, g.check())
	live = 1000 * mib
	require.True(t, g.check())
	assert.Equal(t, int64(1500*mib), debug.SetMemoryLimit(-1))
	assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "said once")

	off := &gcWatch{live: func() uint64 { return 1 << 40 }, stderr: &stderr}
	require.False(t, off.check(), "no default limit: nothing to watch")
}

// TestGCPolicyDefaultLimit checks which settings gcPolicy hands to the
// watch: the default limit only when neither flag nor GOGC/GOMEMLIMIT set
// the collector's policy.
func TestGCPolicyDefaultLimit(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  string
		want int64
	}{
		{nil, "", defaultMemLimitMiB << 20},
		{[]string{"--gc-percent", "100"}, "", 0},
		{[]string{"--mem-limit-mib", "896"}, "", 0},
		{nil, "GOGC", 0},
		{nil, "GOMEMLIMIT", 0},
	} {
		t.Run(strings.Join(c.args, " ")+c.env, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			if c.env != "" {
				t.Setenv(c.env, "100")
			}
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			percent := fs.Int("gc-percent", defaultGCPercent, "")
			limit := fs.Int64("mem-limit-mib", defaultMemLimitMiB, "")
			require.NoError(t, fs.Parse(c.args))
			restore, got := gcPolicy(fs, *percent, *limit)
			restore()
			assert.Equal(t, c.want, got)
		})
	}
}

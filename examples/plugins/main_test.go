package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.txt")

// TestRun runs the whole example against the real plugin binaries and
// compares its report with testdata/output.txt. It takes a few seconds
// (two go builds, two plugin processes, one of them killed and restarted).
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, options{}))
	got := out.String()

	// What must hold, whatever the golden file says.
	for _, want := range []string{
		"T00000002 customer C-1002: profile pending true, tag profile-pending true, engine pending [T00000002]",
		"CRM plugin restarts 1; T00000002 profile pending false, last event profiled; engine pending []",
		"sanction SP-7001#2 carried out in billing: true",
		"city GD-SZ in 2026-01: 1531000 customers (from subscriber counter)",
		"outage/important-users grade II: outage O-3",
		"period 2026-01: 1 professional complainant(s), 1 account(s), 3 finding(s)",
		"proactive/bill-anomaly",
		"a later Tick in February checks nothing again: true",
	} {
		assert.Contains(t, got, want)
	}

	path := filepath.Join("testdata", "output.txt")
	if *update {
		require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

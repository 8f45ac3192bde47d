package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.txt")

// TestQuickstart runs the quickstart in memory and compares its whole output
// with testdata/output.txt: the run is deterministic.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, ""))
	if *update {
		require.NoError(t, os.WriteFile("testdata/output.txt", out.Bytes(), 0o644))
	}
	want, err := os.ReadFile("testdata/output.txt")
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
	s := out.String()
	assert.Contains(t, s, "closed not allowed")
	assert.NotContains(t, s, "SP0731 本月已有多起同类投诉", "internal notes never reach the timeline")
	assert.Contains(t, s, "[batch, grade")
	assert.Contains(t, s, "[escalation, grade")
	assert.Contains(t, s, "[deadline, grade")
	assert.Contains(t, s, "→ verified")
}

// TestQuickstartResumesFromSQLite runs it twice on one SQLite file: the
// second run rebuilds the projections from the stored log and takes nothing
// twice.
func TestQuickstartResumesFromSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kesu.db")
	var first, second bytes.Buffer
	require.NoError(t, run(context.Background(), &first, db))
	require.NoError(t, run(context.Background(), &second, db))
	s := second.String()
	assert.Contains(t, s, "== resumed from the SQLite file")
	assert.Contains(t, s, "taking 10086-0001 again returns C00000001 (closed): nothing is taken twice")
	assert.Contains(t, s, "→ verified"[len("→ "):], "the ledger survived the restart")
	assert.Contains(t, s, "26 tickets")
}

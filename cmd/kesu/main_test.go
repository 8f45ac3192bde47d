package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func runKesu(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errb, false)
	return code, out.String(), errb.String()
}

const policy = "../../examples/policy/carrier.yaml"

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"bogus"}, {"scenario"}, {"plugin"}, {"replay"}, {"replay", "--format", "xml", "--policy", policy, "x"}, {"gen", "--days", "0"}} {
		code, _, stderr := runKesu(t, args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.Contains(t, stderr, "usage", "%q", args)
	}
}

func TestReplayJSONL(t *testing.T) {
	code, out, stderr := runKesu(t, "replay", "--policy", policy, "testdata/history.jsonl")
	require.Equal(t, 0, code, stderr)
	golden(t, "replay-jsonl.txt", out)
	golden(t, "replay-jsonl.stderr", stderr)
}

func TestReplayJSON(t *testing.T) {
	code, out, stderr := runKesu(t, "replay", "--policy", policy, "--format", "json", "testdata/history.jsonl")
	require.Equal(t, 0, code, stderr)
	var got struct {
		Summary  map[string]any   `json:"summary"`
		Warnings []map[string]any `json:"warnings"`
		KPIs     struct {
			Period string                    `json:"period"`
			Values map[string]map[string]any `json:"values"`
		} `json:"kpis"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.NotEmpty(t, got.Warnings)
	for _, w := range got.Warnings {
		for _, k := range []string{"kind", "grade", "key", "raised_at", "count", "baseline", "tickets"} {
			assert.Contains(t, w, k)
		}
	}
	assert.Equal(t, "2025", got.KPIs.Period)
	assert.EqualValues(t, 2, got.KPIs.Values["complaints"]["value"])
	assert.EqualValues(t, 9, got.Summary["rows"])
	golden(t, "replay-jsonl.json", out)
}

func TestReplayCSVStrict(t *testing.T) {
	code, out, stderr := runKesu(t, "replay", "--policy", policy, "--map", "testdata/map.yaml", "testdata/history.csv")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "skipped 3: 3 malformed")
	assert.Contains(t, stderr, "line 4: time:")
	code, _, stderr = runKesu(t, "replay", "--strict", "--policy", policy, "--map", "testdata/map.yaml", "testdata/history.csv")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "testdata/history.csv: line 4: time:")
}

func TestReplayBadPolicy(t *testing.T) {
	code, _, stderr := runKesu(t, "replay", "--policy", "testdata/map.yaml", "testdata/history.jsonl")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "testdata/map.yaml:")
}

func TestScenarioRun(t *testing.T) {
	code, out, _ := runKesu(t, "scenario", "run", "../../scenario/testdata/lifecycle.yaml", "../../scenario/testdata/batch.yaml")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "2 scenarios, 0 failed")
	code, out, _ = runKesu(t, "scenario", "run", "../../scenario/testdata/fail")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "FAIL ../../scenario/testdata/fail/wrong-state.yaml")
	assert.Contains(t, out, `wrong-state.yaml:6: expect t1: queue: want "vas", got "billing"`)
	code, out, _ = runKesu(t, "scenario", "run", "../../scenario/testdata/bad/unknown-key.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "unknown-key.yaml:3: colour: unknown key")
}

func TestGenDeterministic(t *testing.T) {
	dir := t.TempDir()
	truth := filepath.Join(dir, "truth.jsonl")
	code, a, stderr := runKesu(t, "gen", "--profile", "utility", "--days", "2", "--seed", "7", "--per-day", "50", "--truth", truth)
	require.Equal(t, 0, code, stderr)
	_, b, _ := runKesu(t, "gen", "--profile", "utility", "--days", "2", "--seed", "7", "--per-day", "50")
	assert.Equal(t, a, b, "same flags, same bytes")
	_, c, _ := runKesu(t, "gen", "--profile", "utility", "--days", "2", "--seed", "8", "--per-day", "50")
	assert.NotEqual(t, a, c)
	assert.Greater(t, strings.Count(a, "\n"), 50)
	_, err := os.Stat(truth)
	assert.NoError(t, err)
	code, _, stderr = runKesu(t, "gen", "--profile", "bakery")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "bakery")
}

func TestGenThenReplay(t *testing.T) {
	dir := t.TempDir()
	stream := filepath.Join(dir, "s.jsonl")
	code, _, stderr := runKesu(t, "gen", "--days", "3", "--seed", "1", "--per-day", "200", "-o", stream)
	require.Equal(t, 0, code, stderr)
	code, out, stderr := runKesu(t, "replay", "--policy", policy, "--show-skips", "0", stream)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "skipped 0: 0 malformed")
	assert.Regexp(t, `[1-9]\d* tickets taken in`, out)
}

func TestPluginCheckMissingBinary(t *testing.T) {
	code, out, _ := runKesu(t, "plugin", "check", "--timeout", "2s", filepath.Join(t.TempDir(), "no-such-plugin"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "launch")
}

// TestReplayJSONIsCanonical checks that the JSON written a warning at a
// time is byte for byte what encoding/json writes for the whole object
// (indented by two spaces), with no warnings and with many.
func TestReplayJSONIsCanonical(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	stream := filepath.Join(dir, "s.jsonl")
	code, _, stderr := runKesu(t, "gen", "--days", "6", "--seed", "2", "--per-day", "400", "-o", stream)
	require.Equal(t, 0, code, stderr)
	for _, in := range []string{empty, stream} {
		code, out, stderr := runKesu(t, "replay", "--policy", policy, "--format", "json", "--show-skips", "0", in)
		require.Equal(t, 0, code, stderr)
		var whole struct {
			Summary  json.RawMessage `json:"summary"`
			Warnings []warningOut    `json:"warnings"`
			KPIs     json.RawMessage `json:"kpis"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &whole))
		if in == stream {
			require.Greater(t, len(whole.Warnings), 20, "warnings")
		} else {
			require.NotNil(t, whole.Warnings)
			require.Empty(t, whole.Warnings)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		require.NoError(t, enc.Encode(whole))
		require.Equal(t, buf.String(), out, filepath.Base(in))
	}
}

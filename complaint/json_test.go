package complaint_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

func TestJSONGolden(t *testing.T) {
	tk, evs := build(t, complaint.EventReceived, complaint.EventTagged, complaint.EventDispatched,
		complaint.EventAssigned, complaint.EventDeadlinesSet, complaint.EventUrged, complaint.EventReplied,
		complaint.EventResolved, complaint.EventVisited, complaint.EventClosed)
	b, err := json.MarshalIndent(tk, "", "  ")
	require.NoError(t, err)
	golden(t, "ticket.golden.json", append(b, '\n'))
	b, err = json.MarshalIndent(evs, "", "  ")
	require.NoError(t, err)
	golden(t, "events.golden.json", append(b, '\n'))

	// Round trip: decoding the golden events and folding them gives the ticket.
	var back []complaint.Event
	require.NoError(t, json.Unmarshal(b, &back))
	again, err := complaint.Fold(back)
	require.NoError(t, err)
	b1, _ := json.Marshal(tk)
	b2, _ := json.Marshal(again)
	assert.JSONEq(t, string(b1), string(b2))
}

func FuzzDecodeEvent(f *testing.F) {
	evs, _ := os.ReadFile(filepath.Join("testdata", "events.golden.json"))
	var list []json.RawMessage
	_ = json.Unmarshal(evs, &list)
	for _, e := range list {
		f.Add([]byte(e))
	}
	f.Add([]byte(`{"type":"received","at":"2026-01-01T00:00:00Z","intake":{}}`))
	f.Add([]byte(`{"type":"closed","closing":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e complaint.Event
		if json.Unmarshal(data, &e) != nil {
			return
		}
		_ = complaint.ValidateEvent(&e)
		tk := new(complaint.Ticket)
		_ = complaint.Apply(tk, &e) // must not panic whatever the payloads
		if tk.Version == 1 {
			e2 := e
			e2.Type, e2.Seq = complaint.EventClosed, 0
			_ = complaint.Apply(tk, &e2)
		}
	})
}

func FuzzDecodeTicket(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "ticket.golden.json"))
	f.Add(b)
	f.Add([]byte(`{"id":"x","deadlines":{"resolve":"bad"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tk complaint.Ticket
		if json.Unmarshal(data, &tk) != nil {
			return
		}
		out, err := json.Marshal(&tk)
		require.NoError(t, err)
		var back complaint.Ticket
		require.NoError(t, json.Unmarshal(out, &back))
		out2, _ := json.Marshal(&back)
		if !bytes.Equal(out, out2) {
			t.Fatalf("unstable encoding:\n%s\n%s", out, out2)
		}
		_ = complaint.PublicTimeline(&tk, nil)
	})
}

package ingest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
	"github.com/kesu-go/kesu/scenario"
)

// generated returns a generated stream of profile as JSON Lines.
func generated(t testing.TB, profile string, days int) []byte {
	t.Helper()
	s, err := scenario.Generate(scenario.GenConfig{Profile: profile, Seed: 7, Days: days, PerDay: 400, Warmup: 2, Incidents: 3})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, s.WriteJSONL(&buf))
	return buf.Bytes()
}

// storeShaped returns events as the store keeps them (complaint.Event
// lines) with every payload, actors, tags and times in several zones.
func storeShaped(t testing.TB) []byte {
	t.Helper()
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
	yes := true
	in := &complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing.dispute",
		Region: "gd.gz.th", Customer: "C1", Subscriber: "139", Product: "plan-89", Partner: "SP01", BillingCode: "SP01-1",
		Text: "话费多扣 <&> \"quoted\"", RepeatOf: "T0", ReceivedAt: at.Add(-time.Minute)}
	evs := []complaint.Event{
		{Ticket: "T1", Seq: 1, Type: complaint.EventReceived, At: at, Intake: in},
		{Ticket: "T1", Seq: 2, Pos: 9, Type: complaint.EventAccepted, At: at.In(time.UTC), Actor: complaint.Actor{Kind: complaint.ActorAgent, ID: "A7", Tier: complaint.TierCity}},
		{Ticket: "T1", Seq: 3, Type: complaint.EventTagged, At: at.Add(time.Nanosecond * 1500), Tags: []complaint.Tag{{Name: "vip", Rule: "r1", At: at}, {Name: "x", At: at.In(time.FixedZone("", -(3*3600 + 1800)))}}},
		{Ticket: "T1", Seq: 4, Type: complaint.EventDispatched, At: at, Dispatch: &complaint.Dispatch{Tier: complaint.TierCounty, Unit: "u1", Queue: "q", Priority: 3, Handling: complaint.HandlingProject, Green: true, Centralised: true, Route: "a/b", Reason: "rule"}},
		{Ticket: "T1", Seq: 5, Type: complaint.EventAssigned, At: at, Assign: &complaint.Assign{Assignee: "A7", Strategy: "round-robin"}},
		{Ticket: "T1", Seq: 6, Type: complaint.EventDeadlinesSet, At: at, Deadlines: &complaint.Deadlines{FirstContact: at.Add(time.Hour), Reply: at.Add(2 * time.Hour), Resolve: at.Add(48 * time.Hour), Regulator: at.In(time.Local), Profile: "std"}},
		{Ticket: "T1", Seq: 7, Type: complaint.EventApproved, At: at, Approval: &complaint.Approval{Amount: 12345, Reason: "ok"}},
		{Ticket: "T1", Seq: 8, Type: complaint.EventEscalated, At: at, Escalation: &complaint.Escalation{Target: "12300", Tier: complaint.TierProvince}},
		{Ticket: "T1", Seq: 9, Type: complaint.EventResolved, At: at, Resolution: &complaint.Resolution{Outcome: "refund", Compensation: 100, Refund: 200, Satisfied: &yes, Score: 8}},
		{Ticket: "T1", Seq: 10, Type: complaint.EventVisited, At: at, Visit: &complaint.Visit{Satisfied: true, Score: 9}},
		{Ticket: "T1", Seq: 11, Type: complaint.EventClosed, At: at, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "u1", Department: "d", Person: "p", Cause: "c", LocallyControllable: true, Side: "front-line"}, Handling: complaint.HandlingImmediate}},
		{Ticket: "T1", Seq: 12, Type: complaint.EventMerged, At: at, Merge: &complaint.Merge{Problem: "P1"}, Visibility: complaint.Internal, Text: "merged"},
		{Ticket: "T1", Seq: 13, Type: complaint.EventNote, At: at, Text: "line\nbreak"},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range evs {
		require.NoError(t, enc.Encode(e))
	}
	return buf.Bytes()
}

// readEvery reads r to its end and returns every row (with its intake and
// event copied) and error.
func readEvery(t testing.TB, r ingest.Reader) (rows []ingest.Row, errs []error) {
	t.Helper()
	for range 10_000_000 {
		var row ingest.Row
		err := r.Read(&row)
		if errors.Is(err, io.EOF) {
			return rows, errs
		}
		if row.Intake != nil {
			in := *row.Intake
			row.Intake = &in
		}
		if row.Event != nil {
			// What the event points to is valid until the next Read too.
			ev := row.Event.Clone()
			row.Event = &ev
		}
		rows, errs = append(rows, row), append(errs, err)
		var re *ingest.RowError
		if err != nil && !errors.As(err, &re) {
			return rows, errs
		}
	}
	t.Fatal("reader does not end")
	return nil, nil
}

// TestDecodeGenerated decodes every row of generated streams (carrier,
// utility) and of store-shaped events with the fast decoder and with
// encoding/json: the rows must be deeply equal, and the fast decoder must
// take every line of them.
func TestDecodeGenerated(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"carrier", generated(t, "carrier", 6)},
		{"utility", generated(t, "utility", 6)},
		{"store-shaped", storeShaped(t)},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := bytes.Split(bytes.TrimSpace(c.data), []byte("\n"))
			for _, l := range lines {
				if !ingest.DecodesFast(l) {
					t.Fatalf("the fast decoder leaves %s to encoding/json", l)
				}
			}
			fast, ferrs := readEvery(t, ingest.NewJSONL(bytes.NewReader(c.data)))
			slow, serrs := readEvery(t, ingest.NewJSONLSlow(bytes.NewReader(c.data)))
			require.Len(t, fast, len(lines))
			require.Len(t, slow, len(lines))
			for i := range fast {
				if !reflect.DeepEqual(fast[i], slow[i]) {
					t.Fatalf("line %d:\nfast %#v\njson %#v", i+1, fast[i], slow[i])
				}
				require.Equal(t, serrs[i], ferrs[i], "line %d", i+1)
			}
		})
	}
}

// TestJSONLReusesPayloads: an item's event payloads are decoded into room
// the JSONL reuses (valid until the next Read), so a row with a payload
// costs no more allocations than one without; the values are still right.
func TestJSONLReusesPayloads(t *testing.T) {
	const (
		plain    = `{"at":"2025-01-06T02:25:34+08:00","ticket":"X00000013","event":{"type":"urged","at":"2025-01-06T02:25:34+08:00","text":"催单"}}`
		dispatch = `{"at":"2025-01-06T00:06:43+08:00","ticket":"X00000001","event":{"type":"dispatched","at":"2025-01-06T00:06:43+08:00","dispatch":{"tier":"city","unit":"unit-3"}}}`
		closing  = `{"at":"2025-01-07T06:48:17+08:00","ticket":"X00000007","event":{"type":"closed","at":"2025-01-07T06:48:17+08:00","closing":{"responsibility":{"unit":"unit-13"}}}}`
	)
	perRow := func(line string) float64 {
		r := ingest.NewJSONL(strings.NewReader(strings.Repeat(line+"\n", 300)))
		var row ingest.Row
		return testing.AllocsPerRun(200, func() {
			if err := r.Read(&row); err != nil {
				t.Fatal(err)
			}
		})
	}
	base := perRow(plain)
	assert.Equal(t, base, perRow(dispatch), "a dispatch payload allocates nothing")
	assert.Equal(t, base, perRow(closing), "a closing payload allocates nothing")

	r := ingest.NewJSONL(strings.NewReader(dispatch + "\n" + closing + "\n" + dispatch + "\n"))
	var row ingest.Row
	require.NoError(t, r.Read(&row))
	first := row.Event.Dispatch
	require.Equal(t, complaint.Dispatch{Tier: complaint.TierCity, Unit: "unit-3"}, *first)
	require.NoError(t, r.Read(&row))
	require.Nil(t, row.Event.Dispatch)
	require.Equal(t, "unit-13", row.Event.Closing.Responsibility.Unit)
	require.NoError(t, r.Read(&row))
	require.Same(t, first, row.Event.Dispatch, "the room is reused")
	require.Equal(t, complaint.Dispatch{Tier: complaint.TierCity, Unit: "unit-3"}, *row.Event.Dispatch)
}

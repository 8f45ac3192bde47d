package routing

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

// TestDecideAppendMatchesDecide holds DecideAppend to Decide: the same
// events with the same payloads, appended after what dst held, for every
// trigger and for tickets before and after routing, with one Payloads
// reused throughout (as the engine reuses its own).
func TestDecideAppendMatchesDecide(t *testing.T) {
	p := carrierPolicy(t)
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, p.loc)
	// Two stages in the same state: assignment (round robin) moves on with
	// every decision, so each sees the same sequence.
	st := NewStage(p, Options{History: NewHistory(), Workload: NewWorkload()})
	sta := NewStage(p, Options{History: NewHistory(), Workload: NewWorkload()})
	triggers := []complaint.EventType{
		complaint.EventReceived, complaint.EventAccepted, complaint.EventReopened, complaint.EventEscalated,
		complaint.EventProfiled, complaint.EventTransferred, complaint.EventUrged, complaint.EventInfoAdded,
		complaint.EventResolved, complaint.EventReplied,
	}
	// Each case ticket as taken in, and as routed (unit, queue, no
	// assignee: what a transfer or a reroute sees).
	var tickets []*complaint.Ticket
	var custs []*complaint.Customer
	for _, c := range benchCases(now) {
		c.t.Version = 1 // taken in
		tickets = append(tickets, c.t)
		custs = append(custs, c.c)
		routed := *c.t
		in := kesu.Input{Ticket: c.t, Customer: c.c, Trigger: &complaint.Event{Type: complaint.EventAccepted}, Now: now}
		out, err := st.Decide(context.Background(), in)
		require.NoError(t, err)
		_, err = sta.Decide(context.Background(), in)
		require.NoError(t, err)
		for i := range out {
			out[i].At = now
			require.NoError(t, complaint.Apply(&routed, &out[i]))
		}
		routed.Assignee = ""
		tickets = append(tickets, &routed)
		custs = append(custs, c.c)
	}
	var pay kesu.Payloads
	prefix := []complaint.Event{{Type: complaint.EventUrged, Text: "already there"}}
	dst := make([]complaint.Event, 0, 8)
	seen := map[int]bool{}
	for i, tk := range tickets {
		for _, tr := range triggers {
			name := fmt.Sprintf("%s/%d/%s", tk.ID, i%2, tr)
			in := kesu.Input{Ticket: tk, Customer: custs[i], Trigger: &complaint.Event{Type: tr}, Now: now}
			want, err := st.Decide(context.Background(), in)
			require.NoError(t, err, name)
			got, err := sta.DecideAppend(context.Background(), in, append(dst[:0], prefix...), &pay)
			require.NoError(t, err, name)
			require.Equal(t, prefix, got[:len(prefix)], name)
			got = got[len(prefix):]
			if len(want) == 0 {
				require.Empty(t, got, name)
				continue
			}
			require.Equal(t, want, got, name)
			seen[len(got)] = true
		}
	}
	// The cases reach decisions of one event and of several.
	require.True(t, seen[1], "a decision of one event")
	require.True(t, seen[3] || seen[4], "a decision of several events")
}

// TestDecideAppendReusesPayloads: once the Payloads' arrays are large
// enough, a decision into them allocates nothing, and the events point into
// them.
func TestDecideAppendReusesPayloads(t *testing.T) {
	p := carrierPolicy(t)
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, p.loc)
	c := benchCases(now)[0]
	st := NewStage(p, Options{History: NewHistory(), Workload: NewWorkload()})
	var pay kesu.Payloads
	dst := make([]complaint.Event, 0, 8)
	in := kesu.Input{Ticket: c.t, Customer: c.c, Trigger: &complaint.Event{Type: complaint.EventAccepted}, Now: now}
	out, err := st.DecideAppend(context.Background(), in, dst, &pay)
	require.NoError(t, err)
	require.NotEmpty(t, out)
	for _, e := range out {
		switch {
		case e.Dispatch != nil:
			require.Same(t, &pay.Dispatch, e.Dispatch)
		case e.Assign != nil:
			require.Same(t, &pay.Assign, e.Assign)
		case e.Deadlines != nil:
			require.Same(t, &pay.Deadlines, e.Deadlines)
		case e.Tags != nil:
			require.Same(t, &pay.Tags[0], &e.Tags[0])
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := st.DecideAppend(context.Background(), in, dst[:0], &pay); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

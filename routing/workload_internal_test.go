package routing

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
)

// workloadEvent returns a well-formed event of type et; assignee names the
// assignment's handler.
func workloadEvent(et complaint.EventType, assignee string, at time.Time) complaint.Event {
	e := complaint.Event{Type: et, At: at, Text: "x"}
	switch et {
	case complaint.EventReceived:
		e.Intake = &complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
			Category: "billing.dispute", Region: "gd.gz", Customer: "C1", Text: "x", ReceivedAt: at}
	case complaint.EventTagged:
		e.Tags = []complaint.Tag{{Name: "vip", Rule: "r"}}
	case complaint.EventDispatched, complaint.EventTransferred:
		e.Dispatch = &complaint.Dispatch{Unit: "u1"}
	case complaint.EventAssigned:
		e.Assign = &complaint.Assign{Assignee: assignee}
	case complaint.EventDeadlinesSet:
		e.Deadlines = &complaint.Deadlines{Resolve: at.Add(48 * time.Hour)}
	case complaint.EventApproved:
		e.Approval = &complaint.Approval{Amount: 100}
	case complaint.EventEscalated:
		e.Escalation = &complaint.Escalation{Target: "12300"}
	case complaint.EventResolved:
		e.Resolution = &complaint.Resolution{Outcome: "done"}
	case complaint.EventVisited:
		e.Visit = &complaint.Visit{Satisfied: true}
	case complaint.EventClosed:
		e.Closing = &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "u1"}}
	case complaint.EventMerged:
		e.Merge = &complaint.Merge{Problem: "P1"}
	}
	return e
}

// workloadState is what Workload counts a ticket by.
func workloadState(t *complaint.Ticket) (open bool, assignee string) { return t.Open(), t.Assignee }

// TestWorkloadSkipsOnlyStillEvents holds movesWork to the lifecycle: every
// event type it skips, applied in every status that allows it (reached
// with and without an assignee), leaves the ticket's assignee and
// openness as they were; and each type it does not skip is one that can
// change them (or closes the ticket's life: visited, closed).
func TestWorkloadSkipsOnlyStillEvents(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	paths := [][]complaint.EventType{
		{},
		{complaint.EventAccepted},
		{complaint.EventDispatched},
		{complaint.EventDispatched, complaint.EventAssigned},
		{complaint.EventDispatched, complaint.EventAssigned, complaint.EventWaiting},
		{complaint.EventDispatched, complaint.EventAssigned, complaint.EventReplied},
		{complaint.EventDispatched, complaint.EventAssigned, complaint.EventResolved},
		{complaint.EventDispatched, complaint.EventAssigned, complaint.EventResolved, complaint.EventVisited},
		{complaint.EventDispatched, complaint.EventAssigned, complaint.EventResolved, complaint.EventClosed},
		{complaint.EventDispatched, complaint.EventAssigned, complaint.EventResolved, complaint.EventClosed, complaint.EventReopened},
	}
	applied := map[complaint.EventType]int{}
	changed := map[complaint.EventType]bool{}
	for _, path := range paths {
		base := new(complaint.Ticket)
		ev := workloadEvent(complaint.EventReceived, "", t0)
		require.NoError(t, complaint.Apply(base, &ev))
		for i, et := range path {
			ev := workloadEvent(et, "A1", t0.Add(time.Duration(i+1)*time.Minute))
			require.NoError(t, complaint.Apply(base, &ev), "path %v", path)
		}
		for _, et := range complaint.EventTypes {
			if !complaint.Can(base.Status, et) {
				continue
			}
			tk := *base
			tk.Tags = slices.Clone(base.Tags)
			ev := workloadEvent(et, "A2", t0.Add(time.Hour))
			require.NoError(t, complaint.Apply(&tk, &ev), "%s in %s", et, base.Status)
			applied[et]++
			open0, a0 := workloadState(base)
			open1, a1 := workloadState(&tk)
			if open0 != open1 || a0 != a1 {
				changed[et] = true
				require.True(t, movesWork(et), "%s in %s changes (open %v→%v, assignee %q→%q) but Workload skips it",
					et, base.Status, open0, open1, a0, a1)
			}
		}
	}
	for _, et := range complaint.EventTypes {
		if et == complaint.EventReceived {
			continue
		}
		require.Positive(t, applied[et], "%s was never applied: add a path to a status that allows it", et)
		if movesWork(et) && !changed[et] {
			// Visited and closed change nothing counted (the ticket is
			// already resolved) but end its life; Workload looks at them
			// so that a ticket it never saw resolved is still let go.
			require.Contains(t, []complaint.EventType{complaint.EventVisited, complaint.EventClosed}, et,
				"%s is looked at but never changes a ticket's assignee or openness", et)
		}
	}
}

// refWorkload is Workload as it was before it skipped events: it looks up
// every event's ticket.
type refWorkload struct {
	byTicket map[string]string
	load     map[string]int
}

func (w *refWorkload) observe(t *complaint.Ticket) {
	cur := ""
	if t.Open() {
		cur = t.Assignee
	}
	prev := w.byTicket[t.ID]
	if prev == cur {
		return
	}
	if prev != "" {
		if w.load[prev]--; w.load[prev] <= 0 {
			delete(w.load, prev)
		}
	}
	if cur == "" {
		delete(w.byTicket, t.ID)
		return
	}
	w.byTicket[t.ID] = cur
	w.load[cur]++
}

// TestWorkloadMatchesReference walks random lifecycles of many tickets,
// interleaved, and checks after every event that Workload counts every
// handler's load as the reference that looks at every event does.
func TestWorkloadMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	w := NewWorkload()
	ref := &refWorkload{byTicket: map[string]string{}, load: map[string]int{}}
	handlers := []string{"A1", "A2", "A3", "A4"}
	tickets := make([]*complaint.Ticket, 40)
	for i := range tickets {
		tickets[i] = new(complaint.Ticket)
	}
	at := t0
	for n := range 20000 {
		tk := tickets[rng.IntN(len(tickets))]
		at = at.Add(time.Minute)
		var ev complaint.Event
		if tk.Version == 0 || (tk.Status == complaint.StatusClosed && rng.IntN(4) == 0) {
			*tk = complaint.Ticket{}
			ev = workloadEvent(complaint.EventReceived, "", at)
			ev.Ticket = fmt.Sprintf("T%d", n)
			ev.Intake.ExternalID = ev.Ticket
		} else {
			allowed := complaint.Allowed(tk.Status)
			ev = workloadEvent(allowed[rng.IntN(len(allowed))], handlers[rng.IntN(len(handlers))], at)
			ev.Ticket = tk.ID
		}
		ev.Seq = tk.Version + 1
		require.NoError(t, complaint.Apply(tk, &ev))
		if ev.Type == complaint.EventReceived {
			tk.ID = ev.Ticket
		}
		w.Observe(&ev, tk)
		ref.observe(tk)
		for _, h := range handlers {
			require.Equal(t, ref.load[h], w.Load(h), "handler %s after event %d (%s on %s)", h, n, ev.Type, tk.ID)
		}
		// It holds exactly the open, assigned tickets (and frees the others' slots for reuse).
		require.Equal(t, len(ref.byTicket), w.tab.Len(), "tickets held after event %d", n)
		require.Equal(t, len(ref.byTicket)+len(w.free), len(w.held), "slots held or free after event %d", n)
	}
	require.NotEmpty(t, slices.Collect(maps.Keys(ref.load)), "the walk left no ticket assigned: it tested little")
}

// BenchmarkWorkloadObserve shows Workload the events of ticket lifecycles
// as a replay does (received, accepted, tagged, deadlines, dispatched,
// assigned, contacted, urged, replied, resolved, visited, closed) over
// 100,000 tickets, against the reference that looks up every event's
// ticket. ns/op is per event.
func BenchmarkWorkloadObserve(b *testing.B) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	life := []complaint.EventType{complaint.EventReceived, complaint.EventAccepted, complaint.EventTagged,
		complaint.EventDeadlinesSet, complaint.EventDispatched, complaint.EventAssigned, complaint.EventContacted,
		complaint.EventUrged, complaint.EventReplied, complaint.EventResolved, complaint.EventVisited, complaint.EventClosed}
	const n = 100000
	tickets := make([]complaint.Ticket, n)
	evs := make([]complaint.Event, len(life))
	states := make([][]complaint.Ticket, len(life)) // each ticket after each event, by event
	for k, et := range life {
		evs[k] = workloadEvent(et, "A1", t0)
		states[k] = make([]complaint.Ticket, n)
	}
	for i := range tickets {
		tk := &tickets[i]
		for k := range life {
			ev := evs[k]
			ev.Ticket = fmt.Sprintf("T%07d", i)
			if ev.Assign != nil {
				ev.Assign = &complaint.Assign{Assignee: fmt.Sprintf("A%d", i%500)}
			}
			if err := complaint.Apply(tk, &ev); err != nil {
				b.Fatal(err)
			}
			states[k][i] = *tk
		}
	}
	run := func(b *testing.B, observe func(e *complaint.Event, t *complaint.Ticket)) {
		b.ReportAllocs()
		k, i := 0, 0
		for b.Loop() {
			observe(&evs[k], &states[k][i])
			// Interleave the tickets: each event of a ticket comes after
			// a stride of other tickets' (its state is not in cache).
			if i++; i == n {
				i = 0
				if k++; k == len(life) {
					k = 0
				}
			}
		}
	}
	b.Run("workload", func(b *testing.B) {
		w := NewWorkload()
		run(b, w.Observe)
	})
	b.Run("baseline-every-event", func(b *testing.B) {
		ref := &refWorkload{byTicket: map[string]string{}, load: map[string]int{}}
		var mu sync.Mutex // as Workload locks
		run(b, func(_ *complaint.Event, t *complaint.Ticket) {
			mu.Lock()
			ref.observe(t)
			mu.Unlock()
		})
	})
}

// TestWorkloadForget forgets assigned tickets (kesu.Forgetter, as a replay
// window forgetting tickets idle past its horizon): each stops counting in
// its handler's load, its slot is reused, forgetting it again or a ticket
// never held changes nothing, and an event of a forgotten ticket seen
// later counts it again.
func TestWorkloadForget(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	w := NewWorkload()
	tickets := map[string]*complaint.Ticket{}
	assign := func(id, who string) {
		tk := tickets[id]
		if tk == nil {
			tk = new(complaint.Ticket)
			tickets[id] = tk
			for _, et := range []complaint.EventType{complaint.EventReceived, complaint.EventAccepted, complaint.EventDispatched} {
				e := workloadEvent(et, "", t0)
				e.Ticket, e.Seq = id, tk.Version+1
				require.NoError(t, complaint.Apply(tk, &e))
				w.Observe(&e, tk)
			}
		}
		e := workloadEvent(complaint.EventAssigned, who, t0)
		e.Ticket, e.Seq = id, tk.Version+1
		require.NoError(t, complaint.Apply(tk, &e))
		w.Observe(&e, tk)
	}
	assign("T1", "a")
	assign("T2", "a")
	assign("T3", "b")
	require.Equal(t, []int{2, 1}, []int{w.Load("a"), w.Load("b")})

	w.Forget(&complaint.Ticket{ID: "T1"}, t0)
	w.Forget(&complaint.Ticket{ID: "T1"}, t0)
	w.Forget(&complaint.Ticket{ID: "T9"}, t0)
	require.Equal(t, []int{1, 1}, []int{w.Load("a"), w.Load("b")})
	w.Forget(&complaint.Ticket{ID: "T3"}, t0)
	require.Equal(t, []int{1, 0}, []int{w.Load("a"), w.Load("b")})
	require.Equal(t, 1, w.tab.Len())
	require.Len(t, w.free, 2, "the forgotten tickets' slots are free")
	_, hasB := w.load["b"]
	require.False(t, hasB, "a handler with no ticket is not kept")

	assign("T1", "b") // the forgotten ticket comes back (a replay would have skipped its event)
	require.Equal(t, []int{1, 1}, []int{w.Load("a"), w.Load("b")})
	require.Len(t, w.free, 1)
}

// TestHistoryForget forgets customers' open tickets (kesu.Forgetter): each
// stops counting as open at once; a customer whose tickets are all
// forgotten is dropped at the first Tick after its contacts leave the
// window, as one whose tickets closed; forgetting a ticket not held, or a
// customer not known, changes nothing.
func TestHistoryForget(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	h := NewHistory()
	take := func(id, customer string, at time.Time) *complaint.Ticket {
		tk := new(complaint.Ticket)
		e := workloadEvent(complaint.EventReceived, "", at)
		e.Intake.Customer = customer
		e.Ticket, e.Seq = id, 1
		require.NoError(t, complaint.Apply(tk, &e))
		h.Observe(&e, tk)
		return tk
	}
	a1, a2 := take("A1", "CA", t0), take("A2", "CA", t0.Add(time.Hour))
	b1 := take("B1", "CB", t0)
	now := t0.Add(2 * time.Hour)
	require.Equal(t, 2, h.Lookup("CA", "", "billing.dispute", now).Open)

	h.Forget(a1, now)
	h.Forget(a1, now)
	h.Forget(&complaint.Ticket{ID: "A9", Customer: "CA"}, now)
	h.Forget(&complaint.Ticket{ID: "Z1", Customer: "CZ"}, now)
	h.Forget(&complaint.Ticket{ID: "N1"}, now)
	v := h.Lookup("CA", "", "billing.dispute", now)
	require.Equal(t, 1, v.Open)
	require.Equal(t, 2, v.Contacts30d, "the contacts stay: they are history")
	h.Forget(a2, now)
	require.Zero(t, h.Lookup("CA", "", "billing.dispute", now).Open)

	later := t0.Add(HistoryWindow + 2*time.Hour)
	require.NoError(t, h.Tick(context.Background(), later))
	require.Equal(t, 1, h.Len(), "CA is dropped; CB keeps its open ticket")
	h.Forget(b1, later)
	require.NoError(t, h.Tick(context.Background(), later.Add(time.Hour)))
	require.Zero(t, h.Len(), "nothing recent and nothing open: dropped")
}

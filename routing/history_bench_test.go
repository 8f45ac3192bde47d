package routing

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

type histObs struct {
	e *complaint.Event
	t *complaint.Ticket
}

// historyStream builds the lifecycles of tickets first … first+n-1 (9 events
// each: received, accepted, dispatched, assigned, deadlines-set, replied,
// resolved, visited, closed), ticket i at start + i·20 s, each event paired with the
// ticket folded up to it, and interleaves them by time the way a replayed
// log is (a ticket's events spread over two days). Customers come from a
// pool of customers, so some call again within the window.
func historyStream(tb testing.TB, start time.Time, first, n, customers int) []histObs {
	tb.Helper()
	type timed struct {
		histObs
		at time.Time
	}
	var all []timed
	for i := first; i < first+n; i++ {
		t0 := start.Add(time.Duration(i) * 20 * time.Second)
		evs := []complaint.Event{
			{Type: complaint.EventReceived, Intake: &complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
				Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: fmt.Sprintf("C%07d", (i*7919)%customers)}},
			{Type: complaint.EventAccepted},
			{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "centre", Queue: "team-1"}},
			{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "a1"}},
			{Type: complaint.EventDeadlinesSet, Deadlines: &complaint.Deadlines{Reply: t0.Add(4 * time.Hour), Resolve: t0.Add(48 * time.Hour)}},
			{Type: complaint.EventReplied},
			{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "ok"}},
			{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: true}},
			{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "centre", Cause: "c", Side: "front-line"}}},
		}
		offs := []time.Duration{0, time.Minute, 2 * time.Minute, 10 * time.Minute, 11 * time.Minute, 3 * time.Hour, 20 * time.Hour, 30 * time.Hour, 40 * time.Hour}
		t := new(complaint.Ticket)
		for j := range evs {
			e := &evs[j]
			e.Ticket, e.Seq, e.At = fmt.Sprintf("T%08d", i), j+1, t0.Add(offs[j])
			if err := complaint.Apply(t, e); err != nil {
				tb.Fatal(err)
			}
			all = append(all, timed{histObs{e, t.Clone()}, e.At})
		}
	}
	slices.SortStableFunc(all, func(a, b timed) int { return a.at.Compare(b.at) })
	out := make([]histObs, len(all))
	for i := range all {
		out[i] = all[i].histObs
	}
	return out
}

// BenchmarkHistoryObserve measures History.Observe per event on a replayed,
// interleaved stream (20,000 tickets, 180,000 events, 5,000 customers),
// against a plain baseline in the same run that only counts events per type.
// Each round replays the whole stream into a fresh History, ticking every
// simulated hour as the engine does, so the figure includes growing and
// forgetting customers.
func BenchmarkHistoryObserve(b *testing.B) {
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	evs := historyStream(b, start, 0, 20000, 5000)
	b.Run("plain", func(b *testing.B) {
		var counts [64]int64
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			o := evs[i%len(evs)]
			counts[len(o.e.Type)]++
		}
	})
	for _, impl := range []struct {
		name string
		new  func() historyIndex
	}{{"history", func() historyIndex { return NewHistory() }}, {"reference", func() historyIndex { return newRefHistory() }}} {
		b.Run(impl.name, func(b *testing.B) {
			h := impl.new()
			next := start.Add(time.Hour)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := i % len(evs)
				if k == 0 {
					h, next = impl.new(), start.Add(time.Hour)
				}
				o := evs[k]
				for o.e.At.After(next) {
					_ = h.Tick(b.Context(), next)
					next = next.Add(time.Hour)
				}
				h.Observe(o.e, o.t)
			}
		})
	}
}

// BenchmarkHistoryLookup measures History.Lookup (and, in the same run, the
// reference implementation's) on the index the replay of
// BenchmarkHistoryObserve's stream leaves, for its tickets' customers in
// turn, as of the stream's end.
func BenchmarkHistoryLookup(b *testing.B) {
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	evs := historyStream(b, start, 0, 20000, 5000)
	end := evs[len(evs)-1].e.At
	var asks []*complaint.Ticket
	for _, o := range evs {
		if o.e.Type == complaint.EventReceived {
			asks = append(asks, o.t)
		}
	}
	for _, impl := range []struct {
		name string
		h    historyIndex
	}{{"history", NewHistory()}, {"reference", newRefHistory()}} {
		for _, o := range evs {
			impl.h.Observe(o.e, o.t)
		}
		b.Run(impl.name, func(b *testing.B) {
			var sum int
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				t := asks[i%len(asks)]
				v := impl.h.Lookup(t.Customer, t.ID, t.Category, end)
				sum += v.Contacts30d + v.Open
			}
			if sum < 0 {
				b.Fatal(sum)
			}
		})
	}
}

// TestHistoryMemoryIsBounded replays a long stream (one ticket every 20 s,
// 60 days, 259,200 tickets, 2.3 M events, 200,000 customers) through
// History with an hourly Tick and checks that the heap it holds does not
// grow with the stream: it depends on the customers active in the window.
func TestHistoryMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("long stream")
	}
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	h := NewHistory()
	next := start.Add(time.Hour)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	const perChunk = 43200 // 10 days
	var sizes []uint64
	for c := range 6 {
		evs := historyStream(t, start, c*perChunk, perChunk, 200000)
		for _, o := range evs {
			for o.e.At.After(next) {
				_ = h.Tick(t.Context(), next)
				next = next.Add(time.Hour)
			}
			h.Observe(o.e, o.t)
		}
		evs = nil
		sizes = append(sizes, heap()-min(base, heap()))
		t.Logf("after %3d days (%7d tickets): %6d customers, heap %.1f MB", (c+1)*10, (c+1)*perChunk, h.Len(), float64(sizes[c])/1e6)
	}
	// from day 40 on the window is full: the heap must stay flat (±25 %)
	if last, ref := sizes[len(sizes)-1], sizes[3]; float64(last) > 1.25*float64(ref) {
		t.Errorf("heap grew from %d to %d bytes after the window filled", ref, last)
	}
}

package scoring_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

// longStream feeds book the lifecycles of tickets first … first+n-1, ticket i
// received at start + i·every, each with 9 events (received, accepted,
// dispatched, assigned, deadlines-set, replied, resolved, visited, closed)
// over two days, spread over 400 branches, 30 categories, 60 teams, 600
// agents and 20 partners. Nothing is kept but the book.
func longStream(tb testing.TB, book *scoring.Book, start time.Time, every time.Duration, first, n int) {
	tb.Helper()
	regions := make([]string, 400)
	for i := range regions {
		regions[i] = fmt.Sprintf("gd.c%02d.d%02d.s%02d", i/40, i/8%5, i%8)
	}
	cats := make([]string, 30)
	for i := range cats {
		cats[i] = fmt.Sprintf("b%d.c%02d", i%6, i)
	}
	teams, agents, partners := make([]string, 60), make([]string, 600), make([]string, 20)
	for i := range teams {
		teams[i] = fmt.Sprintf("team-%02d", i)
	}
	for i := range agents {
		agents[i] = fmt.Sprintf("agent-%03d", i)
	}
	for i := range partners {
		partners[i] = fmt.Sprintf("SP%02d", i)
	}
	offs := []time.Duration{0, time.Minute, 2 * time.Minute, 10 * time.Minute, 11 * time.Minute, 3 * time.Hour,
		20*time.Hour + time.Duration(first%7)*time.Hour, 30 * time.Hour, 40 * time.Hour}
	var evs [9]complaint.Event
	for i := first; i < first+n; i++ {
		t0 := start.Add(time.Duration(i) * every)
		part := ""
		if i%3 == 0 {
			part = partners[i%len(partners)]
		}
		evs = [9]complaint.Event{
			{Type: complaint.EventReceived, Intake: &complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
				Category: cats[i%len(cats)], Region: regions[i*7%len(regions)], Customer: "C", Partner: part}},
			{Type: complaint.EventAccepted},
			{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "centre", Queue: teams[i%len(teams)], Centralised: i%10 != 0}},
			{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: agents[i*13%len(agents)]}},
			{Type: complaint.EventDeadlinesSet, Deadlines: &complaint.Deadlines{Reply: t0.Add(4 * time.Hour), Resolve: t0.Add(48 * time.Hour)}},
			{Type: complaint.EventReplied},
			{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "ok"}},
			{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: i%5 != 0}},
			{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "centre", Cause: "c",
				Side: "front-line", Department: fmt.Sprint("d", i%9)}}},
		}
		var t complaint.Ticket
		for j := range evs {
			e := &evs[j]
			e.Ticket, e.Seq, e.At = "T", j+1, t0.Add(offs[j]+time.Duration(i%11)*time.Minute)
			if err := complaint.Apply(&t, e); err != nil {
				tb.Fatal(err)
			}
			book.Observe(e, &t)
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBookMemoryIsBounded feeds a default Book four years of tickets (one
// every 6 minutes, 350,640 tickets, 3.2 M events, 1,190 units) and checks
// that the heap it holds stops growing once the retention is full: weeks
// after 60 weeks, months after 37 months. It logs the heap per quarter.
func TestBookMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("long stream")
	}
	book, err := scoring.NewBook(scoring.Default(), scoring.BookConfig{})
	if err != nil {
		t.Fatal(err)
	}
	start := at(2024, 1, 1, 0, 0)
	const every = 6 * time.Minute
	perQuarter := int(91 * 24 * time.Hour / every)
	base := heapInUse()
	var sizes []float64
	for q := range 16 {
		longStream(t, book, start, every, q*perQuarter, perQuarter)
		h := heapInUse()
		sizes = append(sizes, float64(h)-float64(base))
		units := 0
		for _, n := range book.Stats().Units {
			units += n
		}
		t.Logf("quarter %2d: %7d tickets, %4d units, heap %6.1f MB (%.0f bytes per unit)", q+1, (q+1)*perQuarter, units,
			sizes[q]/1e6, sizes[q]/float64(units))
	}
	runtime.KeepAlive(book)
	// the last year (months 37–48) adds nothing: every slot is reused
	if last, ref := sizes[15], sizes[12]; last > ref*1.05 {
		t.Errorf("heap grew from %.1f MB to %.1f MB in the fourth year", ref/1e6, last/1e6)
	}
}

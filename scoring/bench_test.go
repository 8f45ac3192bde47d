package scoring_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

type obs struct {
	e *complaint.Event
	t *complaint.Ticket
}

// stream builds n tickets' lifecycles (9 events each, all in March 2025),
// each event paired with the ticket folded up to it.
func stream(b *testing.B, n int) []obs {
	regions := []string{"gd.gz.th.s01", "gd.gz.th.s02", "gd.gz.yx.s01", "gd.sz.ns.s01", "gd.sz.ft.s01"}
	cats := []string{"billing.dispute", "vas.unaware", "marketing.unaware", "network.quality", "broadband.delay"}
	return streamOf(b, n, regions, cats, 8, 40, 7, 1)
}

// wideStream is stream with as many units as a province: 400 branches, 30
// categories, 60 teams, 600 agents and 20 partners.
func wideStream(b *testing.B, n int) []obs {
	var regions, cats []string
	for i := range 400 {
		regions = append(regions, "gd.c"+strconv.Itoa(i%20)+".x"+strconv.Itoa(i%80)+".s"+strconv.Itoa(i))
	}
	for i := range 30 {
		cats = append(cats, "b"+strconv.Itoa(i%6)+".c"+strconv.Itoa(i))
	}
	return streamOf(b, n, regions, cats, 60, 600, 20, 7)
}

// streamOf builds n tickets' lifecycles over the given units; stride
// spreads consecutive tickets over the regions, categories and agents.
func streamOf(b *testing.B, n int, regions, cats []string, teams, agents, partners, stride int) []obs {
	b.Helper()
	var out []obs
	base := at(2025, 3, 1, 8, 0)
	for i := range n {
		id := "T" + strconv.Itoa(i)
		t0 := base.Add(time.Duration(i) * time.Minute)
		agent := "a" + strconv.Itoa(i*stride%agents)
		evs := []complaint.Event{
			{Type: complaint.EventReceived, Intake: &complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
				Category: cats[i*stride%len(cats)], Region: regions[i*stride%len(regions)], Customer: "C" + strconv.Itoa(i), Partner: "SP" + strconv.Itoa(i%partners)}},
			{Type: complaint.EventAccepted},
			{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "centre", Queue: "team-" + strconv.Itoa(i%teams), Centralised: i%10 != 0}},
			{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: agent}},
			{Type: complaint.EventDeadlinesSet, Deadlines: &complaint.Deadlines{Reply: t0.Add(4 * time.Hour), Resolve: t0.Add(48 * time.Hour)}},
			{Type: complaint.EventReplied},
			{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "ok"}},
			{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: i%5 != 0}},
			{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "centre", Cause: "c", Side: "front-line", Department: "d" + strconv.Itoa(i%3)}}},
		}
		t := new(complaint.Ticket)
		for j := range evs {
			e := &evs[j]
			e.Ticket, e.Seq, e.At = id, j+1, t0.Add(time.Duration(j)*time.Hour)
			if err := complaint.Apply(t, e); err != nil {
				b.Fatal(err)
			}
			out = append(out, obs{e, t.Clone()})
		}
	}
	return out
}

// naive is the plain way to keep the same scorecards: a map keyed by a
// formatted string per dimension, period and counter.
type naive struct{ m map[string]int64 }

func (n *naive) observe(e *complaint.Event, t *complaint.Ticket) {
	var fact string
	switch e.Type {
	case complaint.EventReceived:
		fact = "received"
	case complaint.EventResolved:
		fact = "resolved"
	case complaint.EventVisited:
		fact = "visited"
	case complaint.EventClosed:
		fact = "closed"
	case complaint.EventDispatched:
		fact = "dispatched"
	default:
		return
	}
	month := e.At.In(cst).Format("2006-01")
	for _, u := range []string{"all", complaint.Truncate(t.Region, 1), complaint.Truncate(t.Region, 2), complaint.Truncate(t.Region, 3),
		complaint.Truncate(t.Region, 4), t.Category, t.Queue, t.Assignee, t.Partner} {
		n.m[u+"|"+month+"|"+fact]++
	}
}

// BenchmarkObserve measures the Book per event in steady state (every unit
// and period already seen) against two baselines in the same run: "plain"
// does the least possible (one counter per event type) and "naive-map"
// keeps similar scorecards in a map keyed by formatted strings. "hot" cycles
// through 64 tickets (576 events, in cache, as when the engine notifies an
// observer right after storing a batch); "cold" through 1000 tickets (9000
// events and tickets, several MB: mostly memory latency); "wide" through
// 4000 tickets over 1,110 units (as many as a province's: 400 branches, 30
// categories, 60 teams, 600 agents, 20 partners), almost three days.
func BenchmarkObserve(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"hot", 64}, {"cold", 1000}, {"wide", 4000}} {
		evs := stream(b, size.n)
		if size.name == "wide" {
			evs = wideStream(b, size.n)
		}
		b.Run(size.name+"/plain", func(b *testing.B) {
			var counts [32]int64
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				o := evs[i%len(evs)]
				counts[len(o.e.Type)]++
			}
		})
		b.Run(size.name+"/naive-map", func(b *testing.B) {
			n := &naive{m: map[string]int64{}}
			for _, o := range evs {
				n.observe(o.e, o.t)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				o := evs[i%len(evs)]
				n.observe(o.e, o.t)
			}
		})
		for _, c := range []struct {
			name string
			cfg  scoring.BookConfig
		}{
			{"book-month", scoring.BookConfig{Periods: []scoring.PeriodKind{scoring.Month}}},
			{"book-default", scoring.BookConfig{}},
		} {
			b.Run(size.name+"/"+c.name, func(b *testing.B) {
				book, err := scoring.NewBook(scoring.Default(), c.cfg)
				if err != nil {
					b.Fatal(err)
				}
				for _, o := range evs { // warm up: every unit and period seen
					book.Observe(o.e, o.t)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					o := evs[i%len(evs)]
					book.Observe(o.e, o.t)
				}
			})
		}
	}
}

// BenchmarkScorecard measures reading one scorecard.
func BenchmarkScorecard(b *testing.B) {
	evs := stream(b, 1000)
	book, err := scoring.NewBook(scoring.Default(), scoring.BookConfig{})
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range evs {
		book.Observe(o.e, o.t)
	}
	p, _ := scoring.ParsePeriod("2025-03", cst)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := book.Scorecard(b.Context(), "city", "gd.gz", p, p.End()); err != nil {
			b.Fatal(err)
		}
	}
}

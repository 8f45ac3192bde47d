package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

// BenchEvents is how many events the rebuild benchmarks load:
// KESU_BENCH_EVENTS, default 1,000,000.
func BenchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("KESU_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// BenchTicket returns ticket number i of the benchmark stream with its
// first four events (received, accepted, tagged, dispatched), as an engine
// with tagging and routing stores them on intake.
func BenchTicket(i int) complaint.NewTicket {
	id := fmt.Sprintf("B%09d", i)
	at := Base.Add(time.Duration(i) * time.Second)
	tk, evs := Fixture(id, "EXT-"+id, complaint.Intake{Customer: "C" + strconv.Itoa(i%5000), Subscriber: "1380000" + strconv.Itoa(i%10000),
		Region: [...]string{"gd.gz.th", "gd.gz.yx", "gd.sz.ft", "gd.fs.nh"}[i%4], Category: [...]string{"vas.unaware", "billing.dispute", "network.quality"}[i%3],
		Text: "客户反映未经同意开通视频彩铃业务,要求退费并取消"}, at)
	n, more := Step(tk, at,
		complaint.Event{Type: complaint.EventTagged, Tags: []complaint.Tag{{Name: "unaware-subscription", Rule: "vas-unaware", At: at}}},
		complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "gz", Queue: "city-centre", Tier: complaint.TierCity, Route: "root/vas"}})
	return complaint.NewTicket{Ticket: n, Events: append(evs, more...)}
}

// Load fills s with the benchmark stream up to n events, in batches of
// 1000 tickets through CreateBatch when s has it (Create otherwise).
func Load(ctx context.Context, tb testing.TB, s complaint.Store, n int) {
	tb.Helper()
	bc, _ := s.(complaint.BatchCreator)
	batch := make([]complaint.NewTicket, 0, 1000)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if bc != nil {
			if err := bc.CreateBatch(ctx, batch); err != nil {
				tb.Fatal(err)
			}
		} else {
			for _, nt := range batch {
				if err := s.Create(ctx, nt.Ticket, nt.Events); err != nil {
					tb.Fatal(err)
				}
			}
		}
		batch = batch[:0]
	}
	for i := 0; i*4 < n; i++ {
		batch = append(batch, BenchTicket(i))
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
}

// BenchIntake measures storing benchmark tickets (4 events each, see
// BenchTicket) in s in batches of size batch: 1 is one Create per ticket,
// more is one CreateBatch per batch when s is a complaint.BatchCreator.
// One op is one ticket; the tickets are made before the timer starts, and
// tickets/s is reported.
func BenchIntake(b *testing.B, s complaint.Store, batch int) {
	ctx := b.Context()
	bc, _ := s.(complaint.BatchCreator)
	all := make([]complaint.NewTicket, b.N)
	for i := range all {
		all[i] = BenchTicket(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(all); i += batch {
		buf := all[i:min(i+batch, len(all))]
		if batch == 1 || bc == nil {
			for _, nt := range buf {
				if err := s.Create(ctx, nt.Ticket, nt.Events); err != nil {
					b.Fatal(err)
				}
			}
		} else if err := bc.CreateBatch(ctx, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tickets/s")
}

type countObs struct{ n, urges int }

func (c *countObs) Observe(e *complaint.Event, t *complaint.Ticket) {
	c.n++
	c.urges += t.UrgeCount
}

// BenchRebuild loads BenchEvents() events into s (with Load) and measures
// replaying them into a counting projection with kesu.Rebuild. One op is
// one whole rebuild; events/s is reported.
func BenchRebuild(b *testing.B, s complaint.Store) {
	n := BenchEvents()
	Load(b.Context(), b, s, n)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	rounds := 0
	for b.Loop() {
		var c countObs
		if _, err := kesu.Rebuild(b.Context(), s, &c); err != nil {
			b.Fatal(err)
		}
		if c.n < n {
			b.Fatalf("rebuilt %d events, want %d", c.n, n)
		}
		rounds++
	}
	b.ReportMetric(float64(n*rounds)/time.Since(start).Seconds(), "events/s")
}

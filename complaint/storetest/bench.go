package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

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

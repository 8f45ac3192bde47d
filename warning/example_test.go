package warning_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/warning"
)

// Example shows a batch warning raised with its evidence, and the ledger
// taking it to verified.
func Example() {
	ctx := context.Background()
	store := complaint.NewMemStore() // its Journal keeps the ledger
	mon, err := warning.NewMonitor(ctx, warning.Options{Journal: store})
	if err != nil {
		panic(err)
	}
	zone := time.FixedZone("CST", 8*3600)
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, zone)
	n := 0
	intake := func(at time.Time, region, category, customer string) {
		n++
		in := complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: category,
			Region: region, Customer: customer, Partner: "SP1", ReceivedAt: at}
		ev := complaint.Event{Ticket: fmt.Sprintf("T%04d", n), Seq: 1, Type: complaint.EventReceived, At: at, Intake: &in}
		t := new(complaint.Ticket)
		if err := complaint.Apply(t, &ev); err != nil {
			panic(err)
		}
		mon.Observe(&ev, t) // the engine does this for every stored event
	}
	// Five quiet weeks: one unaware-subscription complaint a day in Tianhe.
	for d := 0; d < 35; d++ {
		intake(start.AddDate(0, 0, d).Add(10*time.Hour), "gd.gz.th.s01", "vas.unaware", fmt.Sprintf("Q%d", d))
		_ = mon.Tick(ctx, start.AddDate(0, 0, d+1))
	}
	// Then eight in fifteen minutes, from eight customers.
	burst := start.AddDate(0, 0, 35).Add(9 * time.Hour)
	for i := 0; i < 8; i++ {
		intake(burst.Add(time.Duration(i*2)*time.Minute), "gd.gz.th.s01", "vas.unaware", fmt.Sprintf("B%d", i))
	}
	_ = mon.Tick(ctx, burst.Add(time.Hour))
	for _, w := range mon.Active() {
		if w.Key.Get("region") != "gd.gz.th" {
			continue
		}
		ev := w.Evidence
		fmt.Println("warning:", w.Kind, w.Key)
		fmt.Println("window:", ev.Window, "observed:", ev.Observed, "customers:", ev.Customers, "members:", ev.Members)
		fmt.Println("baseline < 1:", ev.Baseline < 1, "p below threshold:", ev.PValue < ev.Threshold)
		fmt.Println("grade:", w.Grade, "by", w.GradedBy)
		l := mon.Ledger()
		now := burst.Add(time.Hour)
		e, _ := l.Acknowledge(ctx, w.ID, "duty-officer", burst.Add(20*time.Minute))
		fmt.Println(e.State, "late:", e.AckLate)
		e, _ = l.Handle(ctx, w.ID, warning.Feedback{By: "vas-dept", Text: "SP1 suspended, charges refunded"}, now.Add(time.Hour))
		fmt.Println(e.State, "late:", e.FeedbackLate)
		e, _ = l.Verify(ctx, w.ID, "quality", "refunds confirmed", now.Add(24*time.Hour))
		fmt.Println(e.State)
	}
	// Output:
	// warning: batch category=vas.unaware,region=gd.gz.th
	// window: 15m observed: 5 customers: 5 members: 8
	// baseline < 1: true p below threshold: true
	// grade: I by default/batch/15m
	// acknowledged late: false
	// handled late: false
	// verified
}

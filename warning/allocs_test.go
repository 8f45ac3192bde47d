package warning_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/warning"
)

// TestQuietPathAllocs asserts that Observe does not allocate for received
// tickets that join no warning, once their keys and customers exist: the
// per-ticket work of the batch, trend, repeat, escalation and deadline
// detectors on the quiet path.
func TestQuietPathAllocs(t *testing.T) {
	ctx := context.Background()
	off := warning.Duration(0)
	mon, err := warning.NewMonitor(ctx, warning.Options{Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off}}})
	if err != nil {
		t.Fatal(err)
	}
	regions := []string{"gd.gz.th.s01", "gd.gz.yx.s02", "gd.sz.ns.s01", "gd.fs.cc.s03"}
	cats := []string{"billing.dispute", "network.signal", "service.attitude"}
	const customers = 6500 // a ticket every 7 minutes: a customer comes back after 45 days
	at := t0
	i := 0
	// One ticket at a time, spread over keys and customers: every ticket is
	// its customer's first within 30 days (no repeat, no escalation state),
	// nothing bursts.
	next := func() (*complaint.Event, *complaint.Ticket) {
		i++
		at = at.Add(7 * time.Minute)
		x := complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, ReceivedAt: at,
			Region: regions[i%len(regions)], Category: cats[(i/len(regions))%len(cats)],
			Customer: fmt.Sprintf("C%04d", i%customers), Text: "the bill is wrong"}
		ev := &complaint.Event{Ticket: "T", Seq: 1, Type: complaint.EventReceived, At: at, Intake: &x}
		tk := new(complaint.Ticket)
		if err := complaint.Apply(tk, ev); err != nil {
			t.Fatal(err)
		}
		tk.ID = fmt.Sprintf("T%06d", i)
		return ev, tk
	}
	// Warm up for five weeks of stream time (the batch rings fill), with
	// ticks, so that every key and ring exists.
	for range 5 * 7 * 24 * 60 / 7 {
		ev, tk := next()
		mon.Observe(ev, tk)
		if i%100 == 0 {
			_ = mon.Tick(ctx, at)
			_ = mon.Actions()
		}
	}
	_ = mon.Tick(ctx, at)
	_ = mon.Actions()
	// The tickets are built before measuring (building them allocates).
	const n = 200
	evs := make([]*complaint.Event, n)
	tks := make([]*complaint.Ticket, n)
	for j := range n {
		evs[j], tks[j] = next()
	}
	active := len(mon.Active())
	j := 0
	allocs := testing.AllocsPerRun(n-1, func() {
		mon.Observe(evs[j], tks[j])
		j++
	})
	if got := len(mon.Active()); got != active {
		t.Fatalf("the measured tickets changed the open warnings (%d, then %d): not the quiet path", active, got)
	}
	if allocs != 0 {
		t.Errorf("Observe allocates %.2f times per quiet ticket, want 0", allocs)
	}
}

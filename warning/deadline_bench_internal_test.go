package warning

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// dlBench is a steady stream of ticket events for the deadline detector:
// open tickets, each taken through received, assigned, dispatched,
// contacted, replied, resolved and closed, then reused for a new ticket
// (a new id). Events go to the tickets in a scattered order, as a dense
// stream's do, so the detector's state is read from memory, not cache.
type dlBench struct {
	m     *Monitor
	ts    []complaint.Ticket
	phase []uint8
	ids   []string
	next  int // the next id
	i     int
	now   time.Time
	// due is how long after intake the stages are due.
	due [3]time.Duration
}

const (
	dlBenchOpen = 200_000 // tickets open at once (≈ 250 k in the dense stream)
	dlBenchStep = 400 * time.Millisecond
)

func newDlBench(b *testing.B, due [3]time.Duration) *dlBench {
	m, err := NewMonitor(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := &dlBench{m: m, ts: make([]complaint.Ticket, dlBenchOpen), phase: make([]uint8, dlBenchOpen),
		ids: make([]string, 2*dlBenchOpen), now: time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), due: due}
	for i := range d.ids {
		d.ids[i] = fmt.Sprintf("X%08d", i)
	}
	return d
}

// event applies the next event to its ticket and feeds it to the
// detector, with a tick every 1024 events.
func (d *dlBench) event() {
	d.i++
	d.now = d.now.Add(dlBenchStep)
	j := (d.i * 7919) % dlBenchOpen
	t := &d.ts[j]
	t.UpdatedAt = d.now
	switch d.phase[j] {
	case 0:
		*t = complaint.Ticket{ID: d.ids[d.next], Kind: complaint.KindComplaint, Status: complaint.StatusHandling,
			ReceivedAt: d.now, UpdatedAt: d.now, Customer: "C0000001", Region: "gd.c01.d01.s01", Category: "billing.dispute",
			Deadlines: complaint.Deadlines{FirstContact: d.now.Add(d.due[0]), Reply: d.now.Add(d.due[1]), Resolve: d.now.Add(d.due[2])}}
		d.next = (d.next + 1) % len(d.ids)
	case 1, 2: // assigned, dispatched: nothing the detector follows
	case 3:
		t.FirstContactAt = d.now
	case 4:
		t.RepliedAt = d.now
	case 5:
		t.ResolvedAt, t.Status = d.now, complaint.StatusResolved
	case 6:
		t.Status = complaint.StatusClosed
	}
	d.phase[j] = (d.phase[j] + 1) % 7
	d.m.dl.update(t, d.m)
	if d.i%1024 == 0 {
		d.m.dl.tick(d.now, d.m)
	}
}

// BenchmarkDeadlineEvents measures the deadline detector per ticket event
// in steady state (200 k open tickets; update for every event, a tick
// every 1024): tickets are resolved before their first alarm, so the
// ticks pop only dead alarms and nothing fires (firing is the Monitor's
// work, measured with the warning path).
func BenchmarkDeadlineEvents(b *testing.B) {
	d := newDlBench(b, [3]time.Duration{30 * 24 * time.Hour, 40 * 24 * time.Hour, 60 * 24 * time.Hour})
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	for range 3 * 7 * dlBenchOpen { // every ticket through its life three times
		d.event()
	}
	b.ReportAllocs()
	for b.Loop() {
		d.event()
	}
	if len(d.m.active) != 0 {
		b.Fatalf("%d warnings fired", len(d.m.active))
	}
}

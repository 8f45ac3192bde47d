package warning_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scenario"
	"github.com/kesu-go/kesu/warning"
)

// benchStream is a month of a synthetic province's intakes, folded once.
func benchStream(b *testing.B) ([]complaint.Event, []*complaint.Ticket) {
	b.Helper()
	s, err := scenario.Generate(scenario.GenConfig{Seed: 7, Days: 60, Incidents: -1})
	if err != nil {
		b.Fatal(err)
	}
	var evs []complaint.Event
	var ts []*complaint.Ticket
	for it := range s.Items() {
		if it.Intake == nil {
			continue
		}
		ev := complaint.Event{Ticket: it.Intake.ExternalID, Seq: 1, Type: complaint.EventReceived, At: it.At, Intake: it.Intake}
		t := new(complaint.Ticket)
		if err := complaint.Apply(t, &ev); err != nil {
			b.Fatal(err)
		}
		evs, ts = append(evs, ev), append(ts, t)
	}
	return evs, ts
}

// BenchmarkWarningPath measures the Monitor's Observe per received ticket
// in steady state: the first 30 days warm the state up, the timed loop
// replays the last 30 days shifted forward by whole weeks (same
// hour-of-week), so the keys, the customers and the rings are already there.
func BenchmarkWarningPath(b *testing.B) {
	evs, ts := benchStream(b)
	ctx := context.Background()
	off := warning.Duration(0)
	mon, err := warning.NewMonitor(ctx, warning.Options{Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off}}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range evs {
		mon.Observe(&evs[i], ts[i])
	}
	_ = mon.Tick(ctx, evs[len(evs)-1].At)
	_ = mon.Actions()
	half := len(evs) / 2
	period := evs[len(evs)-1].At.Sub(evs[half].At).Truncate(7*24*time.Hour) + 7*24*time.Hour
	shift := period
	var ev complaint.Event
	var t complaint.Ticket
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := half + i%(len(evs)-half)
		if j == half && i > 0 {
			b.StopTimer()
			shift += period
			_ = mon.Tick(ctx, evs[half].At.Add(shift))
			_ = mon.Actions()
			b.StartTimer()
		}
		ev = evs[j]
		ev.At = ev.At.Add(shift)
		t = *ts[j]
		t.ReceivedAt = t.ReceivedAt.Add(shift)
		mon.Observe(&ev, &t)
	}
}

// BenchmarkBaseline is the plain baseline for the same loop: copying the
// event and ticket and counting into a map keyed by region and category.
func BenchmarkBaseline(b *testing.B) {
	evs, ts := benchStream(b)
	counts := map[[2]string]int{}
	half := len(evs) / 2
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := half + i%(len(evs)-half)
		ev := evs[j]
		t := *ts[j]
		counts[[2]string{t.Region, t.Category}]++
		_ = ev
	}
}

// BenchmarkTail measures the negative-binomial tail test.
func BenchmarkTail(b *testing.B) {
	b.ReportAllocs()
	var s float64
	for i := 0; i < b.N; i++ {
		s += warning.Tail(12, 1.5, 2.5)
	}
	_ = s
}

// TestMemoryPerKey measures the state per aggregate key and per
// customer-issue entry (DESIGN.md: ≤ 1 KB and ≤ 128 B).
func TestMemoryPerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	ctx := context.Background()
	off := warning.Duration(0)
	cfg := warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off}}
	feed := func(mon *warning.Monitor, n int, in func(i int) complaint.Intake) {
		for i := 0; i < n; i++ {
			if i%1000 == 0 {
				_ = mon.Actions() // the engine drains these on Tick
			}
			x := in(i)
			x.Kind, x.Channel = complaint.KindComplaint, complaint.ChannelHotline
			if x.Customer == "" {
				x.Subscriber = "anonymous" // no customer: no customer state
			}
			at := t0.Add(time.Duration(i) * time.Second)
			x.ReceivedAt = at
			ev := complaint.Event{Ticket: "T", Seq: 1, Type: complaint.EventReceived, At: at, Intake: &x}
			tk := new(complaint.Ticket)
			if err := complaint.Apply(tk, &ev); err != nil {
				t.Fatal(err)
			}
			mon.Observe(&ev, tk)
		}
	}
	const n = 20000
	// Aggregate keys: n distinct region-L3 × sub-category keys (each ticket
	// also makes its coarse parents; they are few). No customer, so no
	// customer state.
	mon, _ := warning.NewMonitor(ctx, warning.Options{Config: cfg})
	before := heapInUse()
	feed(mon, n, func(i int) complaint.Intake {
		return complaint.Intake{Region: fmt.Sprintf("gd.c%02d.d%05d.s01", i%20, i), Category: "billing.dispute"}
	})
	_ = mon.Actions()
	perKey := float64(heapInUse()-before) / n
	runtime.KeepAlive(mon)
	// Customer-issue entries: n distinct customers on one key.
	mon2, _ := warning.NewMonitor(ctx, warning.Options{Config: cfg})
	feed(mon2, 10, func(i int) complaint.Intake {
		return complaint.Intake{Region: "gd.gz.th.s01", Category: "billing.dispute", Customer: "warm"}
	})
	before = heapInUse()
	feed(mon2, n*5, func(i int) complaint.Intake {
		return complaint.Intake{Region: "gd.gz.th.s01", Category: "billing.dispute", Customer: fmt.Sprintf("C%07d", i)}
	})
	_ = mon2.Actions()
	perCustomer := float64(heapInUse()-before) / (n * 5)
	runtime.KeepAlive(mon2)
	t.Logf("per aggregate key: %.0f B; per customer-issue entry (repeat + escalation state): %.0f B", perKey, perCustomer)
	// DESIGN.md's target: 1 KB per aggregate key, index entry and key
	// strings included (the series is 968 B, TestSeriesSize).
	if perKey > 1024 {
		t.Errorf("per aggregate key %.0f B > 1024 B", perKey)
	}
	if perCustomer > 128 {
		t.Errorf("per customer-issue entry %.0f B > 128 B", perCustomer)
	}
}

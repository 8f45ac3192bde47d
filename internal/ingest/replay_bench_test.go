package ingest_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
)

// rowsReader serves decoded rows from memory, so the benchmarks below
// measure the replay loop, the engine and the window without JSON.
type rowsReader struct {
	rows []ingest.Row
	i    int
}

func (r *rowsReader) Read(row *ingest.Row) error {
	if r.i == len(r.rows) {
		return io.EOF
	}
	*row = r.rows[r.i]
	r.i++
	return nil
}

// lifecycleRows returns n tickets' histories as decoded rows, a ticket's
// rows interleaved with those of the 99 before it, each ticket handled
// from intake to close as the generator does: dispatched, assigned,
// contacted, urged, replied, resolved, visited, closed (9 rows).
func lifecycleRows(n int) []ingest.Row {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	steps := []func(i int) *complaint.Event{
		func(int) *complaint.Event {
			return &complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "gd.gz", Tier: complaint.TierCity}}
		},
		func(i int) *complaint.Event {
			return &complaint.Event{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: fmt.Sprint("agent", i%40)}}
		},
		func(int) *complaint.Event { return &complaint.Event{Type: complaint.EventContacted, Text: "已联系"} },
		func(int) *complaint.Event { return &complaint.Event{Type: complaint.EventUrged, Text: "催单"} },
		func(int) *complaint.Event { return &complaint.Event{Type: complaint.EventReplied, Text: "已答复"} },
		func(int) *complaint.Event {
			return &complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "refund"}}
		},
		func(i int) *complaint.Event {
			return &complaint.Event{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: i%7 != 0, Score: 8}}
		},
		func(int) *complaint.Event {
			return &complaint.Event{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "gd.gz"}}}
		},
	}
	const lag = 100 // tickets in flight
	var rows []ingest.Row
	at := t0
	for k := range n + lag*len(steps) {
		at = at.Add(time.Second)
		if k < n {
			id := fmt.Sprint("G", k)
			rows = append(rows, ingest.Row{At: at, Source: id, Intake: &complaint.Intake{ExternalID: id, Kind: complaint.KindComplaint,
				Channel: complaint.ChannelHotline, Category: "billing.dispute", Region: "gd.gz.th", Customer: fmt.Sprint("C", k%5000), Text: "话费多扣"}})
		}
		for s, step := range steps {
			if i := k - lag*(s+1); i >= 0 && i < n {
				rows = append(rows, ingest.Row{At: at, Source: fmt.Sprint("G", i), Event: step(i)})
			}
		}
	}
	for i := range rows {
		rows[i].Line = i + 1
	}
	return rows
}

// BenchmarkReplayLoop replays decoded rows (no JSON) through the replay
// loop on an engine with no stages or observers over the Window: what the
// replay itself costs per row. The baseline makes the same calls with
// Intake and Apply on an engine over a MemStore (which keeps everything and
// copies a ticket in and out per event), and on the Window.
func BenchmarkReplayLoop(b *testing.B) {
	const n = 2000
	rows := lifecycleRows(n)
	perRow := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
	}
	b.Run("replay-window", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clock := new(ingest.Clock)
			w := ingest.NewWindow(30 * 24 * time.Hour)
			ids := new(ingest.IDs)
			eng := kesu.New(kesu.Config{Store: w, Now: clock.Now, NewID: ids.NewID})
			r := &ingest.Replay{Engine: eng, Clock: clock, Window: w, NextID: ids.Next, Strict: true}
			s, err := r.Run(b.Context(), &rowsReader{rows: rows})
			if err != nil {
				b.Fatal(err)
			}
			if s.Closed != n {
				b.Fatalf("closed %d of %d", s.Closed, n)
			}
		}
		perRow(b)
	})
	direct := func(b *testing.B, store func() complaint.Store) {
		b.ReportAllocs()
		ctx := b.Context()
		for b.Loop() {
			var now time.Time
			eng := kesu.New(kesu.Config{Store: store(), Now: func() time.Time { return now }})
			ids := map[string]string{}
			for i := range rows {
				row := &rows[i]
				now = row.At
				if row.Intake != nil {
					t, err := eng.Intake(ctx, *row.Intake)
					if err != nil {
						b.Fatal(err)
					}
					ids[row.Source] = t.ID
					continue
				}
				if _, err := eng.Apply(ctx, ids[row.Source], *row.Event); err != nil {
					b.Fatal(err)
				}
			}
		}
		perRow(b)
	}
	b.Run("baseline-apply-memstore", func(b *testing.B) {
		direct(b, func() complaint.Store { return complaint.NewMemStore() })
	})
	b.Run("baseline-apply-window", func(b *testing.B) {
		direct(b, func() complaint.Store { return ingest.NewWindow(30 * 24 * time.Hour) })
	})
}

// BenchmarkWindowRow is the window's part of one replayed row over many
// open tickets: a read into the engine's buffer and a write back one
// second later (which moves the ticket in the expiry list).
func BenchmarkWindowRow(b *testing.B) {
	const open = 20000
	ctx := context.Background()
	w := ingest.NewWindow(30 * 24 * time.Hour)
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	ids := make([]string, open)
	for i := range ids {
		ids[i] = fmt.Sprint("T", i)
		tk := &complaint.Ticket{ID: ids[i], ExternalID: ids[i], Status: complaint.StatusHandling, Version: 1, UpdatedAt: t0,
			Tags: []complaint.Tag{{Name: "billing"}}}
		if err := w.Create(ctx, tk, nil); err != nil {
			b.Fatal(err)
		}
	}
	var tk complaint.Ticket
	var tags []complaint.Tag
	evs := make([]complaint.Event, 1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := ids[(i*7919)%open]
		i++
		if err := w.GetInto(ctx, id, &tk, &tags); err != nil {
			b.Fatal(err)
		}
		tk.Version++
		tk.UpdatedAt = t0.Add(time.Duration(i) * time.Second)
		if err := w.Append(ctx, &tk, evs); err != nil {
			b.Fatal(err)
		}
	}
}

package postgres_test

import (
	"testing"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
)

// benchIntake measures storing tickets (4 events each) in batches of size
// batch (1: one Create per ticket; more: CreateBatch with COPY). One op is
// one ticket; the tickets are made before the timer starts.
func benchIntake(b *testing.B, s complaint.Store, batch int) {
	ctx := b.Context()
	bc, _ := s.(complaint.BatchCreator)
	all := make([]complaint.NewTicket, b.N)
	for i := range all {
		all[i] = storetest.BenchTicket(i)
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

func BenchmarkIntake(b *testing.B) {
	url(b)
	b.Run("mem-baseline", func(b *testing.B) { benchIntake(b, complaint.NewMemStore(), 1) })
	b.Run("postgres-create", func(b *testing.B) { benchIntake(b, open(b), 1) })
	b.Run("postgres-copy100", func(b *testing.B) { benchIntake(b, open(b), 100) })
	b.Run("postgres-copy1000", func(b *testing.B) { benchIntake(b, open(b), 1000) })
}

type countObs struct{ n, urges int }

func (c *countObs) Observe(e *complaint.Event, t *complaint.Ticket) {
	c.n++
	c.urges += t.UrgeCount
}

// BenchmarkRebuild replays storetest.BenchEvents() events (1,000,000 by
// default) into a counting projection with kesu.Rebuild.
func BenchmarkRebuild(b *testing.B) {
	url(b)
	n := storetest.BenchEvents()
	run := func(b *testing.B, s complaint.Store) {
		storetest.Load(b.Context(), b, s, n)
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
	b.Run("mem-baseline", func(b *testing.B) { run(b, complaint.NewMemStore()) })
	b.Run("postgres", func(b *testing.B) { run(b, open(b)) })
}

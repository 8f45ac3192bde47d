package complaint_test

import (
	"context"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// BenchmarkApply folds one ordinary event (an urge) into a ticket: the
// lifecycle's hot path. BenchmarkCopyTicket is the plain baseline: copying
// the ticket value once.
func BenchmarkApply(b *testing.B) {
	tk := &complaint.Ticket{ID: "T1", Status: complaint.StatusHandling, Version: 3}
	e := complaint.Event{Ticket: "T1", Type: complaint.EventUrged, At: t0}
	b.ReportAllocs()
	for b.Loop() {
		e.Seq = 0
		if err := complaint.Apply(tk, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyLifecycle(b *testing.B) {
	evs := []complaint.Event{
		{Ticket: "T1", Type: complaint.EventReceived, At: t0, Intake: intake()},
		{Type: complaint.EventAccepted, At: t0},
		{Type: complaint.EventDispatched, At: t0, Dispatch: &complaint.Dispatch{Unit: "u", Queue: "q"}},
		{Type: complaint.EventAssigned, At: t0, Assign: &complaint.Assign{Assignee: "a"}},
		{Type: complaint.EventReplied, At: t0, Text: "x"},
		{Type: complaint.EventResolved, At: t0, Resolution: &complaint.Resolution{Outcome: "ok"}},
		{Type: complaint.EventVisited, At: t0, Visit: &complaint.Visit{Satisfied: true}},
		{Type: complaint.EventClosed, At: t0, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "u"}}},
	}
	var tk complaint.Ticket
	b.ReportAllocs()
	for b.Loop() {
		tk = complaint.Ticket{}
		for i := range evs {
			if err := complaint.Apply(&tk, &evs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
}

func BenchmarkCopyTicket(b *testing.B) {
	src := complaint.Ticket{ID: "T1", Status: complaint.StatusHandling, Version: 3}
	var dst complaint.Ticket
	b.ReportAllocs()
	for b.Loop() {
		dst = src
		dst.Version++
	}
	_ = dst
}

// BenchmarkMemStoreIntake creates one ticket with its received event in the
// memory store.
func BenchmarkMemStoreIntake(b *testing.B) {
	s := complaint.NewMemStore()
	ctx := context.Background()
	ids := complaint.Sequence("T")
	in := intake()
	b.ReportAllocs()
	for b.Loop() {
		id := ids()
		e := complaint.Event{Ticket: id, Seq: 1, Type: complaint.EventReceived, At: t0.Add(time.Second), Intake: in}
		tk := new(complaint.Ticket)
		if err := complaint.Apply(tk, &e); err != nil {
			b.Fatal(err)
		}
		if err := s.Create(ctx, tk, []complaint.Event{e}); err != nil {
			b.Fatal(err)
		}
	}
}

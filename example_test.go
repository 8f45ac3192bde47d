package kesu_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

// The engine takes a ticket in, runs the stages, refuses a step the
// lifecycle does not allow and passes every stored event to its observers.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	dispatch := kesu.StageFunc(func(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
		if in.Trigger.Type != complaint.EventAccepted {
			return nil, nil
		}
		return []complaint.Event{{Type: complaint.EventDispatched,
			Dispatch: &complaint.Dispatch{Unit: "gz-centre", Queue: "vas", Route: "root/vas"}}}, nil
	})
	log := kesu.ObserverFunc(func(e *complaint.Event, t *complaint.Ticket) {
		fmt.Printf("event %d %s → %s\n", e.Seq, e.Type, t.Status)
	})
	eng := kesu.New(kesu.Config{
		Now:        func() time.Time { return now },
		Categories: complaint.CarrierCategories(),
		Regions:    complaint.SampleRegions(),
		Stages:     []kesu.Stage{dispatch},
		Observers:  []kesu.Observer{log},
	})
	t, err := eng.Intake(ctx, complaint.Intake{ExternalID: "crm-42", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelHotline, Category: complaint.CatVASUnaware, Region: "gd.gz.th",
		Customer: "C1", Subscriber: "13812345678", Partner: "SP001", Text: "不知情被订购彩铃"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.ID, t.Queue, t.Route)
	_, err = eng.Apply(ctx, t.ID, complaint.Event{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: true}})
	fmt.Println(errors.Is(err, complaint.ErrInvalidTransition), err)
	// Output:
	// event 1 received → received
	// event 2 accepted → accepted
	// event 3 dispatched → dispatched
	// T00000001 vas root/vas
	// true complaint: ticket T00000001 is dispatched: visited not allowed (allowed: tagged, dispatched, assigned, transferred, deadlines-set, contacted, urged, info-added, note, approved, escalated, merged, profiled)
}

// openCount is an observer that keeps state for each open ticket (here,
// how many each customer has open), so it is a Forgetter too: when the
// store forgets an open ticket, the engine tells it.
type openCount struct{ open map[string]map[string]bool }

func (o *openCount) Observe(_ *complaint.Event, t *complaint.Ticket) {
	if o.open[t.Customer] == nil {
		o.open[t.Customer] = map[string]bool{}
	}
	if t.Open() {
		o.open[t.Customer][t.ID] = true
	} else {
		delete(o.open[t.Customer], t.ID)
	}
}

func (o *openCount) Forget(t *complaint.Ticket, _ time.Time) { delete(o.open[t.Customer], t.ID) }

// A store that forgets open tickets (the replay window of kesu replay drops
// those idle past its horizon) calls Engine.Forget with them, as it last
// held them; the observers that are Forgetters drop what they keep, so
// their memory follows the store's.
func ExampleEngine_Forget() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	counts := &openCount{open: map[string]map[string]bool{}}
	eng := kesu.New(kesu.Config{Now: func() time.Time { return now }, Observers: []kesu.Observer{counts}})
	var taken []*complaint.Ticket
	for _, ext := range []string{"W1", "W2"} {
		t, err := eng.Intake(ctx, complaint.Intake{ExternalID: ext, Kind: complaint.KindComplaint,
			Channel: complaint.ChannelHotline, Category: "billing.dispute", Region: "gd.gz", Customer: "C1"})
		if err != nil {
			fmt.Println(err)
			return
		}
		taken = append(taken, t)
	}
	fmt.Println("open:", len(counts.open["C1"]))
	eng.Forget(now.Add(30*24*time.Hour), taken[0])
	fmt.Println("open after the store forgot one:", len(counts.open["C1"]))
	// Output:
	// open: 2
	// open after the store forgot one: 1
}

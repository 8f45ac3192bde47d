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

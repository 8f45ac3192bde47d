package complaint_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// A ticket is the fold of its events; the lifecycle refuses what it does not allow.
func ExampleApply() {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t := new(complaint.Ticket)
	steps := []complaint.Event{
		{Ticket: "T1", Type: complaint.EventReceived, At: at, Intake: &complaint.Intake{
			Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
			Category: complaint.CatVASUnaware, Region: "gd.gz.th", Customer: "C1"}},
		{Type: complaint.EventDispatched, At: at.Add(time.Minute), Dispatch: &complaint.Dispatch{Unit: "gz-centre", Queue: "vas"}},
		{Type: complaint.EventAssigned, At: at.Add(2 * time.Minute), Assign: &complaint.Assign{Assignee: "A7"}},
		{Type: complaint.EventClosed, At: at.Add(3 * time.Minute), Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "gz"}}},
	}
	for i := range steps {
		if err := complaint.Apply(t, &steps[i]); err != nil {
			fmt.Println("refused:", err)
			fmt.Println("is invalid transition:", errors.Is(err, complaint.ErrInvalidTransition))
			continue
		}
		fmt.Println(steps[i].Type, "→", t.Status)
	}
	// Output:
	// received → received
	// dispatched → dispatched
	// assigned → handling
	// refused: complaint: ticket T1 is handling: closed not allowed (allowed: tagged, dispatched, assigned, transferred, deadlines-set, contacted, urged, info-added, note, waiting, replied, approved, escalated, resolved, merged, profiled)
	// is invalid transition: true
}

// The customer sees public stages only: internal notes stay internal and the
// number is masked.
func ExamplePublicTimeline() {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	evs := []complaint.Event{
		{Ticket: "T1", Seq: 1, Type: complaint.EventReceived, At: at, Intake: &complaint.Intake{
			Kind: complaint.KindComplaint, Channel: complaint.ChannelApp, Category: complaint.CatBillingDispute,
			Region: "gd.sz.ns", Customer: "C9", Subscriber: "13912345678"}},
		{Ticket: "T1", Seq: 2, Type: complaint.EventDispatched, At: at.Add(time.Hour), Dispatch: &complaint.Dispatch{Unit: "sz-centre"}},
		{Ticket: "T1", Seq: 3, Type: complaint.EventNote, At: at.Add(2 * time.Hour), Text: "内部:核查计费系统"},
		{Ticket: "T1", Seq: 4, Type: complaint.EventUrged, At: at.Add(3 * time.Hour), Actor: complaint.Actor{Kind: complaint.ActorCustomer}},
		{Ticket: "T1", Seq: 5, Type: complaint.EventAssigned, At: at.Add(4 * time.Hour), Assign: &complaint.Assign{Assignee: "A3"}},
		{Ticket: "T1", Seq: 6, Type: complaint.EventReplied, At: at.Add(5 * time.Hour), Text: "已核实,多收费用将退回"},
	}
	t, _ := complaint.Fold(evs)
	tl := complaint.PublicTimeline(t, evs)
	fmt.Println(tl.Subscriber, tl.Status)
	for _, e := range tl.Entries {
		fmt.Println(strings.TrimSpace(e.At.Format("15:04") + " " + e.Title + " " + e.Text))
	}
	// Output:
	// 139****5678 已答复
	// 09:00 您的诉求已受理
	// 10:00 已派发至处理部门
	// 12:00 您已催办
	// 13:00 专人处理中
	// 14:00 已答复 已核实,多收费用将退回
}

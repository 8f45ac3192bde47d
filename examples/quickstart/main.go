// Command quickstart takes a handful of tickets from a telecom carrier and a
// power utility through their lifecycle on kesu's embedded default (an
// in-memory store and a fixed clock) and prints what happened: the route each
// ticket took, one step the lifecycle refuses with its error, and one
// customer-facing timeline.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// clock is the quickstart's fake clock: every step moves it on.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

var cst = time.FixedZone("CST", 8*3600)

// centre dispatches every accepted ticket to its city's centralised centre.
var centre = kesu.StageFunc(func(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
	if in.Trigger.Type != complaint.EventAccepted {
		return nil, nil
	}
	city := complaint.Truncate(in.Ticket.Region, 2)
	return []complaint.Event{{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{
		Tier: complaint.TierCity, Unit: city + "-centre", Queue: complaint.Truncate(in.Ticket.Category, 1),
		Centralised: true, Route: "root/" + city}}}, nil
})

func run(ctx context.Context, out io.Writer) error {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, cst)}
	eng := kesu.New(kesu.Config{Now: clk.now, Regions: complaint.SampleRegions(), Stages: []kesu.Stage{centre}})
	agent := complaint.Actor{Kind: complaint.ActorAgent, ID: "A7", Tier: complaint.TierCity}
	customer := complaint.Actor{Kind: complaint.ActorCustomer}

	fmt.Fprintln(out, "== carrier: unaware VAS subscription (不知情定制)")
	t, err := eng.Intake(ctx, complaint.Intake{ExternalID: "10086-0001", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelHotline, Category: complaint.CatVASUnaware, Region: "gd.gz.th",
		Customer: "C1001", Subscriber: "13812345678", Partner: "SP0731", BillingCode: "BC-889",
		Text: "没订过彩铃却每月扣费10元"})
	if err != nil {
		return err
	}
	show(out, t)
	steps := []complaint.Event{
		{Type: complaint.EventAssigned, Actor: agent, Assign: &complaint.Assign{Assignee: "A7"}},
		{Type: complaint.EventNote, Actor: agent, Text: "SP0731 本月已有多起同类投诉"},
		{Type: complaint.EventUrged, Actor: customer},
		{Type: complaint.EventReplied, Actor: agent, Text: "已为您退订并退还三个月费用30元"},
		{Type: complaint.EventResolved, Actor: agent, Resolution: &complaint.Resolution{Outcome: "退订并退费", Refund: 3000}},
		{Type: complaint.EventVisited, Actor: agent, Visit: &complaint.Visit{Satisfied: true, Score: 9}},
		{Type: complaint.EventClosed, Actor: agent, Closing: &complaint.Closing{Handling: complaint.HandlingImmediate,
			Responsibility: complaint.Responsibility{Unit: "gz", Department: "增值业务部", Cause: "合作方违规订购", LocallyControllable: true}}},
	}
	if t, err = applyAll(ctx, eng, clk, t.ID, steps); err != nil {
		return err
	}
	show(out, t)
	evs, err := eng.Store().Events(ctx, t.ID)
	if err != nil {
		return err
	}
	tl := complaint.PublicTimeline(t, evs)
	fmt.Fprintf(out, "customer-facing timeline of %s (%s), status %s:\n", tl.Ticket, tl.Subscriber, tl.Status)
	for _, e := range tl.Entries {
		fmt.Fprintf(out, "  %s  %s %s\n", e.At.Format("01-02 15:04"), e.Title, e.Text)
	}

	fmt.Fprintln(out, "== carrier: billing dispute, not satisfied, reopened")
	t, err = eng.Intake(ctx, complaint.Intake{ExternalID: "10086-0002", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelApp, Category: complaint.CatBillingDispute, Region: "gd.sz.ns",
		Customer: "C2002", Subscriber: "13987654321", Text: "流量包已订购仍被按标准资费收费"})
	if err != nil {
		return err
	}
	// A step the lifecycle does not allow: closing a ticket nobody resolved.
	_, err = eng.Apply(ctx, t.ID, complaint.Event{Type: complaint.EventClosed, Actor: agent,
		Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "sz"}}})
	fmt.Fprintf(out, "refused: %v\n", err)
	steps = []complaint.Event{
		{Type: complaint.EventAssigned, Actor: agent, Assign: &complaint.Assign{Assignee: "B2"}},
		{Type: complaint.EventResolved, Actor: agent, Resolution: &complaint.Resolution{Outcome: "解释资费"}},
		{Type: complaint.EventVisited, Actor: agent, Visit: &complaint.Visit{Satisfied: false, Score: 3}},
		{Type: complaint.EventReopened, Actor: customer, Text: "解释不清,要求退费"},
		{Type: complaint.EventResolved, Actor: agent, Resolution: &complaint.Resolution{Outcome: "退还差额", Refund: 1250}},
		{Type: complaint.EventClosed, Actor: agent, Closing: &complaint.Closing{Handling: complaint.HandlingCoordination,
			Responsibility: complaint.Responsibility{Unit: "sz", Department: "计费中心", Cause: "流量包生效延迟"}}},
	}
	if t, err = applyAll(ctx, eng, clk, t.ID, steps); err != nil {
		return err
	}
	show(out, t)

	fmt.Fprintln(out, "== utility: frequent outages (频繁停电), waiting on the customer")
	t, err = eng.Intake(ctx, complaint.Intake{ExternalID: "95598-0001", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelHotline, Category: complaint.CatOutageFrequent, Region: "gd.sz.ft.s01",
		Customer: "E3003", Subscriber: "0755-8888-1234", Text: "本周第三次停电,冰箱食物坏了"})
	if err != nil {
		return err
	}
	steps = []complaint.Event{
		{Type: complaint.EventAssigned, Actor: agent, Assign: &complaint.Assign{Assignee: "E5"}},
		{Type: complaint.EventWaiting, Actor: agent, Text: "请提供户号"},
		{Type: complaint.EventInfoAdded, Actor: customer, Text: "户号 0301-556677"},
		{Type: complaint.EventReplied, Actor: agent, Text: "线路改造已排期,本月完成"},
	}
	if t, err = applyAll(ctx, eng, clk, t.ID, steps); err != nil {
		return err
	}
	show(out, t)
	fmt.Fprintf(out, "paused while waiting on the customer: %s\n", t.Paused)
	return nil
}

func applyAll(ctx context.Context, eng *kesu.Engine, clk *clock, id string, steps []complaint.Event) (*complaint.Ticket, error) {
	var t *complaint.Ticket
	for _, s := range steps {
		clk.advance(45 * time.Minute)
		var err error
		if t, err = eng.Apply(ctx, id, s); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func show(out io.Writer, t *complaint.Ticket) {
	fmt.Fprintf(out, "%s %-10s %-9s unit=%s queue=%s route=%s assignee=%s reopens=%d urges=%d\n",
		t.ID, t.Status, t.Kind, t.Unit, t.Queue, t.Route, t.Assignee, t.ReopenCount, t.UrgeCount)
}

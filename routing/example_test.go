package routing_test

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/routing"
)

// Load the carrier preset, build an engine with the routing stage, take a
// ticket in and look at what routing decided. The ticket arrives the day
// before the 2025 National Day holiday: its 5 working days run Oct 9, 10,
// the make-up Saturday Oct 11, Oct 13 and 14.
func Example() {
	pol, err := routing.Load("../examples/policy/carrier.yaml")
	if err != nil {
		panic(err)
	}
	hist, load := routing.NewHistory(), routing.NewWorkload()
	st := routing.NewStage(pol, routing.Options{History: hist, Workload: load})
	dir := new(complaint.Directory)
	dir.Put(complaint.Customer{ID: "C1", Flags: []complaint.Flag{complaint.FlagVIP}})
	now := time.Date(2025, 9, 30, 10, 0, 0, 0, pol.Location())
	eng := kesu.New(kesu.Config{
		Customers:  dir,
		Now:        func() time.Time { return now },
		Categories: pol.Categories(),
		Stages:     []kesu.Stage{st},
		Guards:     []kesu.Guard{st.Guard()},
		Observers:  []kesu.Observer{hist, load},
	})
	t, err := eng.Intake(context.Background(), complaint.Intake{
		Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: "billing.dispute", Region: "gd.gz.th", Customer: "C1",
		Text: "话费多扣了,再不处理我就打12300投诉到工信部",
	})
	if err != nil {
		panic(err)
	}
	for _, tag := range t.Tags {
		fmt.Printf("tag %s (rule %s)\n", tag.Name, tag.Rule)
	}
	fmt.Println("queue:", t.Queue, "unit:", t.Unit, "tier:", t.Tier, "assignee:", t.Assignee)
	fmt.Println("priority:", t.Priority, "green:", t.GreenChannel, "centralised:", t.Centralised)
	fmt.Println("route:", t.Route)
	fmt.Println("resolve by:", t.Deadlines.Resolve.Format("2006-01-02 15:04"), "profile:", t.Deadlines.Profile)
	// Output:
	// tag escalation-tendency (rule t-regulator-words)
	// tag vip (rule t-vip)
	// tag attention-high (rule t-attention-high)
	// queue: gz-billing unit: gz-centre tier: city assignee: gzb01
	// priority: 5 green: true centralised: true
	// route: root/guangzhou/gz-billing,root/tendency,root/attention,root/vip
	// resolve by: 2025-10-14 10:00 profile: complaint-std
}

package link_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

func ExampleProactiveCheck() {
	ctx := context.Background()
	zone := time.FixedZone("CST", 8*3600)
	day := func(s string) time.Time { t, _ := time.ParseInLocation("2006-01-02", s, zone); return t }
	boss := adaptertest.NewFake(adaptertest.Data{
		Bills: []adapters.Bill{{ID: "B-01", Account: "ACC-1", Period: "2026-01", Total: 6800, Lines: []adapters.ChargeLine{
			{ID: "L1", Amount: 5800, Product: "plan-58"},
			{ID: "L2", Amount: 1000, Partner: "SP-9", BillingCode: "BC-9", Product: "vas-lottery", At: day("2026-01-05")},
		}}},
		Subscriptions: []adapters.Subscription{{ID: "S1", Account: "ACC-1", Product: "vas-ringback", Partner: "SP-1",
			BillingCode: "BC-1", Channel: "sms", Start: day("2025-12-20"), Active: true}},
	}, nil)
	store := complaint.NewMemStore()
	check, err := link.NewProactiveCheck(link.ProactiveConfig{
		Billing: boss, Journal: store, Zone: zone,
		Complainants: func(context.Context, time.Time) ([]link.Complainant, error) {
			return []link.Complainant{{Customer: "C-1", Accounts: []string{"ACC-1"}, Region: "gd.sz"}}, nil
		},
	})
	if err != nil {
		panic(err)
	}
	if err := check.Tick(ctx, day("2026-02-01").Add(9*time.Hour)); err != nil {
		panic(err)
	}
	run, _ := check.Result(ctx, "2026-01")
	for _, f := range run.Findings {
		fmt.Println(f.ExternalID())
		fmt.Println("  ", f.Reason)
	}
	// Output:
	// proactive/2026-01/ACC-1/vas-no-consent/S1
	//    subscription S1 to vas-ringback (partner SP-1, billing code BC-1, via sms): no consent record (R9: no sale to a professional complainant without a recorded confirmation)
	// proactive/2026-01/ACC-1/vas-charge-without-subscription/L2
	//    bill B-01 line L2 charges 10.00 元 for vas-lottery (partner SP-9, billing code BC-9) but the account had no subscription to it
}

func ExampleSanctioner() {
	boss := adaptertest.NewFake(adaptertest.Data{}, nil)
	s := link.Sanctioner(boss)
	_ = s.OfflineBillingCode(context.Background(), "BC-9", time.Time{}, "SP-9#2: no clear drop after SP-9#1")
	o, _ := boss.Offline("BC-9")
	fmt.Println(o.BillingCode, o.Until.Format("2006-01-02"), o.Reference, "|", o.Reason)
	// Output:
	// BC-9 9999-12-31 SP-9#2 | SP-9#2: no clear drop after SP-9#1
}

func ExampleSubscribers() {
	zone := time.FixedZone("CST", 8*3600)
	boss := adaptertest.NewFake(adaptertest.Data{SubscriberCounts: []adapters.SubscriberCount{
		{Unit: "gd.sz", Date: time.Date(2026, 1, 1, 0, 0, 0, 0, zone), Count: 1520000},
		{Unit: "gd.sz", Date: time.Date(2026, 2, 1, 0, 0, 0, 0, zone), Count: 1531000},
	}}, nil)
	counter := link.Subscribers(boss, link.SubscribersConfig{})
	jan, _ := scoring.ParsePeriod("2026-01", zone)
	n, _ := counter.Subscribers(context.Background(), "city", "gd.sz", jan)
	fmt.Println(jan, n)
	// Output:
	// 2026-01 1531000
}

func ExampleOutages() {
	zone := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 1, 20, 10, 0, 0, 0, zone)
	monitor := adaptertest.NewFake(adaptertest.Data{Outages: []adapters.Outage{{ID: "O-1", Region: "gd.sz.ns",
		Start: now.Add(-time.Hour), Planned: true, CustomersAffected: 1200, CustomersNotified: 900, ImportantUsers: []string{"C-1003"}}}}, nil)
	feed := link.Outages(monitor, "gd.sz", link.OutagesConfig{Now: func() time.Time { return now }})
	os, _ := feed.Outages(context.Background(), time.Time{})
	for _, o := range os {
		fmt.Println(o.ID, o.Area, o.Customers, o.Notified, o.Important, o.Updated.Equal(now))
	}
	again, _ := feed.Outages(context.Background(), os[0].Updated)
	fmt.Println(len(again), "changed since")
	// Output:
	// O-1 gd.sz.ns 1200 900 [C-1003] true
	// 0 changed since
}

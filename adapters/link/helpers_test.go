package link_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
)

var cst = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

// boss is the billing data of the tests: ACC-1 (customer C-1) has a January
// bill with a charge from a partner it has no subscription for, a
// subscription without consent, one with an expired consent record, one kept
// too briefly, one in order, and a January total far above its autumn bills;
// ACC-2 (C-2) is in order.
func boss() adaptertest.Data {
	return adaptertest.Data{
		Bills: []adapters.Bill{
			{ID: "B1-10", Account: "ACC-1", Period: "2025-10", Total: 5800, Lines: []adapters.ChargeLine{{ID: "L1", Amount: 5800}}},
			{ID: "B1-11", Account: "ACC-1", Period: "2025-11", Total: 6000, Lines: []adapters.ChargeLine{{ID: "L1", Amount: 6000}}},
			{ID: "B1-12", Account: "ACC-1", Period: "2025-12", Total: 6200, Lines: []adapters.ChargeLine{{ID: "L1", Amount: 6200}}},
			{ID: "B1-01", Account: "ACC-1", Period: "2026-01", Total: 9800, Lines: []adapters.ChargeLine{
				{ID: "L1", Amount: 5800, Product: "plan-58"},
				{ID: "L2", Amount: 1000, Partner: "SP-9", BillingCode: "BC-9", Product: "vas-lottery", At: at("2026-01-05 10:00")},
				{ID: "L3", Amount: 1500, Partner: "SP-1", BillingCode: "BC-1", Product: "vas-ringback", At: at("2026-01-06 10:00")},
				{ID: "L4", Amount: 1500, Partner: "SP-4", BillingCode: "BC-4", Product: "vas-news", At: at("2026-01-06 10:00")},
			}},
			{ID: "B2-01", Account: "ACC-2", Period: "2026-01", Total: 5800, Lines: []adapters.ChargeLine{{ID: "L1", Amount: 5800}}},
			{ID: "B2-12", Account: "ACC-2", Period: "2025-12", Total: 5800, Lines: []adapters.ChargeLine{{ID: "L1", Amount: 5800}}},
		},
		Subscriptions: []adapters.Subscription{
			{ID: "S1", Account: "ACC-1", Product: "vas-ringback", Partner: "SP-1", BillingCode: "BC-1", Channel: "sms", MonthlyFee: 1500,
				Start: at("2025-12-20 09:00"), Active: true},
			{ID: "S2", Account: "ACC-1", Product: "vas-weather", Partner: "SP-2", BillingCode: "BC-2", Channel: "hotline", MonthlyFee: 300,
				Start: at("2023-01-01 09:00"), Active: true, Consents: []adapters.ConsentRecord{
					{ID: "K2", Channel: "hotline", At: at("2023-01-01 09:00"), RecordingRef: "rec://k2", KeptUntil: at("2025-01-01 09:00")}}},
			{ID: "S3", Account: "ACC-1", Product: "vas-music", Partner: "SP-3", BillingCode: "BC-3", Channel: "app", MonthlyFee: 500,
				Start: at("2025-11-01 09:00"), Active: true, Consents: []adapters.ConsentRecord{
					{ID: "K3", Channel: "app", At: at("2025-11-01 09:00"), KeptUntil: at("2026-11-01 09:00")}}},
			{ID: "S4", Account: "ACC-1", Product: "vas-news", Partner: "SP-4", BillingCode: "BC-4", Channel: "store", MonthlyFee: 1500,
				Start: at("2025-06-01 09:00"), Active: true, Consents: []adapters.ConsentRecord{
					{ID: "K4", Channel: "store", At: at("2025-06-01 09:00"), RecordingRef: "sig://k4", KeptUntil: at("2027-06-01 09:00")}}},
			{ID: "S5", Account: "ACC-1", Product: "vas-game", Partner: "SP-5", BillingCode: "BC-5", Channel: "app",
				Start: at("2024-01-01 09:00"), End: at("2024-06-01 00:00")},
			{ID: "S6", Account: "ACC-2", Product: "vas-news", Partner: "SP-4", BillingCode: "BC-4", Channel: "hotline", MonthlyFee: 300,
				Start: at("2025-06-01 09:00"), Active: true, Consents: []adapters.ConsentRecord{
					{ID: "K6", Channel: "hotline", At: at("2025-06-01 09:00"), RecordingRef: "rec://k6", KeptUntil: at("2027-06-01 09:00")}}},
		},
		SubscriberCounts: []adapters.SubscriberCount{
			{Unit: "gd.sz", Date: at("2026-01-01 00:00"), Count: 1520000},
			{Unit: "gd.sz", Date: at("2026-02-01 00:00"), Count: 1531000},
			{Unit: "gd.gz", Date: at("2026-01-01 00:00"), Count: 1873000},
			{Unit: "gd.gz", Date: at("2026-02-01 00:00"), Count: 1869000},
		},
	}
}

// flaky is a Billing that fails the calls its fail func picks, and counts
// calls by method.
type flaky struct {
	adapters.Billing
	mu    sync.Mutex
	fail  func(method, account string) error
	calls map[string]int
}

func newFlaky(b adapters.Billing) *flaky { return &flaky{Billing: b, calls: make(map[string]int)} }

func (f *flaky) hit(method, account string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	if f.fail != nil {
		return f.fail(method, account)
	}
	return nil
}

func (f *flaky) setFail(fn func(method, account string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

func (f *flaky) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *flaky) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.calls {
		n += v
	}
	return n
}

func (f *flaky) Bills(ctx context.Context, q adapters.BillQuery) ([]adapters.Bill, error) {
	if err := f.hit("Bills", q.Account); err != nil {
		return nil, err
	}
	return f.Billing.Bills(ctx, q)
}

func (f *flaky) Subscriptions(ctx context.Context, q adapters.SubscriptionQuery) ([]adapters.Subscription, error) {
	if err := f.hit("Subscriptions", q.Account); err != nil {
		return nil, err
	}
	return f.Billing.Subscriptions(ctx, q)
}

func (f *flaky) SuspendPartner(ctx context.Context, s adapters.PartnerSuspension) error {
	if err := f.hit("SuspendPartner", s.Partner); err != nil {
		return err
	}
	return f.Billing.SuspendPartner(ctx, s)
}

func (f *flaky) TakeCodeOffline(ctx context.Context, o adapters.CodeOffline) error {
	if err := f.hit("TakeCodeOffline", o.BillingCode); err != nil {
		return err
	}
	return f.Billing.TakeCodeOffline(ctx, o)
}

func (f *flaky) SubscriberCounts(ctx context.Context, q adapters.SubscriberQuery) ([]adapters.SubscriberCount, error) {
	if err := f.hit("SubscriberCounts", ""); err != nil {
		return nil, err
	}
	return f.Billing.SubscriberCounts(ctx, q)
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newFake(t testing.TB) *adaptertest.Fake {
	t.Helper()
	return adaptertest.NewFake(boss(), fixedClock(at("2026-02-01 08:00")))
}

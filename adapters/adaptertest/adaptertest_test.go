package adaptertest_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
)

var t0 = time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)

func data() adaptertest.Data {
	return adaptertest.Data{
		Profiles: []adapters.Profile{{ID: "C-1", Name: "张伟"}, {ID: "C-2", Flags: []adapters.Flag{{Name: adapters.FlagProfessionalComplainant}}}},
		Contacts: []adapters.Contact{{ID: "K-2", CustomerID: "C-1", Channel: "app", At: t0.Add(time.Hour)}, {ID: "K-1", CustomerID: "C-1", Channel: "hotline", At: t0}},
		Bills: []adapters.Bill{{ID: "B-1", Account: "A-1", Period: "2026-01", Total: 300,
			Lines: []adapters.ChargeLine{{ID: "L1", Amount: 200}, {ID: "L2", Amount: 100, BillingCode: "BC-1", Partner: "SP-1"}}}},
		Subscriptions: []adapters.Subscription{{ID: "S-1", Account: "A-1", Product: "vas", Active: true, Start: t0,
			Consents: []adapters.ConsentRecord{{ID: "CR-1", Channel: "hotline", At: t0, KeptUntil: t0.AddDate(2, 0, 0)}}}},
		SubscriberCounts: []adapters.SubscriberCount{{Unit: "GD-SZ", Date: t0, Count: 100}},
		Outages:          []adapters.Outage{{ID: "O-1", Region: "GD-SZ", Start: t0, End: t0.Add(time.Hour), CustomersAffected: 5, CustomersNotified: 5}},
	}
}

func options() adaptertest.Options {
	return adaptertest.Options{CustomerIDs: []string{"C-1", "C-2"}, Account: "A-1", Period: "2026-01", Writes: true,
		From: t0.Add(-24 * time.Hour), To: t0.Add(24 * time.Hour)}
}

func TestFakeConformsInProcess(t *testing.T) {
	fake := adaptertest.NewFake(data(), nil)
	c := adaptertest.InProcess(t, adapters.Plugins{Name: "fake", Billing: fake, CRM: fake, Outages: fake})
	adaptertest.Run(t, c, options())
}

func TestNothingServedReportsNotImplemented(t *testing.T) {
	c := adaptertest.InProcess(t, adapters.Plugins{Name: "empty"})
	r := adaptertest.Check(context.Background(), c, options())
	require.True(t, r.OK())
	var notImpl int
	for _, res := range r.Results {
		if res.Name == "not implemented" {
			assert.Equal(t, adaptertest.Pass, res.Status, res.Service)
			notImpl++
		}
	}
	assert.Equal(t, 3, notImpl)
}

// broken breaks the contract in several ways at once.
type broken struct{ *adaptertest.Fake }

func (b broken) Profiles(ctx context.Context, ids []string) ([]adapters.Profile, error) {
	return nil, adapters.Errorf(adapters.NotFound, "no such customer")
}

func (b broken) Contacts(ctx context.Context, q adapters.ContactQuery) ([]adapters.Contact, error) {
	return nil, nil
}

func TestCheckFindsContractBreaches(t *testing.T) {
	fake := adaptertest.NewFake(data(), nil)
	c := adaptertest.InProcess(t, adapters.Plugins{Name: "broken", CRM: broken{fake}})
	r := adaptertest.Check(context.Background(), c, options())
	require.False(t, r.OK())
	var b strings.Builder
	require.NoError(t, r.WriteText(&b))
	assert.Contains(t, b.String(), "FAIL  crm      profiles: unknown ids left out")
	assert.Contains(t, b.String(), "Contacts of unknown customer: got no error, want not found")
}

func TestCheckBinaryThatDoesNotStart(t *testing.T) {
	r := adaptertest.CheckBinary(context.Background(), "/nonexistent/plugin", adaptertest.Options{})
	require.False(t, r.OK())
	require.Len(t, r.Results, 1)
	assert.Equal(t, "launch", r.Results[0].Name)
}

func TestFakeAdjustIsIdempotent(t *testing.T) {
	fake := adaptertest.NewFake(data(), func() time.Time { return t0 })
	a := adapters.Adjustment{IdempotencyKey: "k1", Account: "A-1", Kind: adapters.Refund, Amount: 100}
	r1, err := fake.Adjust(context.Background(), a)
	require.NoError(t, err)
	r2, err := fake.Adjust(context.Background(), a)
	require.NoError(t, err)
	assert.Equal(t, r1.ID, r2.ID)
	assert.True(t, r2.Replayed)
	a.Amount = 200
	_, err = fake.Adjust(context.Background(), a)
	assert.ErrorIs(t, err, adapters.ErrAlreadyExists, "one key, two different adjustments")
	assert.Len(t, fake.Adjustments(), 1)
}

func TestLoadDataRefusesUnknownFields(t *testing.T) {
	_, err := adaptertest.LoadData(strings.NewReader(`{"profile": []}`))
	assert.Error(t, err)
}

// Check runs the suite on any Conn; here directly on a Fake, without gRPC.
func ExampleCheck() {
	fake := adaptertest.NewFake(data(), nil)
	c := adaptertest.Conn{
		Info:    adapters.Info{Name: "fake", Version: "1.0", Services: []string{adapters.ServiceCRM}},
		Billing: adapters.UnimplementedBilling{}, CRM: fake, Outages: adapters.UnimplementedOutages{},
	}
	r := adaptertest.Check(context.Background(), c, adaptertest.Options{CustomerIDs: []string{"C-1"}})
	r.WriteText(os.Stdout)
	// Output:
	// name:     fake 1.0
	// services: crm
	//
	// pass  plugin   info
	// pass  crm      profiles: empty request
	// pass  crm      profiles: unknown ids left out
	// pass  crm      profiles: known ids in order
	// pass  crm      profiles: batch of 1000
	// pass  crm      set flag: invalid
	// skip  crm      set flag: unknown customer      Options.Writes is off
	// skip  crm      set and clear flag              Options.Writes is off
	// pass  crm      contacts
	// pass  crm      surveys
	// skip  crm      not implemented                 service is served
	// skip  billing  bills                           service not served
	// skip  billing  subscriptions and consent       service not served
	// skip  billing  adjust: invalid                 service not served
	// skip  billing  adjust: idempotent              service not served
	// skip  billing  sanctions                       service not served
	// skip  billing  subscriber counts               service not served
	// pass  billing  not implemented
	// skip  outages  outages                         service not served
	// pass  outages  not implemented
	//
	// 10 passed, 0 failed, 10 skipped
}

func ExampleNewFake() {
	fake := adaptertest.NewFake(data(), nil)
	ps, _ := fake.Profiles(context.Background(), []string{"C-2", "nobody", "C-1"})
	for _, p := range ps {
		fmt.Println(p.ID, p.HasFlag(adapters.FlagProfessionalComplainant))
	}
	// Output:
	// C-2 true
	// C-1 false
}

func TestBuildReportsCompilerOutput(t *testing.T) {
	_, err := adaptertest.Build(context.Background(), "./does-not-exist", t.TempDir())
	require.Error(t, err)
	require.ErrorContains(t, err, "adaptertest: go build ./does-not-exist")
}

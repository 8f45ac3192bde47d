package link_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/complaint"
)

// countingCRM counts Profiles calls.
type countingCRM struct {
	adapters.CRM
	calls int
}

func (c *countingCRM) Profiles(ctx context.Context, ids []string) ([]adapters.Profile, error) {
	c.calls++
	return c.CRM.Profiles(ctx, ids)
}

// crmCustomers is a complaint.Customers that is also a link.Profiler.
type crmCustomers struct{ *countingCRM }

func (c crmCustomers) Customer(ctx context.Context, id string) (*complaint.Customer, error) {
	panic("FromStore must use the batch lookup")
}

func TestFromStore(t *testing.T) {
	ctx := context.Background()
	crm := adaptertest.NewFake(adaptertest.Data{Profiles: []adapters.Profile{
		{ID: "C-1", Region: "gd.sz.ns", Flags: []adapters.Flag{{Name: adapters.FlagProfessionalComplainant}}},
		{ID: "C-2", Region: "gd.gz.th"},
		{ID: "C-3", Flags: []adapters.Flag{{Name: adapters.FlagProfessionalComplainant}}},
	}}, nil)
	dir := &complaint.Directory{}
	for _, p := range []adapters.Profile{{ID: "C-1", Region: "gd.sz.ns", Flags: []adapters.Flag{{Name: adapters.FlagProfessionalComplainant}}},
		{ID: "C-2"}, {ID: "C-3", Flags: []adapters.Flag{{Name: adapters.FlagProfessionalComplainant}}}} {
		dir.Put(p.Customer())
	}
	store := complaint.NewMemStore()
	now := at("2026-02-01 08:00")
	eng := kesu.New(kesu.Config{Store: store, Customers: dir, Now: fixedClock(now.AddDate(0, -1, 0))})
	for _, in := range []complaint.Intake{
		{Customer: "C-1", Subscriber: "ACC-1b", Region: "gd.sz.ft"},
		{Customer: "C-1", Subscriber: "ACC-1", Region: "gd.sz.ns"},
		{Customer: "C-1", Subscriber: "ACC-1", Region: "gd.sz.ns"},
		{Customer: "C-2", Subscriber: "ACC-2", Region: "gd.gz.th"},
		{Customer: "C-3", Region: "gd.gz.th"},
		{Customer: "C-4", Region: "gd.gz.th"},     // unknown to the CRM
		{Subscriber: "ACC-X", Region: "gd.gz.th"}, // no customer id
	} {
		in.Kind, in.Channel, in.Category = complaint.KindComplaint, complaint.ChannelHotline, complaint.CatVASUnaware
		_, err := eng.Intake(ctx, in)
		require.NoError(t, err)
	}
	want := []link.Complainant{
		{Customer: "C-1", Accounts: []string{"ACC-1", "ACC-1b"}, Region: "gd.sz.ns"},
		{Customer: "C-3", Region: "gd.gz.th"},
	}

	t.Run("batch", func(t *testing.T) {
		crm := &countingCRM{CRM: crm}
		got, err := link.FromStore(store, crmCustomers{crm})(ctx, now)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, 1, crm.calls)
	})
	t.Run("one by one", func(t *testing.T) {
		got, err := link.FromStore(store, dir)(ctx, now)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	})
	t.Run("tickets older than a year are not read", func(t *testing.T) {
		got, err := link.FromStore(store, dir)(ctx, now.AddDate(1, 1, 0))
		require.NoError(t, err)
		assert.Empty(t, got)
	})
	t.Run("crm down", func(t *testing.T) {
		down := &countingCRM{CRM: downCRM{}}
		_, err := link.FromStore(store, crmCustomers{down})(ctx, now)
		require.Error(t, err)
		assert.True(t, adapters.IsRetryable(err))
	})
}

type downCRM struct{ adapters.UnimplementedCRM }

func (downCRM) Profiles(context.Context, []string) ([]adapters.Profile, error) {
	return nil, adapters.Errorf(adapters.Unavailable, "crm down")
}

func TestByID(t *testing.T) {
	src := link.ByID(func(context.Context) ([]string, error) { return []string{"C-1", "C-2"}, nil })
	got, err := src(context.Background(), at("2026-02-01 08:00"))
	require.NoError(t, err)
	assert.Equal(t, []link.Complainant{{Customer: "C-1"}, {Customer: "C-2"}}, got)
}

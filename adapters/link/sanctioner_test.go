package link_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

func TestSanctionerMapsOntoBilling(t *testing.T) {
	until := at("2026-05-01 00:00")
	tests := []struct {
		name      string
		until     time.Time
		reason    string
		wantUntil time.Time
		wantRef   string
	}{
		{"dated, decision id", until, "SP-7001#1: batch of unaware complaints", until, "SP-7001#1"},
		{"indefinitely", time.Time{}, "SP-7001#2: no clear drop", link.Indefinitely, "SP-7001#2"},
		{"free reason", until, "branch request: too many complaints", until, ""},
		{"no colon", until, "manual", until, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t)
			s := link.Sanctioner(fake)
			ctx := context.Background()
			require.NoError(t, s.SuspendPartner(ctx, "SP-7001", tc.until, tc.reason))
			require.NoError(t, s.OfflineBillingCode(ctx, "BC-1", tc.until, tc.reason))
			sus, ok := fake.Suspension("SP-7001")
			require.True(t, ok)
			assert.Equal(t, adapters.PartnerSuspension{Partner: "SP-7001", Until: tc.wantUntil, Reason: tc.reason, Reference: tc.wantRef}, sus)
			off, ok := fake.Offline("BC-1")
			require.True(t, ok)
			assert.Equal(t, adapters.CodeOffline{BillingCode: "BC-1", Until: tc.wantUntil, Reason: tc.reason, Reference: tc.wantRef}, off)
		})
	}
}

func TestSanctionerKeepsRetryability(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		retryable bool
		is        error
	}{
		{"billing down", adapters.Errorf(adapters.Unavailable, "boss down"), true, adapters.ErrUnavailable},
		{"deadline", adapters.Errorf(adapters.DeadlineExceeded, "slow"), true, adapters.ErrDeadlineExceeded},
		{"refused", adapters.Errorf(adapters.FailedPrecondition, "partner already offline"), false, adapters.ErrFailedPrecondition},
		{"not implemented", adapters.ErrNotImplemented, false, adapters.ErrNotImplemented},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newFlaky(newFake(t))
			b.setFail(func(string, string) error { return tc.err })
			s := link.Sanctioner(b)
			for _, err := range []error{
				s.SuspendPartner(context.Background(), "SP-1", at("2026-05-01 00:00"), "x"),
				s.OfflineBillingCode(context.Background(), "BC-1", time.Time{}, "x"),
			} {
				require.Error(t, err)
				assert.Equal(t, tc.retryable, adapters.IsRetryable(err), err.Error())
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}

// TestSanctionsCarryOutThroughBilling runs scoring.Sanctions with the link
// Sanctioner: a batch decides a suspension, the billing system is down on
// the first Tick (the decision stays queued) and up on the next.
func TestSanctionsCarryOutThroughBilling(t *testing.T) {
	ctx := context.Background()
	fake := newFake(t)
	b := newFlaky(fake)
	b.setFail(func(string, string) error { return adapters.Errorf(adapters.Unavailable, "boss down") })
	s, err := scoring.NewSanctions(scoring.SanctionsConfig{Journal: complaint.NewMemStore(), Sanctioner: link.Sanctioner(b)})
	require.NoError(t, err)
	now := at("2026-01-20 10:00")
	ds, err := s.ObserveBatch(ctx, "SP-7001", now, "W00000001")
	require.NoError(t, err)
	require.Len(t, ds, 1)

	err = s.Tick(ctx, now)
	require.Error(t, err)
	assert.True(t, adapters.IsRetryable(err))
	_, ok := fake.Suspension("SP-7001")
	assert.False(t, ok)

	b.setFail(nil)
	require.NoError(t, s.Tick(ctx, now.Add(24*time.Hour)))
	sus, ok := fake.Suspension("SP-7001")
	require.True(t, ok)
	assert.True(t, sus.Until.Equal(ds[0].Until), "until %v, decision %v", sus.Until, ds[0].Until)
	assert.Equal(t, ds[0].ID, sus.Reference)
	assert.Contains(t, sus.Reason, ds[0].Reason)
	assert.True(t, errors.Is(err, adapters.ErrUnavailable))
}

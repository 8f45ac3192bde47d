package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
	"github.com/kesu-go/kesu/adapters/host"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kesu-billing-plugin")
	if err != nil {
		panic(err)
	}
	if binary, err = adaptertest.Build(context.Background(), ".", dir); err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func options() adaptertest.Options {
	return adaptertest.Options{
		Account: "ACC-1002", Period: "2026-01", Writes: true,
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(-8 * time.Hour), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Units: []string{"GD-SZ", "GD-GZ"},
	}
}

func TestConformanceInProcess(t *testing.T) {
	fake, err := load("", defaultData)
	require.NoError(t, err)
	c := adaptertest.InProcess(t, adapters.Plugins{Name: "example-billing", Billing: fake})
	adaptertest.Run(t, c, options())
}

func TestConformanceBinary(t *testing.T) {
	adaptertest.TestBinary(t, binary, options())
}

func TestJournalKeepsIdempotencyAcrossRestarts(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	ctx := context.Background()
	a := adapters.Adjustment{IdempotencyKey: "T-501-refund", Account: "ACC-1001", Kind: adapters.Refund, Amount: 1000, TicketID: "T-501"}
	var first adapters.AdjustmentResult
	for i := range 2 {
		h := host.New(nil)
		p, err := h.Launch(ctx, host.Config{Path: binary, Env: []string{"KESU_BILLING_JOURNAL=" + journal}})
		require.NoError(t, err)
		res, err := p.Adjust(ctx, a)
		require.NoError(t, err)
		if i == 0 {
			require.False(t, res.Replayed)
			first = res
		} else {
			require.True(t, res.Replayed)
			require.Equal(t, first.ID, res.ID)
		}
		require.NoError(t, h.Close())
	}
	recs, err := adaptertest.ReadJournal(journal)
	require.NoError(t, err)
	require.Len(t, recs, 1)
}

func TestDataFromEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"accounts":["ONLY"]}`), 0o644))
	h := host.New(nil)
	defer h.Close()
	p, err := h.Launch(context.Background(), host.Config{Path: binary, Env: []string{"KESU_BILLING_DATA=" + path}})
	require.NoError(t, err)
	_, err = p.Subscriptions(context.Background(), adapters.SubscriptionQuery{Account: "ACC-1001"})
	require.ErrorIs(t, err, adapters.ErrNotFound)
	subs, err := p.Subscriptions(context.Background(), adapters.SubscriptionQuery{Account: "ONLY"})
	require.NoError(t, err)
	require.Empty(t, subs)
}

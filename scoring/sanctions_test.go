package scoring_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

// fakeBilling records sanction calls and fails the first fail calls.
type fakeBilling struct {
	calls []string
	fail  int
}

func (f *fakeBilling) SuspendPartner(_ context.Context, partner string, until time.Time, reason string) error {
	return f.call(fmt.Sprintf("suspend %s until %s", partner, until.In(cst).Format(time.DateTime)))
}

func (f *fakeBilling) OfflineBillingCode(_ context.Context, code string, until time.Time, reason string) error {
	return f.call(fmt.Sprintf("offline %s until %v", code, until.IsZero()))
}

func (f *fakeBilling) call(s string) error {
	if f.fail > 0 {
		f.fail--
		f.calls = append(f.calls, s+" FAILED")
		return errors.New("billing unavailable")
	}
	f.calls = append(f.calls, s)
	return nil
}

func summary(ds []scoring.Decision) []string {
	var out []string
	for _, d := range ds {
		until := "-"
		if !d.Until.IsZero() {
			until = d.Until.In(cst).Format(time.DateTime)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s code=%s at=%s until=%s batches=%v n=%d against=%d",
			d.ID, d.Rule, d.Action, d.Partner, d.BillingCode, d.At.In(cst).Format(time.DateTime), until,
			d.Evidence.Batches, d.Evidence.Complaints, d.Evidence.AgainstN))
	}
	return out
}

func TestSanctionsScenario(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	billing := &fakeBilling{fail: 1}
	sx, err := scoring.NewSanctions(scoring.SanctionsConfig{Journal: store, Sanctioner: billing})
	require.NoError(t, err)
	w := newWorldStore(t, store, scoring.Default(), scoring.BookConfig{}, sx)
	vas := func(when time.Time, partner, code string) {
		w.intake(when, complaint.Intake{Kind: complaint.KindComplaint, Category: "vas.unaware", Partner: partner, BillingCode: code})
	}

	// March: 10 complaints about SP1 (8 on BC1, 2 on BC2), then a batch warning.
	for d := 1; d <= 10; d++ {
		code := "BC1"
		if d > 8 {
			code = "BC2"
		}
		vas(at(2025, 3, d, 9, 0), "SP1", code)
	}
	ds, err := sx.ObserveBatch(ctx, "SP1", at(2025, 3, 10, 10, 0), "W-B1")
	require.NoError(t, err)
	assert.Equal(t, []string{"SP1#2 batch suspend-partner SP1 code= at=2025-03-10 10:00:00 until=2025-06-10 10:00:00 batches=[W-B1] n=10 against=0"}, summary(ds))
	vas(at(2025, 3, 11, 9, 0), "SP1", "BC1")
	vas(at(2025, 3, 12, 9, 0), "SP1", "BC1")

	// The billing system is down on the first call: retried a minute later.
	require.Error(t, sx.Tick(ctx, at(2025, 3, 10, 10, 5)))
	require.NoError(t, sx.Tick(ctx, at(2025, 3, 10, 10, 5).Add(30*time.Second)), "not due yet")
	require.NoError(t, sx.Tick(ctx, at(2025, 3, 10, 10, 6)))
	assert.Equal(t, []string{"suspend SP1 until 2025-06-10 10:00:00 FAILED", "suspend SP1 until 2025-06-10 10:00:00"}, billing.calls)

	// The same batch again decides nothing.
	ds, err = sx.ObserveBatch(ctx, "SP1", at(2025, 3, 10, 10, 0), "W-B1")
	require.NoError(t, err)
	assert.Empty(t, ds)

	// April: no drop (11 complaints against March's 12), and a second batch
	// in the consecutive month: 6 months from the new batch.
	for d := 1; d <= 11; d++ {
		vas(at(2025, 4, d, 9, 0), "SP1", "BC1")
		if d == 8 {
			ds, err = sx.ObserveBatch(ctx, "SP1", at(2025, 4, 8, 9, 30), "W-B2")
			require.NoError(t, err)
			assert.Equal(t, []string{"SP1#6 consecutive suspend-partner SP1 code= at=2025-04-08 09:30:00 until=2025-10-08 09:30:00 batches=[W-B1 W-B2] n=8 against=0"}, summary(ds))
		}
	}
	require.NoError(t, sx.Tick(ctx, at(2025, 4, 8, 9, 31)))

	// 1 May: April is over and did not clearly drop (11 > 12 × 0.5): the
	// billing codes of the March batch go offline, decided at 1 May 00:00.
	require.NoError(t, sx.Tick(ctx, at(2025, 5, 1, 0, 0)))
	// May drops (2 against April's 11): on 1 June the April batch's test
	// finds a clear drop and decides nothing.
	vas(at(2025, 5, 5, 9, 0), "SP1", "BC1")
	vas(at(2025, 5, 6, 9, 0), "SP1", "BC1")
	require.NoError(t, sx.Tick(ctx, at(2025, 6, 1, 0, 0)))

	want := []string{
		"SP1#2 batch suspend-partner SP1 code= at=2025-03-10 10:00:00 until=2025-06-10 10:00:00 batches=[W-B1] n=10 against=0",
		"SP1#6 consecutive suspend-partner SP1 code= at=2025-04-08 09:30:00 until=2025-10-08 09:30:00 batches=[W-B1 W-B2] n=8 against=0",
		"SP1#9 no-drop offline-billing-code SP1 code=BC1 at=2025-05-01 00:00:00 until=- batches=[W-B1] n=11 against=12",
		"SP1#10 no-drop offline-billing-code SP1 code=BC2 at=2025-05-01 00:00:00 until=- batches=[W-B1] n=11 against=12",
	}
	assert.Equal(t, want, summary(sx.Decisions("SP1")))
	assert.Equal(t, []string{
		"suspend SP1 until 2025-06-10 10:00:00 FAILED", "suspend SP1 until 2025-06-10 10:00:00",
		"suspend SP1 until 2025-10-08 09:30:00", "offline BC1 until true", "offline BC2 until true",
	}, billing.calls)
	for _, x := range sx.Executions("SP1") {
		assert.True(t, x.Done, x.Decision)
	}
	offline := sx.Decisions("SP1")[2]
	assert.Contains(t, offline.Reason, "11 in 2025-04 against 12 in 2025-03")

	// the partner's monthly scorecards
	mar, _ := scoring.ParsePeriod("2025-03", cst)
	assert.Equal(t, scoring.PartnerMonth{Partner: "SP1", Period: mar, Complaints: 12,
		BillingCodes: []scoring.CodeCount{{"BC1", 10}, {"BC2", 2}}, Batches: []string{"W-B1"}, Decisions: []string{"SP1#2"}}, sx.Month("SP1", mar))

	// The journal holds everything: a restarted Sanctions reads it back
	// and has nothing left to do.
	recs, err := store.Records(ctx, "sanction/SP1")
	require.NoError(t, err)
	var types []string
	for _, r := range recs {
		types = append(types, r.Type)
	}
	assert.Equal(t, []string{"batch", "decision", "failed", "executed", "batch", "decision", "executed",
		"evaluation", "decision", "decision", "executed", "executed", "evaluation"}, types)
	again := &fakeBilling{}
	sx2, err := scoring.NewSanctions(scoring.SanctionsConfig{Journal: store, Sanctioner: again})
	require.NoError(t, err)
	require.NoError(t, sx2.Load(ctx))
	assert.Equal(t, sx.Decisions(""), sx2.Decisions(""))
	assert.Equal(t, sx.Executions(""), sx2.Executions(""))
	require.NoError(t, sx2.Tick(ctx, at(2025, 7, 1, 0, 0)))
	assert.Empty(t, again.calls)
	ds, err = sx2.ObserveBatch(ctx, "SP1", at(2025, 4, 8, 9, 30), "W-B2")
	require.NoError(t, err)
	assert.Empty(t, ds, "never repeated for the same batch, even after a restart")
}

func TestSanctionsBranchRequest(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	sx, err := scoring.NewSanctions(scoring.SanctionsConfig{Journal: store})
	require.NoError(t, err)
	w := newWorldStore(t, store, scoring.Default(), scoring.BookConfig{}, sx)
	for d := 1; d <= 10; d++ {
		w.intake(at(2025, 5, d, 9, 0), complaint.Intake{Kind: complaint.KindComplaint, Category: "vas.unaware", Partner: "SP2", BillingCode: "BC9"})
	}
	w.intake(at(2025, 5, 1, 9, 0), complaint.Intake{Kind: complaint.KindComplaint, Category: "vas.unaware", Partner: "SP3", BillingCode: "BC8"})
	req := scoring.BranchRequest{Branch: "gd.gz.th.s01", Partner: "SP2", Months: 4, At: at(2025, 5, 20, 10, 0), Reason: "many complaints"}
	d, err := sx.Request(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, []string{"SP2#1 request suspend-partner SP2 code= at=2025-05-20 10:00:00 until=2025-09-20 10:00:00 batches=[] n=10 against=0"}, summary([]scoring.Decision{d}))
	again, err := sx.Request(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, d.ID, again.ID, "the same request is not decided twice")

	for _, tc := range []struct {
		name string
		req  scoring.BranchRequest
		want string
	}{
		{"too long", scoring.BranchRequest{Branch: "b", Partner: "SP2", Months: 7, At: req.At}, "7 months is outside 3–6"},
		{"too short", scoring.BranchRequest{Branch: "b", Partner: "SP2", Months: 2, At: req.At}, "2 months is outside 3–6"},
		{"few complaints", scoring.BranchRequest{Branch: "b", Partner: "SP3", Months: 3, At: req.At}, "had 1 complaints, fewer than 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sx.Request(ctx, tc.req)
			require.ErrorIs(t, err, scoring.ErrRefused)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err = sx.ObserveBatch(ctx, "SP3", at(2025, 5, 2, 9, 0), "W-X")
	require.NoError(t, err)
	_, err = sx.Request(ctx, scoring.BranchRequest{Branch: "b", Partner: "SP3", Months: 3, At: req.At})
	require.ErrorIs(t, err, scoring.ErrRefused)
	assert.Contains(t, err.Error(), "the batch rules apply")
}

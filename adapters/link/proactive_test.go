package link_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/complaint"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func complainants(cs ...link.Complainant) link.ComplainantSource {
	return func(context.Context, time.Time) ([]link.Complainant, error) { return cs, nil }
}

var twoCustomers = complainants(
	link.Complainant{Customer: "C-1", Accounts: []string{"ACC-1"}, Region: "gd.sz.ns"},
	link.Complainant{Customer: "C-2", Accounts: []string{"ACC-2"}, Region: "gd.gz.th"},
)

func newCheck(t *testing.T, b adapters.Billing, j complaint.Journal, src link.ComplainantSource, report func(context.Context, []link.Finding) error) *link.ProactiveCheck {
	t.Helper()
	c, err := link.NewProactiveCheck(link.ProactiveConfig{Billing: b, Journal: j, Complainants: src, Report: report, Zone: cst})
	require.NoError(t, err)
	return c
}

func TestProactiveCheckFindings(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	var reported []link.Finding
	c := newCheck(t, newFake(t), store, twoCustomers, func(_ context.Context, fs []link.Finding) error {
		reported = append(reported, fs...)
		return nil
	})
	now := at("2026-02-01 08:00")
	require.NoError(t, c.Tick(ctx, now))
	run, err := c.Result(ctx, "2026-01")
	require.NoError(t, err)
	assert.Equal(t, run.Findings, reported)
	assert.Equal(t, 2, run.Customers)
	golden(t, "proactive-2026-01.json", run)

	rules := map[string]string{}
	for _, f := range run.Findings {
		rules[f.Rule] += f.Subscription + f.Line + " "
	}
	assert.Equal(t, map[string]string{
		link.RuleNoConsent:                 "S1 ",
		link.RuleConsentExpired:            "S2 ",
		link.RuleConsentShort:              "S3 ",
		link.RuleChargeWithoutSubscription: "L2 ",
		link.RuleBillAnomaly:               " ",
	}, rules)
}

func TestProactiveCheckOncePerMonth(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	b := newFlaky(newFake(t))
	c := newCheck(t, b, store, twoCustomers, nil)

	tests := []struct {
		name   string
		now    time.Time
		period string // checked by this tick, "" none
	}{
		{"last day of January in Shanghai checks December", at("2026-01-31 23:30"), "2025-12"},
		{"same month again: nothing", at("2026-01-31 23:59"), ""},
		{"1 February 00:30 Shanghai (still 31 January UTC) checks January", at("2026-02-01 00:30"), "2026-01"},
		{"later in February: nothing", at("2026-02-15 10:00"), ""},
		{"March checks February", at("2026-03-01 09:00"), "2026-02"},
	}
	for _, tc := range tests {
		before := b.total()
		require.NoError(t, c.Tick(ctx, tc.now), tc.name)
		if tc.period == "" {
			assert.Equal(t, before, b.total(), tc.name)
			continue
		}
		assert.Greater(t, b.total(), before, tc.name)
		assert.Equal(t, tc.period, c.PeriodAt(tc.now), tc.name)
		_, err := c.Result(ctx, tc.period)
		require.NoError(t, err, tc.name)
	}

	// A restart (a new check on the same journal) does not redo a month.
	again := newCheck(t, b, store, twoCustomers, nil)
	before := b.total()
	require.NoError(t, again.Tick(ctx, at("2026-03-20 09:00")))
	assert.Equal(t, before, b.total())

	_, err := c.Result(ctx, "2025-11")
	assert.ErrorIs(t, err, complaint.ErrNotFound)
}

func TestProactiveCheckDay(t *testing.T) {
	ctx := context.Background()
	b := newFlaky(newFake(t))
	c, err := link.NewProactiveCheck(link.ProactiveConfig{Billing: b, Journal: complaint.NewMemStore(), Complainants: twoCustomers, Zone: cst, Day: 3})
	require.NoError(t, err)
	require.NoError(t, c.Tick(ctx, at("2026-02-02 23:00")))
	assert.Zero(t, b.total())
	require.NoError(t, c.Tick(ctx, at("2026-02-03 00:00")))
	_, err = c.Result(ctx, "2026-01")
	require.NoError(t, err)
}

func TestProactiveCheckRetriesFailures(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	b := newFlaky(newFake(t))
	down := adapters.Errorf(adapters.Unavailable, "boss down")
	b.setFail(func(method, account string) error {
		if account == "ACC-2" {
			return down
		}
		return nil
	})
	reportErr := adapters.Errorf(adapters.Unavailable, "ticketing down")
	reports := 0
	c := newCheck(t, b, store, twoCustomers, func(context.Context, []link.Finding) error {
		reports++
		return reportErr
	})
	now := at("2026-02-01 08:00")

	err := c.Tick(ctx, now)
	require.Error(t, err)
	assert.ErrorIs(t, err, adapters.ErrUnavailable)
	assert.Contains(t, err.Error(), "ACC-2")
	_, err = c.Result(ctx, "2026-01")
	assert.ErrorIs(t, err, complaint.ErrNotFound, "not done while a customer is unchecked")
	acc1Calls := b.count("Subscriptions")

	// The billing system is back; the ticketing is not: C-1 is not asked again.
	b.setFail(nil)
	err = c.Tick(ctx, now.Add(time.Minute))
	require.ErrorIs(t, err, reportErr)
	assert.Equal(t, acc1Calls+1, b.count("Subscriptions"), "only ACC-2 fetched again")
	_, err = c.Result(ctx, "2026-01")
	assert.ErrorIs(t, err, complaint.ErrNotFound, "not done while the report fails")

	reportErr = nil
	before := b.total()
	require.NoError(t, c.Tick(ctx, now.Add(2*time.Minute)))
	assert.Equal(t, before, b.total(), "nothing fetched again")
	assert.Equal(t, 2, reports, "the report is asked only once every customer is checked")
	run, err := c.Result(ctx, "2026-01")
	require.NoError(t, err)
	assert.Equal(t, 2, run.Customers)
	assert.Len(t, run.Findings, 5)
}

func TestProactiveCheckUnknownAccount(t *testing.T) {
	ctx := context.Background()
	c := newCheck(t, newFake(t), complaint.NewMemStore(), complainants(link.Complainant{Customer: "C-9"}), nil)
	require.NoError(t, c.Tick(ctx, at("2026-02-01 08:00")))
	run, err := c.Result(ctx, "2026-01")
	require.NoError(t, err)
	assert.Equal(t, []string{"customer C-9: account C-9 unknown to billing"}, run.Notes)
	assert.Empty(t, run.Findings)
}

func TestProactiveCheckTickets(t *testing.T) {
	ctx := context.Background()
	store := complaint.NewMemStore()
	eng := kesu.New(kesu.Config{Store: store, Now: fixedClock(at("2026-02-01 08:00"))})
	c := newCheck(t, newFake(t), store, twoCustomers, link.Tickets(eng))
	require.NoError(t, c.Tick(ctx, at("2026-02-01 08:00")))
	ts, err := store.Find(ctx, complaint.Query{})
	require.NoError(t, err)
	require.Len(t, ts, 5)
	for _, tk := range ts {
		assert.Equal(t, complaint.ChannelAccountManager, tk.Channel)
		assert.Equal(t, complaint.KindComplaint, tk.Kind)
		assert.Equal(t, "C-1", tk.Customer)
		assert.Equal(t, "ACC-1", tk.Subscriber)
		assert.Contains(t, tk.ExternalID, "proactive/2026-01/ACC-1/")
	}
	// Taking the findings again makes no new ticket.
	run, err := c.Result(ctx, "2026-01")
	require.NoError(t, err)
	require.NoError(t, link.Tickets(eng)(ctx, run.Findings))
	ts, err = store.Find(ctx, complaint.Query{})
	require.NoError(t, err)
	assert.Len(t, ts, 5)
}

func TestNewProactiveCheckRefuses(t *testing.T) {
	fake := newFake(t)
	j := complaint.NewMemStore()
	tests := []struct {
		name string
		cfg  link.ProactiveConfig
		want string
	}{
		{"no billing", link.ProactiveConfig{Journal: j, Complainants: twoCustomers}, "Billing"},
		{"no journal", link.ProactiveConfig{Billing: fake, Complainants: twoCustomers}, "Journal"},
		{"no source", link.ProactiveConfig{Billing: fake, Journal: j}, "Complainants"},
		{"day", link.ProactiveConfig{Billing: fake, Journal: j, Complainants: twoCustomers, Day: 29}, "Day"},
		{"rise", link.ProactiveConfig{Billing: fake, Journal: j, Complainants: twoCustomers, Rise: -1}, "Rise"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := link.NewProactiveCheck(tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

package link_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/warning"
)

// outageSys is an outage system whose outages the test changes.
type outageSys struct {
	mu   sync.Mutex
	list []adapters.Outage
	err  error
	q    []adapters.OutageQuery
}

func (s *outageSys) Outages(_ context.Context, q adapters.OutageQuery) ([]adapters.Outage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.q = append(s.q, q)
	if s.err != nil {
		return nil, s.err
	}
	var out []adapters.Outage
	for _, o := range s.list {
		if o.Start.After(q.To) || (!o.End.IsZero() && o.End.Before(q.From)) {
			continue
		}
		o.ImportantUsers = slices.Clone(o.ImportantUsers)
		out = append(out, o)
	}
	return out, nil
}

func (s *outageSys) set(list ...adapters.Outage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = list
}

func TestOutageConversion(t *testing.T) {
	a := adapters.Outage{ID: "O-1", Region: "gd.sz.ns", Area: "10kV line", Start: at("2026-01-20 09:00"), End: at("2026-01-20 15:30"),
		Planned: true, CustomersAffected: 1200, CustomersNotified: 1150, ImportantUsers: []string{"C-1003"}, Cause: "maintenance"}
	assert.Equal(t, warning.Outage{ID: "O-1", Area: "gd.sz.ns", Start: a.Start, End: a.End, Planned: true,
		Customers: 1200, Notified: 1150, Important: []string{"C-1003"}}, link.Outage(a))
}

func TestOutageFeed(t *testing.T) {
	ctx := context.Background()
	now := at("2026-01-20 10:00")
	clock := func() time.Time { return now }
	o1 := adapters.Outage{ID: "O-1", Region: "gd.sz.ns", Start: at("2026-01-20 09:00"), Planned: true, CustomersAffected: 100, CustomersNotified: 95}
	o2 := adapters.Outage{ID: "O-2", Region: "gd.sz.ft", Start: at("2026-01-21 09:00"), End: at("2026-01-21 12:00"), Planned: true, CustomersAffected: 50}
	sys := &outageSys{}
	sys.set(o1)
	feed := link.Outages(sys, "gd.sz", link.OutagesConfig{Now: clock})

	got, err := feed.Outages(ctx, time.Time{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "O-1", got[0].ID)
	assert.Equal(t, now, got[0].Updated)
	require.Len(t, sys.q, 1)
	assert.Equal(t, adapters.OutageQuery{Region: "gd.sz", From: now.Add(-7 * 24 * time.Hour), To: now.Add(3 * 24 * time.Hour)}, sys.q[0])
	since := got[0].Updated

	// Nothing changed: nothing new, at the same instant too.
	got, err = feed.Outages(ctx, since)
	require.NoError(t, err)
	assert.Empty(t, got)

	// A new outage and a change at the same clock reading: stamped after since.
	o1.End = at("2026-01-20 11:00")
	sys.set(o1, o2)
	got, err = feed.Outages(ctx, since)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []string{"O-1", "O-2"}, []string{got[0].ID, got[1].ID})
	assert.True(t, got[0].Updated.After(since))
	assert.Equal(t, o1.End, got[0].End)

	// A failing poll changes nothing and says whether to retry.
	sys.mu.Lock()
	sys.err = adapters.Errorf(adapters.Unavailable, "monitor down")
	sys.mu.Unlock()
	_, err = feed.Outages(ctx, since)
	require.Error(t, err)
	assert.True(t, adapters.IsRetryable(err))
	sys.mu.Lock()
	sys.err = nil
	sys.mu.Unlock()

	// A Monitor polling from zero (after its restart) gets everything in range.
	now = now.Add(time.Hour)
	got, err = feed.Outages(ctx, time.Time{})
	require.NoError(t, err)
	assert.Len(t, got, 2)

	// An outage that left the range is forgotten.
	now = at("2026-02-20 10:00")
	got, err = feed.Outages(ctx, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestMonitorPollsFeed checks the feed against the warning.Monitor: an
// outage affecting an important user raises an outage warning on Tick.
func TestMonitorPollsFeed(t *testing.T) {
	ctx := context.Background()
	now := at("2026-01-20 10:00")
	sys := &outageSys{}
	sys.set(adapters.Outage{ID: "O-1", Region: "gd.sz.ns", Start: at("2026-01-20 09:00"), CustomersAffected: 100,
		ImportantUsers: []string{"C-1003"}})
	mon, err := warning.NewMonitor(ctx, warning.Options{Outages: link.Outages(sys, "gd", link.OutagesConfig{Now: func() time.Time { return now }})})
	require.NoError(t, err)
	require.NoError(t, mon.Tick(ctx, now))
	var rules []string
	for _, w := range mon.Active() {
		rules = append(rules, w.Evidence.Rule)
	}
	assert.Contains(t, rules, "outage/important-users")
	require.NoError(t, mon.Tick(ctx, now.Add(time.Minute)))
	assert.Len(t, sys.q, 2)
}

package kesu_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a manual clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newIntake(ext string) complaint.Intake {
	return complaint.Intake{ExternalID: ext, Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: complaint.CatBillingDispute, Region: "gd.gz.th", Customer: "C1", Text: "话费多扣"}
}

// router is a test stage that dispatches every new ticket to one queue.
var router = kesu.StageFunc(func(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
	if in.Trigger.Type != complaint.EventAccepted {
		return nil, nil
	}
	return []complaint.Event{{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "gz-centre", Queue: "billing", Route: "root/billing"}}}, nil
})

func TestIntakeIdempotentOnExternalID(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: t0}
	eng := kesu.New(kesu.Config{Now: clk.Now, Stages: []kesu.Stage{router}})
	a, err := eng.Intake(ctx, newIntake("crm-1"))
	require.NoError(t, err)
	assert.Equal(t, "T00000001", a.ID)
	assert.Equal(t, complaint.StatusDispatched, a.Status)
	assert.Equal(t, "root/billing", a.Route)
	b, err := eng.Intake(ctx, newIntake("crm-1"))
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID)
	found, err := eng.Store().Find(ctx, complaint.Query{})
	require.NoError(t, err)
	assert.Len(t, found, 1)
}

func TestConcurrentIntakeSameExternalID(t *testing.T) {
	ctx := context.Background()
	eng := kesu.New(kesu.Config{Now: func() time.Time { return t0 }})
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := eng.Intake(ctx, newIntake("crm-race"))
			if assert.NoError(t, err) {
				ids[i] = tk.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	found, _ := eng.Store().Find(ctx, complaint.Query{})
	assert.Len(t, found, 1)
}

func TestIntakeBadInputStoresNothing(t *testing.T) {
	ctx := context.Background()
	eng := kesu.New(kesu.Config{Categories: complaint.CarrierCategories(), Regions: complaint.SampleRegions()})
	in := newIntake("x")
	in.Category, in.Region = "nope", "bj"
	_, err := eng.Intake(ctx, in)
	require.ErrorIs(t, err, complaint.ErrInvalid)
	assert.Contains(t, err.Error(), "intake.category")
	assert.Contains(t, err.Error(), "intake.region")
	assert.Equal(t, 0, eng.Store().(*complaint.MemStore).Len())
}

func TestFailingStageStoresNothing(t *testing.T) {
	ctx := context.Background()
	boom := kesu.StageFunc(func(context.Context, kesu.Input) ([]complaint.Event, error) { return nil, errors.New("boom") })
	eng := kesu.New(kesu.Config{Stages: []kesu.Stage{boom}})
	_, err := eng.Intake(ctx, newIntake("x"))
	require.ErrorContains(t, err, "boom")
	assert.Equal(t, 0, eng.Store().(*complaint.MemStore).Len())
}

func TestApplyLifecycleAndRefusal(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: t0}
	var seen []complaint.EventType
	obs := kesu.ObserverFunc(func(e *complaint.Event, _ *complaint.Ticket) { seen = append(seen, e.Type) })
	eng := kesu.New(kesu.Config{Now: clk.Now, Stages: []kesu.Stage{router}, Observers: []kesu.Observer{obs}})
	tk, err := eng.Intake(ctx, newIntake(""))
	require.NoError(t, err)
	clk.Advance(time.Hour)
	agent := complaint.Actor{Kind: complaint.ActorAgent, ID: "A7"}
	_, err = eng.Apply(ctx, tk.ID, complaint.Event{Type: complaint.EventClosed, Actor: agent,
		Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "gz"}}})
	require.ErrorIs(t, err, complaint.ErrInvalidTransition)
	tk, err = eng.Apply(ctx, tk.ID, complaint.Event{Type: complaint.EventAssigned, Actor: agent, Assign: &complaint.Assign{Assignee: "A7"}})
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusHandling, tk.Status)
	assert.Equal(t, t0.Add(time.Hour), tk.UpdatedAt)
	assert.Equal(t, []complaint.EventType{complaint.EventReceived, complaint.EventAccepted, complaint.EventDispatched, complaint.EventAssigned}, seen)

	_, err = eng.Apply(ctx, "T404", complaint.Event{Type: complaint.EventUrged})
	assert.ErrorIs(t, err, complaint.ErrNotFound)
}

func TestApplyConcurrentRetries(t *testing.T) {
	ctx := context.Background()
	eng := kesu.New(kesu.Config{Now: func() time.Time { return t0 }})
	tk, err := eng.Intake(ctx, newIntake(""))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := eng.Apply(ctx, tk.ID, complaint.Event{Type: complaint.EventUrged, Actor: complaint.Actor{Kind: complaint.ActorCustomer}})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if assert.ErrorIs(t, err, complaint.ErrConflict) {
				conflicts++
			}
		}()
	}
	wg.Wait()
	got, err := eng.Store().Get(ctx, tk.ID)
	require.NoError(t, err)
	assert.Equal(t, ok, got.UrgeCount, "every acknowledged urge is counted exactly once")
	assert.Equal(t, 6, ok+conflicts)
}

type failingCustomers struct{}

func (failingCustomers) Customer(context.Context, string) (*complaint.Customer, error) {
	return nil, errors.New("crm down")
}

func TestCustomerLookupFailureNeverLosesTicket(t *testing.T) {
	var pending bool
	st := kesu.StageFunc(func(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
		pending = in.Customer.Pending
		return nil, nil
	})
	eng := kesu.New(kesu.Config{Customers: failingCustomers{}, Stages: []kesu.Stage{st}})
	tk, err := eng.Intake(context.Background(), newIntake(""))
	require.NoError(t, err)
	assert.NotEmpty(t, tk.ID)
	assert.True(t, pending)
}

type denyAbove struct{ limit complaint.Money }

func (d denyAbove) Check(_ context.Context, t *complaint.Ticket, _ *complaint.Customer, e *complaint.Event) error {
	if e.Type == complaint.EventResolved && e.Resolution.Compensation > d.limit && t.Approved < e.Resolution.Compensation {
		return errors.New("compensation above limit")
	}
	return nil
}

func TestGuardRefuses(t *testing.T) {
	ctx := context.Background()
	eng := kesu.New(kesu.Config{Stages: []kesu.Stage{router}, Guards: []kesu.Guard{denyAbove{limit: 5000}}})
	tk, _ := eng.Intake(ctx, newIntake(""))
	_, err := eng.Apply(ctx, tk.ID, complaint.Event{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "A"}})
	require.NoError(t, err)
	res := complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "赔偿", Compensation: 20000}}
	_, err = eng.Apply(ctx, tk.ID, res)
	require.ErrorContains(t, err, "above limit")
	_, err = eng.Apply(ctx, tk.ID, complaint.Event{Type: complaint.EventApproved, Actor: complaint.Actor{Kind: complaint.ActorAgent, Tier: complaint.TierProvince}, Approval: &complaint.Approval{Amount: 20000}})
	require.NoError(t, err)
	tk, err = eng.Apply(ctx, tk.ID, res)
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusResolved, tk.Status)
}

func TestSubscribeTickRebuild(t *testing.T) {
	ctx := context.Background()
	eng := kesu.New(kesu.Config{Stages: []kesu.Stage{router}, Now: func() time.Time { return t0 }})
	var got []string
	cancel := eng.Subscribe(func(e complaint.Event, tk *complaint.Ticket) { got = append(got, e.Ticket+":"+string(e.Type)) })
	_, err := eng.Intake(ctx, newIntake(""))
	require.NoError(t, err)
	cancel()
	_, err = eng.Intake(ctx, newIntake(""))
	require.NoError(t, err)
	assert.Equal(t, []string{"T00000001:received", "T00000001:accepted", "T00000001:dispatched"}, got)

	var ticks []time.Time
	eng2 := kesu.New(kesu.Config{Tickers: []kesu.Ticker{tickFunc(func(_ context.Context, now time.Time) error {
		ticks = append(ticks, now)
		return errors.New("late")
	})}})
	err = eng2.Tick(ctx, t0)
	assert.ErrorContains(t, err, "late")
	assert.Equal(t, []time.Time{t0}, ticks)

	// Rebuilding from the log gives every ticket as stored.
	folded := map[string]*complaint.Ticket{}
	last, err := kesu.Rebuild(ctx, eng.Store(), kesu.ObserverFunc(func(e *complaint.Event, tk *complaint.Ticket) { folded[e.Ticket] = tk.Clone() }))
	require.NoError(t, err)
	assert.Equal(t, int64(6), last)
	for id, tk := range folded {
		stored, err := eng.Store().Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, stored, tk)
	}
}

type tickFunc func(ctx context.Context, now time.Time) error

func (f tickFunc) Tick(ctx context.Context, now time.Time) error { return f(ctx, now) }

func BenchmarkEngineIntake(b *testing.B) {
	ctx := context.Background()
	eng := kesu.New(kesu.Config{Now: func() time.Time { return t0 }, Stages: []kesu.Stage{router}})
	in := newIntake("")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Intake(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// flakyCustomers fails until it is switched on.
type flakyCustomers struct {
	mu sync.Mutex
	up bool
	complaint.Directory
}

func (f *flakyCustomers) Customer(ctx context.Context, id string) (*complaint.Customer, error) {
	f.mu.Lock()
	up := f.up
	f.mu.Unlock()
	if !up {
		return nil, errors.New("crm down")
	}
	return f.Directory.Customer(ctx, id)
}

func TestPendingProfileEnrichedWhenCRMIsBack(t *testing.T) {
	ctx := context.Background()
	crm := &flakyCustomers{}
	crm.Put(complaint.Customer{ID: "C1", Flags: []complaint.Flag{complaint.FlagProfessional}, Owner: "owner-9"})
	var flagsSeen []bool
	route := kesu.StageFunc(func(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
		switch in.Trigger.Type {
		case complaint.EventAccepted, complaint.EventProfiled:
			flagsSeen = append(flagsSeen, in.Customer.Has(complaint.FlagProfessional))
			unit := "centre"
			if in.Customer.Has(complaint.FlagProfessional) {
				unit = in.Customer.Owner
			}
			return []complaint.Event{{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: unit}}}, nil
		}
		return nil, nil
	})
	eng := kesu.New(kesu.Config{Customers: crm, Stages: []kesu.Stage{route}, Now: func() time.Time { return t0 }})
	tk, err := eng.Intake(ctx, newIntake("x1"))
	require.NoError(t, err, "a down CRM never loses a ticket")
	assert.True(t, tk.ProfilePending)
	assert.True(t, tk.HasTag(complaint.TagProfilePending))
	assert.Equal(t, "centre", tk.Unit)
	assert.Equal(t, []string{tk.ID}, eng.Pending())

	require.NoError(t, eng.Tick(ctx, t0), "still down: stays pending")
	assert.Equal(t, []string{tk.ID}, eng.Pending())

	// A restarted engine on the same store finds it again.
	eng2 := kesu.New(kesu.Config{Store: eng.Store(), Customers: crm, Stages: []kesu.Stage{route}, Now: func() time.Time { return t0 }})
	n, err := eng2.RecoverPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	crm.mu.Lock()
	crm.up = true
	crm.mu.Unlock()
	require.NoError(t, eng2.Tick(ctx, t0.Add(time.Minute)))
	assert.Empty(t, eng2.Pending())
	got, err := eng2.Store().Get(ctx, tk.ID)
	require.NoError(t, err)
	assert.False(t, got.ProfilePending)
	assert.Equal(t, "owner-9", got.Unit, "routed again with the real profile")
	assert.Equal(t, []bool{false, true}, flagsSeen)
}

// tagger leaves a tag action for every received ticket, as warning.Monitor does.
type tagger struct {
	mu      sync.Mutex
	pending []kesu.Action
}

func (g *tagger) Observe(e *complaint.Event, _ *complaint.Ticket) {
	if e.Type != complaint.EventReceived {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = append(g.pending, kesu.Action{Ticket: e.Ticket, Event: complaint.Event{Type: complaint.EventTagged,
		Tags: []complaint.Tag{{Name: "batch-member", Rule: "test/batch"}}}})
}
func (g *tagger) Tick(context.Context, time.Time) error { return nil }
func (g *tagger) Actions() []kesu.Action {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.pending
	g.pending = nil
	return out
}

func TestTickAppliesActions(t *testing.T) {
	ctx := context.Background()
	g := &tagger{}
	eng := kesu.New(kesu.Config{Observers: []kesu.Observer{g}, Tickers: []kesu.Ticker{g}, Now: func() time.Time { return t0 }})
	tk, err := eng.Intake(ctx, newIntake(""))
	require.NoError(t, err)
	assert.False(t, tk.HasTag("batch-member"), "observers never call the engine")
	require.NoError(t, eng.Tick(ctx, t0))
	got, err := eng.Store().Get(ctx, tk.ID)
	require.NoError(t, err)
	tag, ok := got.Tag("batch-member")
	require.True(t, ok)
	assert.Equal(t, "test/batch", tag.Rule)
	assert.Empty(t, g.Actions(), "drained once, not twice")

	// On Tick an action on a ticket the store no longer holds is moot.
	g.mu.Lock()
	g.pending = append(g.pending, kesu.Action{Ticket: "T404", Event: complaint.Event{Type: complaint.EventUrged}})
	g.mu.Unlock()
	require.NoError(t, eng.Tick(ctx, t0))

	err = eng.ApplyActions(ctx, []kesu.Action{{Ticket: "T404", Event: complaint.Event{Type: complaint.EventUrged}}})
	assert.ErrorIs(t, err, complaint.ErrNotFound)
	assert.ErrorContains(t, err, "T404")
}

package kesu_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
)

// seen records what an observer was shown.
type seen struct{ out []string }

func (s *seen) Observe(e *complaint.Event, t *complaint.Ticket) {
	s.out = append(s.out, fmt.Sprintf("%s seq=%d v=%d %s unit=%s tags=%d at=%s", e.Type, e.Seq, t.Version, t.Status, t.Unit, len(t.Tags),
		t.UpdatedAt.Format(time.RFC3339)))
}

// dispatchTagger tags a ticket when it is dispatched (a stage adding an
// event to an action's batch) and fails on a note reading "fail".
var dispatchTagger = kesu.StageFunc(func(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
	switch {
	case in.Trigger.Type == complaint.EventDispatched:
		return []complaint.Event{{Type: complaint.EventTagged, Tags: []complaint.Tag{{Name: "dispatched-" + in.Ticket.Unit, At: in.Now}}}}, nil
	case in.Trigger.Type == complaint.EventNote && in.Trigger.Text == "fail":
		return nil, errors.New("stage failed")
	}
	return nil, nil
})

// TestTakeActSameAsIntakeApply checks that the streaming calls over the
// replay window (buffers reused, no copies out) show the observers the
// same events and tickets as Intake and Apply over the memory store (and
// so do background observers), that Rebuild shows them too, and that a
// failing stage stores nothing.
func TestTakeActSameAsIntakeApply(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	mem, win := complaint.NewMemStore(), ingest.NewWindow(30*24*time.Hour)
	var a, b, c seen
	ea := kesu.New(kesu.Config{Store: mem, Now: now, Stages: []kesu.Stage{dispatchTagger}, Observers: []kesu.Observer{&a}})
	// b sees the events as they are stored, c on the background goroutine.
	eb := kesu.New(kesu.Config{Store: win, Now: now, Stages: []kesu.Stage{dispatchTagger}, Observers: []kesu.Observer{&b},
		Background: []kesu.Observer{&c}})
	in := complaint.Intake{ExternalID: "E1", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: "C1"}
	ta, err := ea.Intake(ctx, in)
	require.NoError(t, err)
	idb, err := eb.Take(ctx, in)
	require.NoError(t, err)
	again, err := eb.Take(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, idb, again, "Take is idempotent on the external id")
	steps := []complaint.Event{
		{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "u1"}},
		{Type: complaint.EventNote, Text: "fail"}, // the stage fails
		{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "a"}},
		{Type: complaint.EventTransferred, Dispatch: &complaint.Dispatch{Unit: "u2"}},
		{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "u3"}},
		{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "b"}},
		{Type: complaint.EventUrged, Text: "催单"},
		{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "u3"}}}, // refused by the lifecycle
		{Type: complaint.EventReplied, Text: "答复"},
		{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "ok"}},
	}
	for i, ev := range steps {
		at = at.Add(time.Minute)
		_, erra := ea.Apply(ctx, ta.ID, ev)
		errb := eb.Act(ctx, idb, ev)
		assert.Equal(t, erra == nil, errb == nil, "step %d: %v / %v", i, erra, errb)
	}
	assert.Len(t, a.out, 12, "received, accepted, dispatched + tag, assigned, transferred, dispatched + tag, assigned, urged, replied, resolved")
	assert.Equal(t, a.out, b.out)
	eb.Sync()
	assert.Equal(t, a.out, c.out, "background observers see the same")
	tb, err := win.Get(ctx, idb)
	require.NoError(t, err)
	stored, err := mem.Get(ctx, ta.ID)
	require.NoError(t, err)
	assert.Equal(t, stored, tb, "the window holds what the memory store holds")
	assert.Equal(t, 1, tb.UrgeCount)
	assert.Len(t, tb.Tags, 2, "the failing note stored nothing")

	var r seen
	_, err = kesu.Rebuild(ctx, mem, &r)
	require.NoError(t, err)
	assert.Equal(t, a.out, r.out, "observers saw what Rebuild shows")

	err = eb.Act(ctx, "nope", complaint.Event{Type: complaint.EventUrged})
	assert.ErrorIs(t, err, complaint.ErrNotFound)
}

// TestBackgroundObservers runs more events than the background queue holds
// from several goroutines: every event is seen once, in each ticket's
// order, by the time Sync returns; Tick syncs too.
func TestBackgroundObservers(t *testing.T) {
	ctx := t.Context()
	var mu sync.Mutex
	last := map[string]int{}
	n := 0
	obs := kesu.ObserverFunc(func(e *complaint.Event, tk *complaint.Ticket) {
		mu.Lock()
		defer mu.Unlock()
		if e.Seq != last[e.Ticket]+1 || tk.Version != e.Seq {
			t.Errorf("ticket %s: event %d after %d (ticket at version %d)", e.Ticket, e.Seq, last[e.Ticket], tk.Version)
		}
		last[e.Ticket] = e.Seq
		n++
	})
	eng := kesu.New(kesu.Config{Store: ingest.NewWindow(30 * 24 * time.Hour), Background: []kesu.Observer{obs}})
	const workers, urges = 4, 2000
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			id, err := eng.Take(ctx, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: "C1"})
			if err != nil {
				t.Error(err)
				return
			}
			for range urges {
				if err := eng.Act(ctx, id, complaint.Event{Type: complaint.EventUrged}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, eng.Tick(ctx, time.Now()))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, workers*(2+urges), n, "received, accepted and the urges of every ticket")
}

// appendTagger is dispatchTagger as a kesu.AppendStage: its DecideAppend
// writes the tag into the caller's Payloads; it counts the calls of each.
type appendTagger struct{ decides, appends int }

func (s *appendTagger) Decide(ctx context.Context, in kesu.Input) ([]complaint.Event, error) {
	s.decides++
	return dispatchTagger(ctx, in)
}

func (s *appendTagger) DecideAppend(_ context.Context, in kesu.Input, dst []complaint.Event, p *kesu.Payloads) ([]complaint.Event, error) {
	s.appends++
	if in.Trigger.Type != complaint.EventDispatched {
		return dst, nil
	}
	p.Tags = append(p.Tags[:0], complaint.Tag{Name: "dispatched-" + in.Ticket.Unit, At: in.Now})
	return append(dst, complaint.Event{Type: complaint.EventTagged, Tags: p.Tags}), nil
}

// TestAppendStage: over a store that copies (the replay window) the engine
// decides through DecideAppend, reusing its Payloads, and stores and shows
// the same as Decide over the memory store; over a store that keeps what
// it is given it calls Decide.
func TestAppendStage(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	mem, win := complaint.NewMemStore(), ingest.NewWindow(30*24*time.Hour)
	var sa, sb appendTagger
	var a, b seen
	ea := kesu.New(kesu.Config{Store: mem, Now: now, Stages: []kesu.Stage{&sa}, Observers: []kesu.Observer{&a}})
	eb := kesu.New(kesu.Config{Store: win, Now: now, Stages: []kesu.Stage{&sb}, Observers: []kesu.Observer{&b}})
	in := complaint.Intake{ExternalID: "E1", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: "C1"}
	ta, err := ea.Intake(ctx, in)
	require.NoError(t, err)
	idb, err := eb.Take(ctx, in)
	require.NoError(t, err)
	for _, unit := range []string{"u1", "u2", "u3", "u4"} {
		at = at.Add(time.Minute)
		ev := complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: unit}}
		_, err := ea.Apply(ctx, ta.ID, ev)
		require.NoError(t, err)
		require.NoError(t, eb.Act(ctx, idb, ev))
	}
	assert.Equal(t, a.out, b.out)
	assert.Zero(t, sa.appends, "the memory store keeps what it is given: Decide")
	assert.Positive(t, sa.decides)
	assert.Zero(t, sb.decides, "the window copies: DecideAppend")
	assert.Equal(t, sa.decides, sb.appends)
	tb, err := win.Get(ctx, idb)
	require.NoError(t, err)
	stored, err := mem.Get(ctx, ta.ID)
	require.NoError(t, err)
	assert.Equal(t, stored, tb, "each decision's tag kept, though its Payloads were reused")
	var names []string
	for _, tg := range tb.Tags {
		names = append(names, tg.Name)
	}
	assert.Equal(t, []string{"dispatched-u1", "dispatched-u2", "dispatched-u3", "dispatched-u4"}, names)
}

// recorder keeps a deep copy of every event and ticket it is shown.
type recorder struct {
	evs []complaint.Event
	ts  []*complaint.Ticket
}

func (r *recorder) Observe(e *complaint.Event, t *complaint.Ticket) {
	r.evs = append(r.evs, e.Clone())
	r.ts = append(r.ts, t.Clone())
}

// TestBackgroundSeesWhatObserversSee checks that background observers are
// shown every event with exactly the ticket the synchronous observers see
// (the engine hands over a commit of several events with the ticket before
// it, and the background goroutine folds them): intakes, actions whose
// decisions add events (a tag on every dispatch, so tags grow), a refused
// action, over the replay window and over the memory store, in more
// events than a batch holds.
func TestBackgroundSeesWhatObserversSee(t *testing.T) {
	for _, store := range []struct {
		name string
		s    complaint.Store
	}{{"window", ingest.NewWindow(30 * 24 * time.Hour)}, {"memory", complaint.NewMemStore()}} {
		t.Run(store.name, func(t *testing.T) {
			ctx := t.Context()
			at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
			var sync, bg recorder
			eng := kesu.New(kesu.Config{Store: store.s, Now: func() time.Time { return at }, Stages: []kesu.Stage{dispatchTagger},
				Observers: []kesu.Observer{&sync}, Background: []kesu.Observer{&bg}})
			var ids []string
			for i := range 60 {
				at = at.Add(time.Minute)
				id, err := eng.Take(ctx, complaint.Intake{ExternalID: fmt.Sprintf("E%d", i), Kind: complaint.KindComplaint,
					Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: fmt.Sprintf("C%d", i%7)})
				require.NoError(t, err)
				ids = append(ids, id)
			}
			for round := range 8 {
				for i, id := range ids {
					at = at.Add(time.Second)
					var ev complaint.Event
					switch (round + i) % 4 {
					case 0:
						ev = complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: fmt.Sprintf("u%d", round)}}
					case 1:
						ev = complaint.Event{Type: complaint.EventUrged, Text: "催单"}
					case 2:
						ev = complaint.Event{Type: complaint.EventNote, Text: "fail"} // the stage fails: nothing stored
					default:
						ev = complaint.Event{Type: complaint.EventTagged, Tags: []complaint.Tag{{Name: fmt.Sprintf("r%d", round), At: at}}}
					}
					err := eng.Act(ctx, id, ev)
					if ev.Text == "fail" {
						require.Error(t, err)
					} else {
						require.NoError(t, err)
					}
				}
			}
			eng.Sync()
			require.Greater(t, len(sync.evs), 2*256, "more events than two batches hold")
			require.Equal(t, sync.evs, bg.evs)
			require.Equal(t, len(sync.ts), len(bg.ts))
			for i := range sync.ts {
				require.Equal(t, sync.ts[i], bg.ts[i], "event %d (%s seq %d of %s)", i, sync.evs[i].Type, sync.evs[i].Seq, sync.evs[i].Ticket)
			}
			var tagged int
			for _, tk := range bg.ts {
				tagged = max(tagged, len(tk.Tags))
			}
			require.GreaterOrEqual(t, tagged, 4, "tags grew over the rounds (two dispatches and two tag actions a ticket)")
		})
	}
}

// forgetLog records the events (type and ticket) and the Forget calls an
// observer is shown, in order.
type forgetLog struct{ out []string }

func (f *forgetLog) Observe(e *complaint.Event, _ *complaint.Ticket) {
	f.out = append(f.out, fmt.Sprintf("%s %s", e.Type, e.Ticket))
}

func (f *forgetLog) Forget(t *complaint.Ticket, at time.Time) {
	f.out = append(f.out, fmt.Sprintf("forget %s %s %s", t.ID, t.Customer, at.Format("15:04")))
}

// TestForget checks that Engine.Forget reaches the observers that are
// Forgetters, synchronous and background, in commit order among the
// events (over more than a background batch), and that an observer that
// is not one is only shown events.
func TestForget(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	var sync, bg forgetLog
	var plain seen
	eng := kesu.New(kesu.Config{Store: ingest.NewWindow(30 * 24 * time.Hour), Now: func() time.Time { return at },
		Observers: []kesu.Observer{&sync}, Background: []kesu.Observer{&bg, &plain}})
	var want []string
	for i := range 300 {
		id, err := eng.Take(ctx, complaint.Intake{ExternalID: fmt.Sprintf("E%d", i), Kind: complaint.KindComplaint,
			Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: "C1"})
		require.NoError(t, err)
		want = append(want, "received "+id, "accepted "+id)
		if i%100 == 99 {
			tk, err := eng.Store().Get(ctx, id)
			require.NoError(t, err)
			eng.Forget(at, tk, &complaint.Ticket{ID: "T-unknown", Customer: "C9"})
			tk.Customer = "changed" // the engine keeps nothing of what it is given
			want = append(want, "forget "+id+" C1 09:00", "forget T-unknown C9 09:00")
		}
	}
	eng.Sync()
	assert.Equal(t, want, sync.out)
	assert.Equal(t, want, bg.out)
	assert.Len(t, plain.out, 600, "an observer that is not a Forgetter sees the events only")
}

package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/postgres"
)

// TestTwoInstances runs two engines, each on its own postgres.Store (its
// own pool) over one schema, taking the same tickets and acting on the same
// tickets at once: every external id is stored once, no update is lost, and
// a follower sees every event once, in order, without gaps.
func TestTwoInstances(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	stores := []*postgres.Store{openSchema(t, schema), openSchema(t, schema, postgres.WithPollInterval(50*time.Millisecond))}
	clock := func() time.Time { return storetest.Base }
	engines := []*kesu.Engine{
		kesu.New(kesu.Config{Store: stores[0], Now: clock, NewID: complaint.Sequence("A")}),
		kesu.New(kesu.Config{Store: stores[1], Now: clock, NewID: complaint.Sequence("B")}),
	}

	// The follower: the second instance follows the log from the start.
	fctx, stopFollow := context.WithCancel(ctx)
	var (
		fmu      sync.Mutex
		followed []int64
	)
	followDone := make(chan error, 1)
	go func() {
		followDone <- stores[1].Follow(fctx, 0, func(e *complaint.Event) error {
			fmu.Lock()
			followed = append(followed, e.Pos)
			fmu.Unlock()
			return nil
		})
	}()

	const tickets = 60
	var wg sync.WaitGroup
	ids := make([][]string, 4) // per goroutine: ticket id returned for each external id
	for g := range 4 {
		eng := engines[g%2]
		ids[g] = make([]string, tickets)
		wg.Go(func() {
			for i := range tickets {
				k := i
				if g >= 2 {
					k = tickets - 1 - i // the other pair goes backwards
				}
				tk, err := eng.Intake(ctx, complaint.Intake{ExternalID: fmt.Sprintf("EXT-%03d", k), Kind: complaint.KindComplaint,
					Channel: complaint.ChannelHotline, Category: "vas.unaware", Region: "gd.gz.th", Customer: "C1"})
				if !assert.NoError(t, err) {
					return
				}
				ids[g][k] = tk.ID
			}
		})
	}
	wg.Wait()
	all, err := stores[0].Find(ctx, complaint.Query{})
	require.NoError(t, err)
	require.Len(t, all, tickets, "each external id stored once")
	for k := range tickets {
		tk, err := stores[1].GetExternal(ctx, fmt.Sprintf("EXT-%03d", k))
		require.NoError(t, err)
		for g := range 4 {
			assert.Equal(t, tk.ID, ids[g][k], "every instance got the stored ticket for EXT-%03d", k)
		}
	}

	// Both instances urge the same tickets at once.
	const perWorker = 8
	var ok, conflicts atomic.Int64
	for g := range 4 {
		eng := engines[g%2]
		wg.Go(func() {
			for i := range perWorker {
				for _, tk := range all[:10] {
					_, err := eng.Apply(ctx, tk.ID, complaint.Event{Type: complaint.EventUrged, Text: fmt.Sprintf("g%d-%d", g, i)})
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, complaint.ErrConflict):
						conflicts.Add(1)
					default:
						assert.NoError(t, err)
					}
				}
			}
		})
	}
	wg.Wait()
	t.Logf("applied %d, gave up on %d after conflicts", ok.Load(), conflicts.Load())
	total := 0
	for _, tk := range all[:10] {
		got, err := stores[0].Get(ctx, tk.ID)
		require.NoError(t, err)
		evs, err := stores[1].Events(ctx, tk.ID)
		require.NoError(t, err)
		require.Len(t, evs, got.Version)
		folded, err := complaint.Fold(evs)
		require.NoError(t, err)
		assert.Equal(t, got.UrgeCount, folded.UrgeCount)
		total += got.UrgeCount
	}
	assert.Equal(t, int(ok.Load()), total, "every acknowledged update is stored: none lost")
	assert.Equal(t, 4*perWorker*10, int(ok.Load()+conflicts.Load()))

	// The follower catches up with the whole log: contiguous positions.
	last, err := stores[0].LastPos(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		fmu.Lock()
		defer fmu.Unlock()
		return len(followed) > 0 && followed[len(followed)-1] == last
	}, 10*time.Second, 20*time.Millisecond)
	stopFollow()
	require.ErrorIs(t, <-followDone, context.Canceled)
	fmu.Lock()
	defer fmu.Unlock()
	for i, p := range followed {
		require.Equal(t, int64(i+1), p, "the feed has no gap and no repeat")
	}
}

func TestFollowReturnsFnError(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	tk, evs := storetest.Fixture("T1", "", complaint.Intake{}, storetest.Base)
	require.NoError(t, s.Create(ctx, tk, evs))
	stop := errors.New("stop")
	n := 0
	err := s.Follow(ctx, 0, func(*complaint.Event) error { n++; return stop })
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
}

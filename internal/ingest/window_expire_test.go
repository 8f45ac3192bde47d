package ingest_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
)

// TestWindowExpireMatchesReference drives a Window with tickets updated at
// random times — mostly forward, some hours or days back (a warning's tag
// action carries its finding's time), a few years back — closes some, and
// expires at random times; after every step the window holds exactly the
// tickets a plain reference holds: the open ones whose last update is not
// before the cut; and Expire returns exactly those it forgot, as held.
func TestWindowExpireMatchesReference(t *testing.T) {
	ctx := t.Context()
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		horizon := time.Duration(24+rng.IntN(72)) * time.Hour
		w := ingest.NewWindow(horizon)
		ref := map[string]*complaint.Ticket{} // open tickets by id
		var expired int64
		now := time.Date(2025, 1, 6, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		n := 0
		for step := range 3000 {
			now = now.Add(time.Duration(rng.IntN(600)) * time.Second)
			switch r := rng.IntN(100); {
			case r < 30 || len(ref) == 0: // a new ticket
				n++
				tk := &complaint.Ticket{ID: fmt.Sprintf("T%05d", n), ExternalID: fmt.Sprintf("E%05d", n), Status: complaint.StatusAccepted,
					Version: 1, ReceivedAt: now, UpdatedAt: now}
				if rng.IntN(50) == 0 {
					tk.UpdatedAt = now.Add(-time.Duration(1+rng.IntN(3)) * 365 * 24 * time.Hour)
				}
				require.NoError(t, w.Create(ctx, tk, []complaint.Event{{Ticket: tk.ID, Seq: 1}}))
				ref[tk.ID] = tk
			case r < 95: // an update, sometimes back in time
				ids := slices.Sorted(maps.Keys(ref))
				tk := ref[ids[rng.IntN(len(ids))]]
				c := *tk
				c.Version++
				c.UpdatedAt = now
				switch rng.IntN(10) {
				case 0:
					c.UpdatedAt = now.Add(-time.Duration(rng.IntN(7200)) * time.Second)
				case 1:
					c.UpdatedAt = now.Add(-time.Duration(rng.IntN(5*24)) * time.Hour)
				case 2:
					c.Status = complaint.StatusClosed
				}
				require.NoError(t, w.Append(ctx, &c, []complaint.Event{{Ticket: c.ID, Seq: c.Version}}))
				if c.Status == complaint.StatusClosed {
					delete(ref, c.ID)
				} else {
					ref[c.ID] = &c
				}
			default: // expire
				at := now
				if rng.IntN(4) == 0 {
					at = now.Add(time.Duration(rng.IntN(10*24)) * time.Hour)
				}
				var gone []string
				for _, tk := range w.Expire(at) {
					require.Equal(t, ref[tk.ID], tk, "seed %d step %d: the ticket forgotten as it was held", seed, step)
					gone = append(gone, tk.ID)
				}
				slices.Sort(gone)
				cut := at.Add(-horizon)
				var want []string
				for id, tk := range ref {
					if tk.UpdatedAt.Before(cut) {
						delete(ref, id)
						expired++
						want = append(want, id)
					}
				}
				slices.Sort(want)
				require.Equal(t, want, gone, "seed %d step %d: the ids Expire returns", seed, step)
			}
			require.Equal(t, len(ref), w.Len(), "seed %d step %d", seed, step)
			_, e := w.Counts()
			require.Equal(t, expired, e, "seed %d step %d", seed, step)
			if step%100 == 0 {
				for id := range ref {
					_, err := w.Get(ctx, id)
					require.NoError(t, err, "seed %d step %d: %s", seed, step, id)
				}
			}
		}
	}
}

package scoring_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

// shuffledStream returns n tickets' lifecycles spread over about 20 weeks,
// the tickets interleaved at random (each ticket's events stay in order),
// so consecutive facts fall in different days, weeks and months, and late
// facts come for periods a small retention has already dropped.
func shuffledStream(t *testing.T, n int, seed uint64) []obs {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	regions := []string{"gd.gz.th.s01", "gd.gz.th.s02", "gd.gz.yx.s01", "gd.sz.ns.s01", "gd.sz", "gd"}
	cats := []string{"billing.dispute", "vas.unaware", "marketing.unaware", "network.quality", "broadband.delay"}
	base := at(2025, 1, 1, 8, 0)
	var lives [][]obs
	for i := range n {
		id := "T" + strconv.Itoa(i)
		t0 := base.Add(time.Duration(rng.IntN(140*24*60)) * time.Minute)
		step := time.Duration(1+rng.IntN(30)) * time.Hour
		evs := []complaint.Event{
			{Type: complaint.EventReceived, Intake: &complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
				Category: cats[rng.IntN(len(cats))], Region: regions[rng.IntN(len(regions))], Customer: "C" + strconv.Itoa(i), Partner: "SP" + strconv.Itoa(rng.IntN(4))}},
			{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "centre", Queue: "team-" + strconv.Itoa(rng.IntN(5)), Centralised: rng.IntN(3) == 0}},
			{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "a" + strconv.Itoa(rng.IntN(9))}},
			{Type: complaint.EventDeadlinesSet, Deadlines: &complaint.Deadlines{Reply: t0.Add(4 * time.Hour), Resolve: t0.Add(48 * time.Hour)}},
			{Type: complaint.EventReplied},
			{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "ok", Refund: complaint.Money(rng.IntN(3) * 100)}},
			{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: rng.IntN(4) != 0}},
			{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "centre", Cause: "c",
				Side: []string{"front-line", "network", "partner"}[rng.IntN(3)], Department: "d" + strconv.Itoa(rng.IntN(3))}}},
		}
		tk := new(complaint.Ticket)
		var life []obs
		for j := range evs {
			e := &evs[j]
			e.Ticket, e.Seq, e.At = id, j+1, t0.Add(time.Duration(j)*step)
			require.NoError(t, complaint.Apply(tk, e))
			life = append(life, obs{e, tk.Clone()})
		}
		lives = append(lives, life)
	}
	var out []obs
	for len(lives) > 0 {
		i := rng.IntN(len(lives))
		out = append(out, lives[i][0])
		if lives[i] = lives[i][1:]; len(lives[i]) == 0 {
			lives = append(lives[:i], lives[i+1:]...)
		}
	}
	return out
}

// requireSameBooks checks that a and b hold the same units and scorecards
// in every dimension, kind and period of the stream's range.
func requireSameBooks(t *testing.T, a, b *scoring.Book) int {
	t.Helper()
	ctx := context.Background()
	now := at(2025, 7, 1, 0, 0)
	compared := 0
	for _, dim := range a.Dimensions() {
		for _, k := range scoring.PeriodKinds {
			if _, err := a.Units(dim, scoring.PeriodOf(k, now, cst)); err != nil {
				continue // not kept
			}
			seen := map[scoring.Period]bool{}
			for d := at(2024, 12, 25, 12, 0); d.Before(at(2025, 6, 15, 0, 0)); d = d.AddDate(0, 0, 1) {
				p := scoring.PeriodOf(k, d, cst)
				if seen[p] {
					continue
				}
				seen[p] = true
				ua, err := a.Units(dim, p)
				require.NoError(t, err)
				ub, err := b.Units(dim, p)
				require.NoError(t, err)
				require.Equal(t, ua, ub, "%s %s", dim, p)
				for _, u := range ua {
					ca, err := a.Scorecard(ctx, dim, u, p, now)
					require.NoError(t, err)
					cb, err := b.Scorecard(ctx, dim, u, p, now)
					require.NoError(t, err)
					require.Equal(t, ca, cb, "%s %q %s", dim, u, p)
					compared++
				}
			}
		}
	}
	return compared
}

// TestPendingFactsReadTheSame feeds one shuffled stream to two books with a
// small retention: one is read after every event (so each fact reaches its
// slots before the next comes, as if counted at once), the other only at a
// few checkpoints (facts of one period wait to be added). Every scorecard
// must be the same at each checkpoint.
func TestPendingFactsReadTheSame(t *testing.T) {
	cfg := scoring.BookConfig{Dimensions: scoring.DimensionNames(), Periods: scoring.PeriodKinds,
		Retain: map[scoring.PeriodKind]int{scoring.Day: 9, scoring.Week: 4, scoring.Month: 2}}
	for _, c := range []struct {
		name string
		cfg  scoring.BookConfig
	}{
		{"all-kinds", cfg},
		{"months", scoring.BookConfig{Periods: []scoring.PeriodKind{scoring.Month}, Retain: map[scoring.PeriodKind]int{scoring.Month: 3}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs := shuffledStream(t, 300, 7)
			each, err := scoring.NewBook(scoring.Default(), c.cfg)
			require.NoError(t, err)
			lazy, err := scoring.NewBook(scoring.Default(), c.cfg)
			require.NoError(t, err)
			mar, _ := scoring.ParsePeriod("2025-03", cst)
			compared := 0
			for i, o := range evs {
				each.Observe(o.e, o.t)
				_, err := each.Units("all", mar)
				require.NoError(t, err)
				lazy.Observe(o.e, o.t)
				if i == len(evs)/3 || i == len(evs)-1 {
					compared += requireSameBooks(t, each, lazy)
				}
			}
			require.Greater(t, compared, 100)
		})
	}
}

// TestPendingFactsConcurrentReads observes while other goroutines read
// scorecards (run it with -race): every read sees a whole number of facts
// and the final scorecards equal those of a book fed alone.
func TestPendingFactsConcurrentReads(t *testing.T) {
	evs := shuffledStream(t, 200, 11)
	alone, err := scoring.NewBook(scoring.Default(), scoring.BookConfig{})
	require.NoError(t, err)
	for _, o := range evs {
		alone.Observe(o.e, o.t)
	}
	book, err := scoring.NewBook(scoring.Default(), scoring.BookConfig{})
	require.NoError(t, err)
	ctx := context.Background()
	mar, _ := scoring.ParsePeriod("2025-03", cst)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				units, err := book.Units("city", mar)
				require.NoError(t, err)
				for _, u := range units {
					_, err := book.Scorecard(ctx, "city", u, mar, at(2025, 7, 1, 0, 0))
					require.NoError(t, err)
				}
			}
		})
	}
	for _, o := range evs {
		book.Observe(o.e, o.t)
	}
	close(stop)
	wg.Wait()
	require.Greater(t, requireSameBooks(t, alone, book), 50)
}

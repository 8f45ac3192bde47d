package ingest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
)

// refIDs are ids the differential test draws from: short ones (kept
// inline in the slot), ones of exactly idKeyMax and idKeyMax+1 bytes, long
// ones, ids that share their first idKeyMax bytes and differ after, ids
// that differ only in length or in their last byte, and ids with zero
// bytes (the inline key's padding).
func refIDs(n int) []string {
	var ids []string
	long := strings.Repeat("L", idKeyMax)
	for k := range n {
		ids = append(ids,
			fmt.Sprintf("X%08d", k),
			fmt.Sprintf("%0*d", idKeyMax, k),
			fmt.Sprintf("%0*d", idKeyMax+1, k),
			long+fmt.Sprint(k),              // shares the first idKeyMax bytes
			long+fmt.Sprintf("-%d-tail", k), // longer still
			fmt.Sprintf("Z%d", k),           // Z1, Z10, Z100: prefixes of each other
			fmt.Sprintf("Z%d\x00", k),       // a trailing zero byte: not Z%d
			fmt.Sprintf("\x00%d", k),
		)
	}
	return ids
}

// TestWindowMatchesRef drives the Window and refWindow (the window before
// ids were kept inline and tags beside the ticket) with the same random
// operations — creations (some of ids already held, some closed at once),
// changes (some at a wrong version, some closing, some changing the
// external id, moving the update time forward within the hour, across
// hours, back, tags growing past slotTags and shrinking), reads by id and
// external id, expiries — over ids chosen to defeat the inline keys, and
// checks that every call returns the same thing, error text included.
// Slots are reused throughout (closed and expired tickets free them).
// Half the steps start with a prefetch of rows ahead, as a replay's.
func TestWindowMatchesRef(t *testing.T) {
	ctx := t.Context()
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 11))
		ids := append(refIDs(40), "") // "" too: a ticket without an external id, even one without an id
		horizon := time.Duration(24+rng.IntN(48)) * time.Hour
		w, ref := NewWindow(horizon), newRefWindow(horizon)
		now := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
		pick := func() string { return ids[rng.IntN(len(ids))] }
		// fresh returns a copy of s in a new allocation, so that the
		// windows cannot tell it from the string they hold by its address.
		fresh := func(s string) string { return strings.Clone(s) }
		// Tags are nil or not empty, as the engine hands them over (run
		// makes an emptied Tags nil): the refWindow kept an empty Tags
		// as nil or empty depending on the slot's history.
		tags := func() []complaint.Tag {
			switch n := rng.IntN(10); {
			case n == 0:
				return nil
			default:
				out := make([]complaint.Tag, 1+rng.IntN(2*slotTags+1))
				for k := range out {
					out[k] = complaint.Tag{Name: fmt.Sprint("t", rng.IntN(5)), Rule: "r", At: now}
				}
				return out
			}
		}
		var tk, rk complaint.Ticket
		var tt, rt []complaint.Tag
		// row is a replay row ahead, for the window's prefetch (which
		// must change nothing the comparisons below could see).
		row := func() *Row {
			switch rng.IntN(3) {
			case 0:
				return nil
			case 1:
				return &Row{Source: fresh(pick()), Intake: &complaint.Intake{}}
			}
			return &Row{Source: fresh(pick()), Event: &complaint.Event{}}
		}
		for step := range 6000 {
			where := fmt.Sprintf("seed %d step %d", seed, step)
			now = now.Add(time.Duration(rng.IntN(900)) * time.Second)
			if rng.IntN(2) == 0 {
				w.prefetch(row(), row())
			}
			switch op := rng.IntN(100); {
			case op < 25: // take a ticket in
				c := &complaint.Ticket{ID: fresh(pick()), Status: complaint.StatusAccepted, Version: 1 + rng.IntN(3),
					ReceivedAt: now, UpdatedAt: now, Category: "c", Tags: tags()}
				if rng.IntN(5) > 0 {
					c.ExternalID = fresh(pick())
				}
				if rng.IntN(20) == 0 {
					c.Status = complaint.StatusClosed
				}
				c2 := *c
				c2.Tags = append([]complaint.Tag(nil), c.Tags...)
				e1 := []complaint.Event{{}, {}}
				e2 := []complaint.Event{{}, {}}
				err1, err2 := w.Create(ctx, c, e1), ref.Create(ctx, &c2, e2)
				requireSameErr(t, err2, err1, where)
				require.Equal(t, e2, e1, where)
			case op < 70: // change a ticket, read through GetInto as the engine does
				id := pick()
				err1 := w.GetInto(ctx, fresh(id), &tk, &tt)
				err2 := ref.GetInto(ctx, fresh(id), &rk, &rt)
				requireSameErr(t, err2, err1, where)
				if err1 != nil {
					continue
				}
				require.Equal(t, rk, tk, where)
				n := 1 + rng.IntN(2)
				tk.Version += n
				if rng.IntN(10) == 0 {
					tk.Version++ // a conflict
				}
				switch rng.IntN(8) {
				case 0:
					tk.UpdatedAt = tk.UpdatedAt.Add(-time.Duration(rng.IntN(3*3600)) * time.Second)
				case 1:
					tk.UpdatedAt = now.Add(time.Duration(rng.IntN(3)) * time.Hour)
				case 2:
					tk.UpdatedAt = tk.UpdatedAt.Add(time.Duration(rng.IntN(60)) * time.Second)
				case 3:
					tk.UpdatedAt = now.Add(time.Duration(rng.IntN(2e9))) // within the next two seconds, to the nanosecond
				case 4:
					// unchanged
				default:
					tk.UpdatedAt = now
				}
				switch rng.IntN(10) {
				case 0:
					tk.Tags = tags()
				case 1:
					tk.Tags = append(tk.Tags, complaint.Tag{Name: "more", At: now})
				case 2:
					if len(tk.Tags) > 1 {
						tk.Tags = tk.Tags[:len(tk.Tags)-1]
					} else {
						tk.Tags = nil
					}
				}
				if rng.IntN(30) == 0 {
					tk.ExternalID = fresh(pick()) // not what the store's contract expects; still the same answers
				}
				if rng.IntN(10) == 0 {
					tk.Status = complaint.StatusClosed
				}
				tk.Priority = rng.IntN(100)
				rk = tk
				rk.Tags = append([]complaint.Tag(nil), tk.Tags...)
				if tk.Tags == nil {
					rk.Tags = nil
				}
				e1, e2 := make([]complaint.Event, n), make([]complaint.Event, n)
				err1, err2 = w.Append(ctx, &tk, e1), ref.Append(ctx, &rk, e2)
				requireSameErr(t, err2, err1, where)
				require.Equal(t, e2, e1, where)
			case op < 80: // reads by external id
				id := pick()
				require.Equal(t, ref.HoldsExternal(id), w.HoldsExternal(fresh(id)), where)
				id1, st1, ok1 := w.state(fresh(id))
				id2, st2, ok2 := ref.state(id)
				require.Equal(t, []any{id2, st2, ok2}, []any{id1, st1, ok1}, where)
				g1, err1 := w.GetExternal(ctx, fresh(id))
				g2, err2 := ref.GetExternal(ctx, id)
				requireSameErr(t, err2, err1, where)
				require.Equal(t, g2, g1, where)
			case op < 90: // reads by id
				id := pick()
				g1, err1 := w.Get(ctx, fresh(id))
				g2, err2 := ref.Get(ctx, id)
				requireSameErr(t, err2, err1, where)
				require.Equal(t, g2, g1, where)
			case op < 97: // expire
				at := now
				switch rng.IntN(3) {
				case 0:
					at = now.Add(time.Duration(rng.IntN(3*24)) * time.Hour)
				case 1: // at a held ticket's edge: the cut is its update time, give or take a nanosecond
					if held, err := ref.Get(ctx, pick()); err == nil {
						at = held.UpdatedAt.Add(horizon + time.Duration(rng.IntN(3)-1))
					}
				}
				w.Expire(at)
				ref.Expire(at)
			default: // everything held
				f1, err1 := w.Find(ctx, complaint.Query{})
				f2, err2 := ref.Find(ctx, complaint.Query{})
				requireSameErr(t, err2, err1, where)
				require.Equal(t, f2, f1, where)
			}
			require.Equal(t, ref.Len(), w.Len(), where)
			require.Equal(t, ref.ext.Len(), w.ext.Len(), where+": external ids held") // forget finds them again
			c1, x1 := w.Counts()
			c2, x2 := ref.Counts()
			require.Equal(t, []int64{c2, x2}, []int64{c1, x1}, where)
		}
	}
}

func requireSameErr(t *testing.T, want, got error, where string) {
	t.Helper()
	if want == nil {
		require.NoError(t, got, where)
		return
	}
	require.EqualError(t, got, want.Error(), where)
}

// TestIDKey checks the inline keys on their own (in the windows they are
// compared only after the tables' 32-bit hashes matched, so distinct ids
// rarely reach them): over ids of every length around idKeyMax, sharing
// prefixes, differing only in length or in zero bytes, a key is another
// id's exactly when the ids are equal.
func TestIDKey(t *testing.T) {
	ids := append(refIDs(12), "", "\x00", "\x00\x00", strings.Repeat("\x00", idKeyMax), strings.Repeat("\x00", idKeyMax+1))
	for _, a := range ids {
		k := idKeyOf(a)
		for _, b := range ids {
			if got := k.is(strings.Clone(b), a); got != (a == b) {
				t.Errorf("key of %q is %q: %v", a, b, got)
			}
		}
	}
}

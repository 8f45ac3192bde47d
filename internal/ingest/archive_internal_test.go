package ingest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestArchiveMergesRuns archives random warnings in many small runs, in
// memory and in a file, and reads them back in (raise time, ordinal)
// order with every field as written.
func TestArchiveMergesRuns(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		t.Run(fmt.Sprintf("file=%v", dir != ""), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			a := &archive{dir: dir, runBytes: 2000}
			type rec struct {
				l   Listed
				ord int
			}
			var want []rec
			for ord := range 5000 {
				l := Listed{ID: fmt.Sprintf("W%06d", rng.IntN(1e6)), Kind: []string{"batch", "deadline", "预警"}[rng.IntN(3)],
					Grade: "II", Key: fmt.Sprintf("customer=C%d", rng.IntN(50)),
					RaisedAt: fmt.Sprintf("2025-01-%02dT%02d:00:00+08:00", 1+rng.IntN(28), rng.IntN(24)),
					Count:    rng.IntN(100) - 3, Baseline: rng.Float64() * 10, Tickets: []string{}, Rule: "r/" + fmt.Sprint(rng.IntN(9)),
					State: stateArchived}
				for range rng.IntN(4) {
					l.Tickets = append(l.Tickets, fmt.Sprintf("X%d", rng.IntN(1e9)))
				}
				// Archived out of order, as warnings end: ordinals shuffled a little.
				o := ord + rng.IntN(50)
				a.add(&l, o)
				want = append(want, rec{l, o})
			}
			slices.SortStableFunc(want, func(x, y rec) int {
				return cmp.Or(cmp.Compare(x.l.RaisedAt, y.l.RaisedAt), cmp.Compare(x.ord, y.ord))
			})
			require.Greater(t, len(a.runs), 50, "runs")
			var got []rec
			require.NoError(t, a.each(func(l *Listed, ord int) bool {
				got = append(got, rec{*l, ord})
				return true
			}))
			require.Len(t, got, len(want))
			for i := range want {
				// Equal keys may come in either order of their runs; the
				// stream never has two warnings with the same ordinal.
				require.Equal(t, want[i].l.RaisedAt, got[i].l.RaisedAt, "record %d", i)
			}
			slices.SortStableFunc(got, func(x, y rec) int {
				return cmp.Or(cmp.Compare(x.l.RaisedAt, y.l.RaisedAt), cmp.Compare(x.ord, y.ord), cmp.Compare(x.l.ID, y.l.ID))
			})
			slices.SortStableFunc(want, func(x, y rec) int {
				return cmp.Or(cmp.Compare(x.l.RaisedAt, y.l.RaisedAt), cmp.Compare(x.ord, y.ord), cmp.Compare(x.l.ID, y.l.ID))
			})
			require.Equal(t, want, got)

			// Stopping early stops.
			n := 0
			require.NoError(t, a.each(func(*Listed, int) bool { n++; return n < 10 }))
			require.Equal(t, 10, n)
			require.NoError(t, a.close())
		})
	}
}

// TestArchiveRejectsBadRecords reads malformed bodies as errors, never a
// panic or a silent short record.
func TestArchiveRejectsBadRecords(t *testing.T) {
	good := appendRecord(nil, &Listed{ID: "W1", RaisedAt: "2025", Tickets: []string{"a", "b"}}, 7)
	body := good[1:] // a one-byte length
	var l Listed
	ord, err := decodeRecord(body, &l)
	require.NoError(t, err)
	require.Equal(t, 7, ord)
	require.Equal(t, []string{"a", "b"}, l.Tickets)
	for n := range len(body) {
		_, err := decodeRecord(body[:n], &l)
		require.ErrorIs(t, err, errBadRecord, "cut at %d", n)
	}
	_, err = decodeRecord(append(body[:len(body):len(body)], 0), &l)
	require.ErrorIs(t, err, errBadRecord, "trailing byte")
}

// FuzzArchiveRecord decodes arbitrary bodies without panicking, and what
// decodes encodes and decodes again to the same.
func FuzzArchiveRecord(f *testing.F) {
	f.Add(appendRecord(nil, &Listed{ID: "W1", RaisedAt: "2025", Tickets: []string{"a"}}, 3)[1:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		var l Listed
		ord, err := decodeRecord(body, &l)
		if err != nil || ord < 0 {
			return
		}
		rec := appendRecord(nil, &l, ord)
		_, body2 := skip(rec)
		var l2 Listed
		ord2, err := decodeRecord(body2, &l2)
		require.NoError(t, err)
		require.Equal(t, ord, ord2)
		require.Equal(t, rec, appendRecord(nil, &l2, ord2)) // bytes: a NaN baseline is not Equal to itself
	})
}

// skip splits a record into its length and body.
func skip(rec []byte) (int, []byte) {
	d := recDecoder{b: rec}
	n := d.uvarint()
	return int(n), d.b
}

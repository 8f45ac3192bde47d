package warning

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeyIndex checks the open-addressed index against a Go map under
// random puts and deletes, with hashes crowded into few home slots.
func TestKeyIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var x keyIndex
	want := map[uint64]int32{}
	for step := 0; step < 200000; step++ {
		h := r.Uint64N(5000)
		if step%3 == 0 {
			h <<= 58 // same high bits: long probe runs
		}
		switch r.IntN(3) {
		case 0, 1:
			i := r.Int32N(1 << 20)
			x.put(h, i)
			want[h] = i
		case 2:
			x.del(h)
			delete(want, h)
		}
		if step%997 == 0 {
			require.Equal(t, len(want), x.n)
			for k, v := range want {
				got, ok := x.get(k)
				require.True(t, ok, "step %d: hash %d lost", step, k)
				require.Equal(t, v, got)
			}
		}
		got, ok := x.get(h)
		v, in := want[h]
		require.Equal(t, in, ok)
		require.Equal(t, v, got)
	}
}

// TestAppendFP checks the allocation-free fingerprints against Fingerprint.
func TestAppendFP(t *testing.T) {
	b := &batch{}
	for _, s := range []series{
		{fam: famFine, ka: "gd.gz.th", kb: "billing.dispute"},
		{fam: famCoarse, ka: "gd.gz", kb: "billing"},
		{fam: famTop, ka: "gd", kb: ""},
		{fam: famPartner, ka: "p1", kb: "gd"},
		{fam: famProduct, ka: "fiber"},
	} {
		require.Equal(t, b.fingerprint(&s), string(b.appendFP(nil, &s)))
	}
	for _, c := range [][2]string{{"C1", "billing"}, {"C1", ""}} {
		require.Equal(t, Fingerprint(KindRepeat, NewKey("customer", c[0], "category", c[1])),
			string(appendRepeatFP(nil, c[0], c[1])))
	}
	require.Equal(t, Fingerprint(KindEscalation, NewKey("customer", "C1")),
		string(appendFingerprint(nil, KindEscalation, Key{{"customer", "C1"}})))
}

package warning

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSumCounted checks the eight-at-a-time sum of hour slots against a
// plain loop, with excluded slots (0xff) anywhere.
func TestSumCounted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		p := make([]uint8, r.IntN(40))
		for i := range p {
			switch r.IntN(4) {
			case 0:
				p[i] = excluded
			case 1:
				p[i] = uint8(r.IntN(excluded))
			default:
				p[i] = uint8(r.IntN(3))
			}
		}
		want := 0
		for _, v := range p {
			if v != excluded {
				want += int(v)
			}
		}
		require.Equal(t, want, sumCounted(p), "%v", p)
	}
}

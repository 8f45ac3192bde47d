package warning

import (
	"math/rand/v2"
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/require"
)

// TestTruncate3 checks truncate3 against complaint.Truncate on random
// codes of every length up to 79, dots anywhere (leading, trailing,
// doubled), bytes next to '.' in value (0x2d, 0x2f, 0xae, 0x00) and
// UTF-8.
func TestTruncate3(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	alpha := []byte{'.', '.', 'a', 'g', 'd', '1', '-', '/', 0xae, 0x00, 0xff, 0xe5, 0x2e ^ 0x80}
	for n := range 80 {
		for range 2000 {
			b := make([]byte, n)
			for i := range b {
				b[i] = alpha[r.IntN(len(alpha))]
			}
			code := string(b)
			l1, l2, l3 := truncate3(code)
			require.Equal(t, complaint.Truncate(code, 1), l1, "%q", code)
			require.Equal(t, complaint.Truncate(code, 2), l2, "%q", code)
			require.Equal(t, complaint.Truncate(code, 3), l3, "%q", code)
		}
	}
	for _, code := range []string{"", ".", "gd", "gd.c14.d04.s02", "network.coverage", "marketing.plan-changed", "a.b.c.d.e.f.g.h.i"} {
		l1, l2, l3 := truncate3(code)
		require.Equal(t, [3]string{complaint.Truncate(code, 1), complaint.Truncate(code, 2), complaint.Truncate(code, 3)}, [3]string{l1, l2, l3}, "%q", code)
	}
}

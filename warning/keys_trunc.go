package warning

import (
	"math/bits"

	"github.com/kesu-go/kesu/complaint"
)

// truncate3 returns complaint.Truncate(code, 1), (code, 2) and (code, 3):
// the prefixes of code before its first, second and third dot (code
// itself when it has fewer dots). The dots of a code of at most 64 bytes
// are found eight bytes at a time, as a bit mask of their positions.
func truncate3(code string) (l1, l2, l3 string) {
	n := len(code)
	if n > 64 {
		return complaint.Truncate(code, 1), complaint.Truncate(code, 2), complaint.Truncate(code, 3)
	}
	var dots uint64 // bit i: code[i] is a dot
	o := 0
	if n >= 8 && n <= 16 { // the common case: two words, the second shifted past the first
		dots = dotBits(le64(code)) | dotBits(le64(code[n-8:])>>(8*uint(16-n)))<<8
		o = n
	}
	for ; o+8 <= n; o += 8 {
		dots |= dotBits(le64(code[o:])) << o
	}
	if o < n { // the last n-o bytes
		var w uint64
		if n >= 8 {
			w = le64(code[n-8:]) >> (8 * uint(o+8-n))
		} else {
			for j := n - 1; j >= 0; j-- {
				w = w<<8 | uint64(code[j])
			}
		}
		dots |= dotBits(w) << o
	}
	// A missing dot gives 64 ≥ n.
	i1 := bits.TrailingZeros64(dots)
	dots &= dots - 1
	i2 := bits.TrailingZeros64(dots)
	dots &= dots - 1
	i3 := bits.TrailingZeros64(dots)
	return code[:min(i1, n)], code[:min(i2, n)], code[:min(i3, n)]
}

// dotBits returns a byte of w's dots: bit j is set when byte j of w
// (little-endian) is '.'.
func dotBits(w uint64) uint64 {
	x := w ^ 0x2e2e2e2e2e2e2e2e
	// 0x80 in each byte of x that is zero (exact: no carry crosses a byte).
	m := ^((x&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | x) & 0x8080808080808080
	// Bit 8j of m>>7 to bit 56+j of the product (no two terms meet).
	return (m >> 7) * 0x0102040810204080 >> 56
}

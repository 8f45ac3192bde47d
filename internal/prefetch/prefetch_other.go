//go:build !amd64

package prefetch

import "unsafe"

// four loads a byte at each of a, b, c and d and returns their sum:
// without a prefetch instruction, plain loads issued together still let
// the cache misses overlap.
func four(a, b, c, d unsafe.Pointer) uint64 {
	return uint64(*(*byte)(a)) + uint64(*(*byte)(b)) + uint64(*(*byte)(c)) + uint64(*(*byte)(d))
}

package warning

import "unsafe"

// prefetch4 asks the CPU to load the cache lines at a, b, c and d without
// waiting for them (PREFETCHT0: it never faults and changes nothing).
//
//go:noescape
func prefetch4(a, b, c, d unsafe.Pointer)

// prefetched is 0 where prefetch4 does the loading; see prefetch_other.go.
func prefetched(a, b, c, d unsafe.Pointer) uint64 {
	prefetch4(a, b, c, d)
	return 0
}

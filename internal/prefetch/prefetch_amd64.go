package prefetch

import "unsafe"

// four issues PREFETCHT0 for a, b, c and d (prefetch_amd64.s) and returns 0.
func four(a, b, c, d unsafe.Pointer) uint64 {
	prefetchT0(a, b, c, d)
	return 0
}

// prefetchT0 is PREFETCHT0 at each of a, b, c and d.
//
//go:noescape
func prefetchT0(a, b, c, d unsafe.Pointer)

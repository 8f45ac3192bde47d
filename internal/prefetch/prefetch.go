// Package prefetch asks the CPU to start loading cache lines that code is
// about to read, so that the misses of several look-ups into large tables
// (a replay's window of open tickets, the warning detectors' per-customer
// state) overlap instead of stalling one after the other.
//
// A prefetch never faults and changes nothing: an address that turns out
// not to be needed costs one wasted load. On amd64 it is the PREFETCHT0
// instruction; elsewhere it is a plain one-byte load of each address, whose
// sum the caller keeps (so the compiler cannot drop the loads), which still
// lets the misses overlap.
package prefetch

import "unsafe"

// Four starts loading the cache lines at a, b, c and d and returns a value
// the caller should add into a field it keeps (0 where the CPU prefetches;
// the loaded bytes' sum elsewhere): every pointer must be valid (point
// into a live object); pass one twice to load fewer lines.
func Four(a, b, c, d unsafe.Pointer) uint64 { return four(a, b, c, d) }

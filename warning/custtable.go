package warning

import "unsafe"

// ctable is an open-addressed hash table of 64-bit keys (already hashes)
// to small values, for the per-customer state: linear probing,
// backward-shift deletion, at most 7/8 full, key and value side by side in
// one slot so a lookup touches one cache line. It has the semantics of a
// map[uint64]V; the zero key is stored as 1 (hashes collide at 2^-64).
type ctable[V any] struct {
	s    []cslot[V]
	n    int
	bits uint8
}

type cslot[V any] struct {
	k uint64 // 0: empty
	v V
}

func ckey(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

func (t *ctable[V]) home(k uint64) int { return int((k * 0x9e3779b97f4a7c15) >> (64 - t.bits)) }

// get returns a pointer to k's value, or nil. The pointer is valid until
// the next insertion or deletion.
func (t *ctable[V]) get(k uint64) *V {
	if t.n == 0 {
		return nil
	}
	k = ckey(k)
	mask := len(t.s) - 1
	for p := t.home(k); ; p = (p + 1) & mask {
		s := &t.s[p]
		if s.k == k {
			return &s.v
		}
		if s.k == 0 {
			return nil
		}
	}
}

// homeOf returns the address of k's home slot (where a lookup of k
// starts), or of t when the table is empty: for prefetched.
func (t *ctable[V]) homeOf(k uint64) unsafe.Pointer {
	if len(t.s) == 0 {
		return unsafe.Pointer(t)
	}
	return unsafe.Pointer(&t.s[t.home(ckey(k))])
}

// put returns a pointer to k's value, inserting the zero value when k is
// absent. The pointer is valid until the next insertion or deletion.
func (t *ctable[V]) put(k uint64) *V {
	k = ckey(k)
	if (t.n+1)*8 > len(t.s)*7 {
		t.resize(max(t.bits+1, 6))
	}
	mask := len(t.s) - 1
	p := t.home(k)
	for ; t.s[p].k != 0; p = (p + 1) & mask {
		if t.s[p].k == k {
			return &t.s[p].v
		}
	}
	t.s[p].k = k
	t.n++
	return &t.s[p].v
}

func (t *ctable[V]) resize(bits uint8) {
	old := t.s
	t.bits = bits
	t.s, t.n = make([]cslot[V], 1<<bits), 0
	mask := len(t.s) - 1
	for i := range old {
		if k := old[i].k; k != 0 {
			p := t.home(k)
			for t.s[p].k != 0 {
				p = (p + 1) & mask
			}
			t.s[p] = old[i]
			t.n++
		}
	}
}

// shrink halves the table while it is under 1/4 full (Go maps do not
// shrink; this bounds memory after a peak).
func (t *ctable[V]) shrink() {
	b := t.bits
	for b > 6 && t.n*4 < 1<<b {
		b--
	}
	if b < t.bits {
		t.resize(b)
	}
}

// sweep calls f on every entry; f returns false to delete it. Entries may
// be seen twice (when a deletion shifts a wrapped entry back), so f must
// be idempotent.
func (t *ctable[V]) sweep(f func(v *V) bool) {
	for i := 0; i < len(t.s); {
		if t.s[i].k != 0 && !f(&t.s[i].v) {
			t.delAt(i)
			continue // slot i holds a shifted entry (or is empty) now
		}
		i++
	}
}

// delAt removes the entry in slot i, shifting later entries of its probe
// run back.
func (t *ctable[V]) delAt(i int) {
	mask := len(t.s) - 1
	t.n--
	j := i
	for {
		t.s[i] = cslot[V]{}
		for {
			j = (j + 1) & mask
			if t.s[j].k == 0 {
				return
			}
			k := t.home(t.s[j].k)
			// Entry j stays when its home lies cyclically in (i, j].
			if (i <= j && i < k && k <= j) || (i > j && (i < k || k <= j)) {
				continue
			}
			break
		}
		t.s[i] = t.s[j]
		i = j
	}
}

// Package idtab is a hash table from string ids to the int32 slots where a
// caller keeps what the ids name, holding no pointer: the ids themselves
// stay in the caller's slots, and the table compares with them through the
// caller. A map[string]int32 of a million ids keeps a million string
// headers the garbage collector scans on every cycle, and costs a cache
// miss for the key's bytes on top of the map's own; a Table is an array of
// 8-byte entries the collector skips.
//
// It is open addressing with linear probing over a power-of-two array at
// most 3/4 full; deletion shifts the entries after the hole back (no
// tombstones, so look-ups do not slow down with churn). Each entry holds
// the low 32 bits of the id's Key, which choose its home and are compared
// before the caller's id, and the slot. The zero Table is empty and ready
// to use. It is not safe for concurrent use.
package idtab

import "unsafe"

// Table maps ids to slots. See the package documentation.
type Table struct {
	ents []entry
	n    int
}

type entry struct {
	hash uint32
	slot int32 // slot + 1; 0: empty
}

// Key is a fixed, deterministic 64-bit hash of id (no random seed: a
// replay behaves the same every run). The id is read 8 bytes at a time,
// each word mixed into the state by MurmurHash3's 64-bit finaliser (a
// bijection), after the length. Ids of up to 8 bytes of one length map to
// distinct keys; other ids collide with probability about 2⁻⁶⁴ per pair.
// It is not built to resist ids crafted to collide.
func Key(id string) uint64 {
	h := fmix64(0x9e3779b97f4a7c15 ^ uint64(len(id)))
	for len(id) >= 8 {
		w := uint64(id[0]) | uint64(id[1])<<8 | uint64(id[2])<<16 | uint64(id[3])<<24 |
			uint64(id[4])<<32 | uint64(id[5])<<40 | uint64(id[6])<<48 | uint64(id[7])<<56
		h = fmix64(h ^ w)
		id = id[8:]
	}
	if len(id) > 0 {
		var w uint64
		for i := len(id) - 1; i >= 0; i-- {
			w = w<<8 | uint64(id[i])
		}
		h = fmix64(h ^ w)
	}
	return h
}

// Hash is the part of Key a Table probes by.
func Hash(id string) uint32 { return uint32(Key(id)) }

// fmix64 is MurmurHash3's 64-bit finaliser, a bijection on uint64.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// Len returns how many ids the table holds.
func (t *Table) Len() int { return t.n }

// Find looks id up (hash is Hash(id)); is reports whether slot s holds id.
// It returns the entry's index and slot and true when id is there, or the
// index where it goes and false.
func (t *Table) Find(id string, hash uint32, is func(s int32, id string) bool) (i int, slot int32, ok bool) {
	ents := t.ents
	if len(ents) == 0 {
		return 0, -1, false
	}
	mask := uint32(len(ents) - 1)
	for j := hash & mask; ; j = (j + 1) & mask {
		e := ents[j]
		if e.slot == 0 {
			return int(j), -1, false
		}
		if e.hash == hash && is(e.slot-1, id) {
			return int(j), e.slot - 1, true
		}
	}
}

// Home returns the address of the entry where a look-up of hash starts
// (for a prefetch: the cache line the look-up misses on first), or nil
// when the table is empty. It reads nothing there.
func (t *Table) Home(hash uint32) unsafe.Pointer {
	if len(t.ents) == 0 {
		return nil
	}
	return unsafe.Pointer(&t.ents[hash&uint32(len(t.ents)-1)])
}

// Guess returns the slot of the first entry of hash's probe run whose
// hash is hash, or -1: the slot a Find of an id with that hash will most
// likely return, found without comparing ids (for a prefetch of the
// slot; a look-up must still Find).
func (t *Table) Guess(hash uint32) int32 {
	ents := t.ents
	if len(ents) == 0 {
		return -1
	}
	mask := uint32(len(ents) - 1)
	for j := hash & mask; ents[j].slot != 0; j = (j + 1) & mask {
		if ents[j].hash == hash {
			return ents[j].slot - 1
		}
	}
	return -1
}

// Insert adds slot s under hash at index i, as returned by a Find of the
// id that did not find it (with no change to the table since), growing
// the table first when it would be more than 3/4 full.
func (t *Table) Insert(i int, hash uint32, s int32) {
	if 4*(t.n+1) > 3*len(t.ents) {
		old := t.ents
		t.ents = make([]entry, max(64, 2*len(old)))
		mask := uint32(len(t.ents) - 1)
		for _, e := range old {
			if e.slot == 0 {
				continue
			}
			j := e.hash & mask
			for t.ents[j].slot != 0 {
				j = (j + 1) & mask
			}
			t.ents[j] = e
		}
		j := hash & mask
		for t.ents[j].slot != 0 {
			j = (j + 1) & mask
		}
		i = int(j)
	}
	t.ents[i] = entry{hash: hash, slot: s + 1}
	t.n++
}

// Remove empties index i, as returned by a Find that found the id (with no
// change to the table since), and moves back the entries of its probe run
// that could no longer be found past the hole.
func (t *Table) Remove(i int) {
	mask := len(t.ents) - 1
	for j := (i + 1) & mask; t.ents[j].slot != 0; j = (j + 1) & mask {
		home := int(t.ents[j].hash) & mask
		// The entry at j can fill the hole at i unless its home lies
		// cyclically in (i, j]: then it must stay after its home.
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.ents[i] = t.ents[j]
			i = j
		}
	}
	t.ents[i] = entry{}
	t.n--
}

package warning

import (
	"cmp"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDeadlineIDWords checks the look-up's id comparison: an id matches
// its own slot and not one of an id that differs in one byte (at any
// place, for lengths 0–24: within and past the 16 bytes the words
// cover) or only in length (a trailing zero byte).
func TestDeadlineIDWords(t *testing.T) {
	m, err := NewMonitor(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := m.dl
	for n := range 25 {
		id := []byte("0123456789abcdefghijklmnopq"[:n])
		s := d.newSlot()
		*d.ticket(s) = dlTicket{id: string(id), idw: idWords(string(id))}
		if !d.is(s, string(id)) {
			t.Fatalf("%q does not match its own slot", id)
		}
		if d.is(s, string(id)+"\x00") {
			t.Fatalf("%q matches %q", id, string(id)+"\x00")
		}
		for p := range n {
			other := []byte(string(id))
			other[p] ^= 0x80
			if d.is(s, string(other)) {
				t.Fatalf("%q matches %q", id, other)
			}
			if n <= 16 && idWords(string(other)) == idWords(string(id)) {
				t.Fatalf("%q and %q have the same words", id, other)
			}
		}
	}
}

// TestDeadlineTieOrder checks the order of due alarms (compare) between alarms of two
// tickets at the same instant against the ids' order, for random ids of
// 0–24 bytes with long common prefixes and a few byte values (zero among
// them: a shorter id can be its longer neighbour's zero-padded prefix) and for equal ids (a closed
// ticket and its reopened successor), which fall back on stage and level.
func TestDeadlineTieOrder(t *testing.T) {
	m, err := NewMonitor(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := m.dl
	r := rand.New(rand.NewPCG(5, 6))
	var ids []string
	bases := []string{"X0000000000000000000000000", "X00000000000000000000000\x00\x00", "X0000000099999999999999999"}
	for range 400 {
		// Prefixes of a few ids, a byte or two changed: long shared
		// prefixes, ids of every length.
		b := []byte(bases[r.IntN(len(bases))][:r.IntN(25)])
		for range r.IntN(3) {
			if len(b) > 0 {
				b[r.IntN(len(b))] = []byte{0, 1, 'X', '0', '9', 0xff}[r.IntN(6)]
			}
		}
		ids = append(ids, string(b))
	}
	ids = append(ids, ids[:50]...) // the same ids in other slots
	for _, id := range ids {
		*d.ticket(d.newSlot()) = dlTicket{id: id, idw: idWords(id)}
	}
	for range 200_000 {
		x, y := int32(r.IntN(len(ids))), int32(r.IntN(len(ids)))
		a := alarm{at: 7, ref: uint32(x)<<5 | uint32(r.IntN(32))}
		b := alarm{at: 7, ref: uint32(y)<<5 | uint32(r.IntN(32))}
		want := cmp.Or(strings.Compare(ids[x], ids[y]), cmp.Compare(a.ref&31, b.ref&31))
		if got := d.compare(a, b); got != want {
			t.Fatalf("%q/%d against %q/%d: %v, want %v", ids[x], a.ref&31, ids[y], b.ref&31, got, want)
		}
	}
}

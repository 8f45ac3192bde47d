package warning

import (
	"context"
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

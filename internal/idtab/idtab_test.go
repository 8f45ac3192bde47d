package idtab

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestTableMatchesMap runs random inserts, look-ups and removals against a
// map, with the real hash and with a hash of a few values (long probe
// runs that wrap around the array's end, the case removal must get right).
func TestTableMatchesMap(t *testing.T) {
	for _, c := range []struct {
		name string
		hash func(string) uint32
	}{
		{"key", Hash},
		{"few", func(id string) uint32 { return Hash(id)%7 | 0xfffffff0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var tab Table
			var slots []string // slot → id ("" free)
			ref := map[string]int32{}
			is := func(s int32, id string) bool { return slots[s] == id }
			for step := range 200_000 {
				id := fmt.Sprintf("T%d", r.IntN(3000))
				h := c.hash(id)
				i, s, ok := tab.Find(id, h, is)
				want, in := ref[id]
				if ok != in || (ok && s != want) {
					t.Fatalf("step %d: Find(%s) = %d, %v; want %d, %v", step, id, s, ok, want, in)
				}
				switch {
				case !ok && r.IntN(2) == 0:
					s := int32(len(slots))
					slots = append(slots, id)
					tab.Insert(i, h, s)
					ref[id] = s
				case ok && r.IntN(3) == 0:
					tab.Remove(i)
					slots[s] = ""
					delete(ref, id)
				}
				if tab.Len() != len(ref) {
					t.Fatalf("step %d: Len %d, want %d", step, tab.Len(), len(ref))
				}
			}
			for id, s := range ref {
				if _, got, ok := tab.Find(id, c.hash(id), is); !ok || got != s {
					t.Fatalf("%s: %d, %v; want %d", id, got, ok, s)
				}
			}
		})
	}
}

// TestKeyIsFixed pins Key: the hash has no random seed, so a replay
// counts the same every run, and ids of the shapes tickets and customers
// have get distinct keys.
func TestKeyIsFixed(t *testing.T) {
	for id, want := range map[string]uint64{"": 0x9ca066f1a4ab2eea, "T00000001": 0x8156743807e34cb7, "ticket-000000007919-1": 0x269b0f8974259875} {
		if got := Key(id); got != want {
			t.Errorf("Key(%q) = %#x, want %#x", id, got, want)
		}
	}
	seen := map[uint64]string{}
	for i := range 200000 {
		for _, id := range []string{fmt.Sprintf("T%07d", i), fmt.Sprintf("X%08d", i), fmt.Sprintf("%d", i), fmt.Sprintf("ticket-%d-long-id", i)} {
			k := Key(id)
			if o, ok := seen[k]; ok && o != id {
				t.Fatalf("Key(%q) = Key(%q) = %x", id, o, k)
			}
			seen[k] = id
		}
	}
	if Hash("T00000001") != uint32(Key("T00000001")) {
		t.Error("Hash is not Key's low bits")
	}
}

func BenchmarkFind(b *testing.B) {
	const n = 200_000
	var tab Table
	slots := make([]string, n)
	is := func(s int32, id string) bool { return slots[s] == id }
	for s := range int32(n) {
		id := fmt.Sprintf("X%08d", s)
		slots[s] = id
		i, _, _ := tab.Find(id, Hash(id), is)
		tab.Insert(i, Hash(id), s)
	}
	m := make(map[string]int32, n)
	for s, id := range slots {
		m[id] = int32(s)
	}
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			id := slots[(i*7919)%n]
			if _, _, ok := tab.Find(id, Hash(id), is); !ok {
				b.Fatal(id)
			}
			i++
		}
	})
	b.Run("baseline-map", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, ok := m[slots[(i*7919)%n]]; !ok {
				b.Fatal(i)
			}
			i++
		}
	})
}

// TestGuessAndHome checks Guess against Find: with distinct hashes Guess
// is the slot Find returns (and -1 for an absent hash), with shared hashes
// it is the first slot of the run that has the hash; Home is the entry
// Find starts at.
func TestGuessAndHome(t *testing.T) {
	var tab Table
	if tab.Home(1) != nil || tab.Guess(1) != -1 {
		t.Fatal("an empty table has no home and no guess")
	}
	var ids []string
	is := func(s int32, id string) bool { return ids[s] == id }
	for n := range 1000 {
		id := fmt.Sprintf("G%d", n)
		i, _, ok := tab.Find(id, Hash(id), is)
		if ok {
			t.Fatalf("%s found before insert", id)
		}
		ids = append(ids, id)
		tab.Insert(i, Hash(id), int32(n))
	}
	for n, id := range ids {
		if g := tab.Guess(Hash(id)); g != int32(n) {
			t.Fatalf("Guess(%s) = %d, want %d", id, g, n)
		}
		h := Hash(id)
		if home := tab.Home(h); home != unsafe.Pointer(&tab.ents[h&uint32(len(tab.ents)-1)]) {
			t.Fatalf("Home(%s) is not the entry at hash&mask", id)
		}
	}
	if g := tab.Guess(Hash("absent")); g != -1 {
		t.Fatalf("Guess(absent) = %d", g)
	}
	// Two ids with one hash: Guess is the first inserted (first in the run).
	var tab2 Table
	ids = ids[:0]
	for n, id := range []string{"x", "y"} {
		i, _, _ := tab2.Find(id, 7, is)
		ids = append(ids, id)
		tab2.Insert(i, 7, int32(n))
	}
	if g := tab2.Guess(7); g != 0 {
		t.Fatalf("Guess(7) = %d, want 0 (the first of the run)", g)
	}
}

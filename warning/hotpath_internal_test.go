package warning

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSumCounted checks the eight-at-a-time sum of hour slots against a
// plain loop, with excluded slots (0xff) anywhere.
func TestSumCounted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		p := make([]uint8, r.IntN(40))
		for i := range p {
			switch r.IntN(4) {
			case 0:
				p[i] = excluded
			case 1:
				p[i] = uint8(r.IntN(excluded))
			default:
				p[i] = uint8(r.IntN(3))
			}
		}
		want := 0
		for _, v := range p {
			if v != excluded {
				want += int(v)
			}
		}
		require.Equal(t, want, sumCounted(p), "%v", p)
	}
}

// TestWordIn checks the one-pass word search against the first word (in
// the configured order) that strings.Contains finds.
func TestWordIn(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	parts := []string{"工信部", "12300", "媒体", "律师", "工", "信", "部", "1", "23", "00", "媒", "体律", "ab", "，", "x"}
	for _, words := range [][]string{nil, {"律师", "工信部", "12300", "媒体", "0", "体律"}, {"律师", "工信部", "12300", "媒体", "体律"}} {
		cfg := Config{Escalation: EscalationConfig{Words: words}}.Defaults()
		x := newEscalation(&cfg, nil)
		for range 20000 {
			var b strings.Builder
			for range r.IntN(12) {
				b.WriteString(parts[r.IntN(len(parts))])
			}
			text := b.String()
			want := ""
			for _, w := range cfg.Escalation.Words {
				if strings.Contains(text, w) {
					want = w
					break
				}
			}
			require.Equal(t, want, x.wordIn(text), "%q in %q", cfg.Escalation.Words, text)
		}
	}
}

// TestDayPrefix checks the cached sums of sequential adds against the
// adds, with rates that share cache entries.
func TestDayPrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var b batch
	for range 20000 {
		rate := float32(r.IntN(300)) / float32(1+r.IntN(672))
		pre := b.dayPrefix(rate)
		var d float32
		for i := 1; i <= 24; i++ {
			d += rate
			require.Equal(t, d, pre[i], "rate %v, %d adds", rate, i)
		}
	}
}

// TestHashStrTail checks hashStr against a byte-at-a-time form of its
// word reads (two overlapping words, two 4-byte halves, three bytes, the
// blocks of a long string), for every length up to 40.
func TestHashStrTail(t *testing.T) {
	word := func(s string, n int) uint64 { // little-endian, s[:n]
		var w uint64
		for i := n - 1; i >= 0; i-- {
			w = w<<8 | uint64(s[i])
		}
		return w
	}
	ref := func(h uint64, s string) uint64 {
		n := len(s)
		var a, b uint64
		switch {
		case n > 16:
			i := 0
			for ; n-i > 16; i += 16 {
				h = hashMix(word(s[i:], 8)^hashK1, word(s[i+8:], 8)^h)
			}
			a, b = word(s[n-16:], 8), word(s[n-8:], 8)
		case n >= 8:
			a, b = word(s, 8), word(s[n-8:], 8)
		case n >= 4:
			a, b = word(s, 4), word(s[n-4:], 4)
		case n > 0:
			a = uint64(s[0])<<16 | uint64(s[n/2])<<8 | uint64(s[n-1])
		}
		return hashMix(a^hashK1, b^h^uint64(n)*hashK2)
	}
	r := rand.New(rand.NewPCG(9, 10))
	for n := range 41 {
		for range 200 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			require.Equal(t, ref(hashSeed, string(b)), hashStr(hashSeed, string(b)), "%x", b)
		}
	}
}

// TestZeros checks the word-at-a-time count of empty hour slots against a
// slot-by-slot walk of the ring.
func TestZeros(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var s series
	for range 20000 {
		clear(s.hours[:])
		for range r.IntN(6) {
			s.hours[r.IntN(ringH)] = uint8(1 + r.IntN(excluded))
		}
		i, n := r.IntN(ringH), r.IntN(ringH+1)
		want := 0
		for j := i; want < n && s.hours[j] == 0; j = (j + 1) % ringH {
			want++
		}
		require.Equal(t, want, s.zeros(i, n), "i %d n %d", i, n)
	}
}

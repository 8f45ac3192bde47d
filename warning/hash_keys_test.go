package warning

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHash2Parts checks that the ways ticketKeys.set builds key hashes from
// shared parts give hash2.
func TestHash2Parts(t *testing.T) {
	for _, p := range [][2]string{{"", ""}, {"a", ""}, {"", "a"}, {"gd", "network"}, {"gd.c14.d04.s02", "marketing.plan-changed"},
		{"C1945154", "billing.dispute"}, {"X00000001", "#"}, {"一二三四五六七八九十", "工信部"}} {
		a, b := p[0], p[1]
		h := hash2(a, b)
		require.Equal(t, h, hash2Rest(hashStr(hashSeed, a), b), "%q", p)
		require.Equal(t, h, hashJoin(hashStr(hashSeed, a), hashStr(hashSeed2, b)), "%q", p)
		if b == "" {
			require.Equal(t, h, hashJoin(hashStr(hashSeed, a), hashEmpty2), "%q", p)
		}
	}
}

// TestHash2Distinct checks hash2 for collisions on keys shaped like the
// indexes' keys: two million customer ids, region × category codes, every
// split of the same bytes into two parts, and short strings.
func TestHash2Distinct(t *testing.T) {
	if testing.Short() {
		t.Skip("two million keys")
	}
	seen := make(map[uint64]string, 3_000_000)
	add := func(a, b string) {
		h := hash2(a, b)
		k := fmt.Sprintf("%q|%q", a, b)
		if o, ok := seen[h]; ok && o != k {
			t.Fatalf("hash2 collision: %s and %s", o, k)
		}
		seen[h] = k
	}
	for i := range 2_000_000 {
		c := fmt.Sprintf("C%07d", i)
		add(c, "")
		if i%4 == 0 {
			add(c, "billing.dispute")
		}
	}
	cats := []string{"network", "network.coverage", "billing", "billing.dispute", "marketing", "marketing.plan-changed", "vas.unaware", "service.suspension"}
	for c := 1; c <= 40; c++ {
		for d := 1; d <= 12; d++ {
			for s := 1; s <= 6; s++ {
				for _, cat := range cats {
					add("gd", cat)
					add(fmt.Sprintf("gd.c%02d", c), cat)
					add(fmt.Sprintf("gd.c%02d.d%02d", c, d), cat)
					add(fmt.Sprintf("gd.c%02d.d%02d.s%02d", c, d, s), cat)
				}
			}
		}
	}
	for _, w := range []string{"gd.c14.d04.s02marketing.plan-changed", "abcdefghijklmnopqrstuvwxyz0123456789"} {
		for i := range len(w) + 1 {
			add(w[:i], w[i:])
		}
	}
	for i := range 1 << 16 {
		s := string([]byte{byte(i), byte(i >> 8)})
		add(s, "")
		add(s[:1], "")
		add("", s)
	}
}

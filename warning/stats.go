package warning

import (
	"math"
	"math/bits"
)

// Tail returns P(X ≥ x) for a count X with mean mu and dispersion phi
// (variance phi·mu): Poisson when phi ≤ 1, negative binomial otherwise. It
// does not allocate.
func Tail(x int, mu, phi float64) float64 {
	if x <= 0 {
		return 1
	}
	if mu <= 0 {
		return 0
	}
	var logp, q, r float64
	if phi <= 1.000001 {
		lg, _ := math.Lgamma(float64(x) + 1)
		logp = float64(x)*math.Log(mu) - mu - lg
	} else {
		p := 1 / phi
		q = 1 - p
		r = mu / (phi - 1)
		a, _ := math.Lgamma(float64(x) + r)
		b, _ := math.Lgamma(r)
		c, _ := math.Lgamma(float64(x) + 1)
		logp = a - b - c + r*math.Log(p) + float64(x)*math.Log(q)
	}
	term := math.Exp(logp)
	if term == 0 {
		return 0
	}
	sum := term
	for k := x; k < x+5000; k++ {
		if phi <= 1.000001 {
			term *= mu / float64(k+1)
		} else {
			term *= (float64(k) + r) / float64(k+1) * q
		}
		sum += term
		if term < sum*1e-12 {
			break
		}
	}
	if sum > 1 {
		sum = 1
	}
	return sum
}

// BinomialTail returns P(A ≥ a) for A ~ Binomial(n, p). It does not allocate.
func BinomialTail(a, n int, p float64) float64 {
	if a <= 0 {
		return 1
	}
	if a > n {
		return 0
	}
	ln, _ := math.Lgamma(float64(n) + 1)
	la, _ := math.Lgamma(float64(a) + 1)
	lb, _ := math.Lgamma(float64(n-a) + 1)
	term := math.Exp(ln - la - lb + float64(a)*math.Log(p) + float64(n-a)*math.Log1p(-p))
	sum := term
	for k := a; k < n; k++ {
		term *= float64(n-k) / float64(k+1) * p / (1 - p)
		sum += term
		if term < sum*1e-12 {
			break
		}
	}
	if sum > 1 {
		sum = 1
	}
	return sum
}

// hash2 is a 64-bit hash of two strings (separated: ("ab", "") and ("a",
// "b") differ), for the in-memory indexes of per-key and per-customer
// state; it is not persisted anywhere. Each string is hashed on its own
// (hashStr, with a seed per side) and the two joined by one 64×64→128-bit
// multiply (hashJoin), so keys that share a part hash it once:
// hash2(a, b) is hash2Rest(hashStr(hashSeed, a), b) and
// hashJoin(hashStr(hashSeed, a), hashStr(hashSeed2, b)).
func hash2(a, b string) uint64 { return hashJoin(hashStr(hashSeed, a), hashStr(hashSeed2, b)) }

// hashSeed and hashSeed2 start the first and the second string of hash2.
const (
	hashSeed  = 0x243f6a8885a308d3
	hashSeed2 = 0x13198a2e03707344
)

// hash2Rest is hash2(a, b) given h = hashStr(hashSeed, a).
func hash2Rest(h uint64, b string) uint64 { return hashJoin(h, hashStr(hashSeed2, b)) }

// hashJoin joins the hashes of hash2's two strings.
func hashJoin(ha, hb uint64) uint64 { return hashMix(ha^0xa4093822299f31d0, hb^0x082efa98ec4e6c89) }

// hashMix folds the 128-bit product of a and b (wyhash's "mum").
func hashMix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// Multipliers of hashStr (wyhash's secrets).
const (
	hashK1 = 0xa0761d6478bd642f
	hashK2 = 0xe7037ed1a0b428db
)

// hashStr hashes s, seeded by h: sixteen bytes per multiply, as wyhash. A
// string of at most sixteen bytes is read as two (overlapping) words, or
// two 4-byte halves, or three bytes, which with its length determine it;
// a longer one in blocks of sixteen, the last block ending at the end of
// the string.
func hashStr(h uint64, s string) uint64 {
	n := len(s)
	var a, b uint64
	switch {
	case n > 16:
		t := s
		for len(t) > 16 {
			h = hashMix(le64(t)^hashK1, le64(t[8:])^h)
			t = t[16:]
		}
		a, b = le64(s[n-16:]), le64(s[n-8:])
	case n >= 8:
		a, b = le64(s), le64(s[n-8:])
	case n >= 4:
		a, b = le32(s), le32(s[n-4:])
	case n > 0:
		a = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	}
	return hashMix(a^hashK1, b^h^uint64(n)*hashK2)
}

// le64 is the little-endian word of s's first eight bytes.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// le32 is the little-endian word of s's first four bytes.
func le32(s string) uint64 {
	_ = s[3]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

// hashEmpty2 is hashStr(hashSeed2, ""): hash2(a, "") is
// hashJoin(hashStr(hashSeed, a), hashEmpty2).
var hashEmpty2 = hashStr(hashSeed2, "")

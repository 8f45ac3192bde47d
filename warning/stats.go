package warning

import "math"

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

// hash64 is FNV-1a over the strings, separated: a stable key hash (state is
// addressable by it when detectors are partitioned across instances).
func hash64(parts ...string) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range parts {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}

// hash2 is a 64-bit hash of two strings (separated: ("ab", "") and ("a",
// "b") differ), for the in-memory indexes of per-key and per-customer
// state. It reads eight bytes at a time (FNV-1a's byte-at-a-time multiply
// chain was a tenth of the warning path); it is not persisted anywhere.
func hash2(a, b string) uint64 { return hash2Rest(hashStr(hashSeed, a), b) }

// hashSeed starts hash2; hash2Rest(hashStr(hashSeed, a), b) is hash2(a, b),
// so keys that share a first part hash it once.
const hashSeed = 0x243f6a8885a308d3

func hash2Rest(h uint64, b string) uint64 { return hashFinal(hashStr(h^0xa4093822299f31d0, b)) }

const hashMul = 0x9e3779b97f4a7c15

func hashStr(h uint64, s string) uint64 {
	h ^= uint64(len(s))
	all := s
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = (h ^ w) * hashMul
		h ^= h >> 32
		s = s[8:]
	}
	// The last len(s) < 8 bytes, little-endian: the top bytes of the
	// string's last eight when it has eight, else byte by byte.
	var w uint64
	if n := len(s); n > 0 && len(all) >= 8 {
		t := all[len(all)-8:]
		w = uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		w >>= 64 - 8*uint(n)
		s = ""
	}
	for i := len(s) - 1; i >= 0; i-- {
		w = w<<8 | uint64(s[i])
	}
	h = (h ^ w) * hashMul
	return h ^ h>>29
}

func hashFinal(h uint64) uint64 {
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	h *= 0x94d049bb133111eb
	return h ^ h>>29
}

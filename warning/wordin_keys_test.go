package warning

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// containsFirst is the reference for wordIn: the first word, in the given
// order, that strings.Contains finds in text.
func containsFirst(words []string, text string) string {
	for _, w := range words {
		if strings.Contains(text, w) {
			return w
		}
	}
	return ""
}

// TestWordInRandom checks wordIn against containsFirst on random word
// lists (lengths 1 to 9 bytes, shared prefixes and suffixes, ASCII and
// UTF-8, invalid UTF-8) and random texts made of pieces of the words and
// of other bytes.
func TestWordInRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	alpha := []string{"工", "信", "部", "媒", "体", "律", "师", "1", "2", "0", "a", "b", "\xe5", "\xb7", "\xa5", "，", "信号"}
	piece := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alpha[r.IntN(len(alpha))])
		}
		return b.String()
	}
	for range 3000 {
		words := make([]string, 1+r.IntN(12))
		for i := range words {
			switch r.IntN(5) {
			case 0:
				words[i] = defaultWords[r.IntN(len(defaultWords))]
			case 1:
				if i > 0 { // a word sharing a prefix or suffix with another
					w := words[r.IntN(i)]
					if r.IntN(2) == 0 {
						words[i] = w[:1+r.IntN(len(w))] + piece(r.IntN(2))
					} else {
						words[i] = piece(r.IntN(2)) + w[r.IntN(len(w)):]
					}
					break
				}
				fallthrough
			default:
				words[i] = piece(1 + r.IntN(3))
			}
			if len(words[i]) > 9 {
				words[i] = words[i][:9]
			}
		}
		cfg := Config{Escalation: EscalationConfig{Words: words}}.Defaults()
		x := newEscalation(&cfg, nil)
		for range 200 {
			var b strings.Builder
			for range r.IntN(16) {
				if r.IntN(3) == 0 {
					b.WriteString(words[r.IntN(len(words))])
				} else {
					b.WriteString(piece(1))
				}
			}
			text := b.String()
			if n := len(text); n > 0 && r.IntN(4) == 0 { // cut anywhere, even inside a character
				text = text[r.IntN(n):]
			}
			require.Equal(t, containsFirst(cfg.Escalation.Words, text), x.wordIn(text), "%q in %q", cfg.Escalation.Words, text)
		}
	}
}

// TestWordInLong checks a word list whose shortest word is longer than 255
// bytes (the window is capped) and texts around it.
func TestWordInLong(t *testing.T) {
	long := strings.Repeat("律师", 50) // 300 bytes
	words := []string{long + "x", long}
	cfg := Config{Escalation: EscalationConfig{Words: words}}.Defaults()
	x := newEscalation(&cfg, nil)
	for _, text := range []string{"", long[:299], long, "a" + long, long + "x", "ab" + long[3:] + "x", "律" + long + "x"} {
		require.Equal(t, containsFirst(words, text), x.wordIn(text), "%q", text)
	}
}

// FuzzWordIn compares wordIn with containsFirst for the default words and
// for a word list taken from the input.
func FuzzWordIn(f *testing.F) {
	f.Add("投诉到工信部和12300", "工信部|12300|投诉")
	f.Add("我要找记者曝光", "曝光|记者")
	f.Add("\xe5\xb7\xa5\xe4", "ab|\xe5\xb7")
	f.Fuzz(func(t *testing.T, text, list string) {
		def := Config{}.Defaults()
		x := newEscalation(&def, nil)
		if got, want := x.wordIn(text), containsFirst(def.Escalation.Words, text); got != want {
			t.Fatalf("default words in %q: %q, want %q", text, got, want)
		}
		words := strings.Split(list, "|")
		cfg := Config{Escalation: EscalationConfig{Words: words}}.Defaults()
		y := newEscalation(&cfg, nil)
		if got, want := y.wordIn(text), containsFirst(cfg.Escalation.Words, text); got != want {
			t.Fatalf("%q in %q: %q, want %q", cfg.Escalation.Words, text, got, want)
		}
	})
}

package scoring

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kesu-go/kesu/complaint"
)

// Counter says which facts a KPI counts: a fact and filters on it. Lists
// match any of their entries; category and region entries match their
// descendants too (complaint.Under); When lists conditions that must all hold
// ("!" in front: must not hold). An empty filter matches every fact of the
// kind. Counter is also the YAML form in policy files.
type Counter struct {
	Fact     string   `yaml:"fact" json:"fact"`
	Kind     []string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Channel  []string `yaml:"channel,omitempty" json:"channel,omitempty"`
	Category []string `yaml:"category,omitempty" json:"category,omitempty"`
	Region   []string `yaml:"region,omitempty" json:"region,omitempty"`
	Partner  []string `yaml:"partner,omitempty" json:"partner,omitempty"`
	Product  []string `yaml:"product,omitempty" json:"product,omitempty"`
	// Tags match tags the ticket carried before the fact (on FactTagged:
	// the tag being set). Flags are customer flags, which the tagging stage
	// records as tags of the same name; they match the same way.
	Tags  []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Flags []string `yaml:"flags,omitempty" json:"flags,omitempty"`
	// Side and Handling match the responsibility and handling class
	// recorded at closing (FactClosed only).
	Side     []string `yaml:"side,omitempty" json:"side,omitempty"`
	Handling []string `yaml:"handling,omitempty" json:"handling,omitempty"`
	When     []string `yaml:"when,omitempty" json:"when,omitempty"`
	// Duration names the duration a mean or quantile KPI takes: reply,
	// resolve or first-contact (FactResolved only).
	Duration string `yaml:"duration,omitempty" json:"duration,omitempty"`
}

// String is a compact, stable description of c, e.g.
// "received[kind=complaint,escalated category=vas.unaware]".
func (c Counter) String() string {
	var parts []string
	add := func(k string, v []string) {
		if len(v) > 0 {
			parts = append(parts, k+"="+strings.Join(v, ","))
		}
	}
	add("kind", c.Kind)
	add("channel", c.Channel)
	add("category", c.Category)
	add("region", c.Region)
	add("partner", c.Partner)
	add("product", c.Product)
	add("tags", c.Tags)
	add("flags", c.Flags)
	add("side", c.Side)
	add("handling", c.Handling)
	add("when", c.When)
	if c.Duration != "" {
		parts = append(parts, "duration="+c.Duration)
	}
	if len(parts) == 0 {
		return c.Fact
	}
	return c.Fact + "[" + strings.Join(parts, " ") + "]"
}

// measure is a compiled Counter: what one counter slot of a cell counts.
type measure struct {
	key      string
	fact     Fact
	kinds    uint16 // bit i: complaint.Kinds[i]; 0 = any
	channels uint16 // bit i: complaint.Channels[i]; 0 = any
	category []string
	region   []string
	partner  []string
	product  []string
	tags     []string // any of tags and flags
	side     []string
	handling []complaint.HandlingClass
	when     cond
	not      cond
	dur      durKind
	sumIdx   int // index into a slot's sums, -1 when no duration
	histIdx  int // index into a slot's histograms, -1 when none
}

func kindBit(k complaint.Kind) uint16 {
	for i, x := range complaint.Kinds {
		if x == k {
			return 1 << i
		}
	}
	return 0
}

func channelBit(c complaint.Channel) uint16 {
	for i, x := range complaint.Channels {
		if x == c {
			return 1 << i
		}
	}
	return 0
}

// compileCounter checks c and compiles it; problems are reported with path.
func compileCounter(c Counter, path string, errf func(path, format string, args ...any)) *measure {
	m := &measure{sumIdx: -1, histIdx: -1}
	f, err := ParseFact(c.Fact)
	if err != nil {
		errf(path+".fact", "%v", err)
	}
	m.fact = f
	for i, k := range c.Kind {
		b := kindBit(complaint.Kind(k))
		if b == 0 {
			errf(fmt.Sprintf("%s.kind[%d]", path, i), "unknown kind %q", k)
		}
		m.kinds |= b
	}
	for i, ch := range c.Channel {
		b := channelBit(complaint.Channel(ch))
		if b == 0 {
			errf(fmt.Sprintf("%s.channel[%d]", path, i), "unknown channel %q", ch)
		}
		m.channels |= b
	}
	codes := func(name string, v []string) []string {
		for i, s := range v {
			if !complaint.ValidCode(s) {
				errf(fmt.Sprintf("%s.%s[%d]", path, name, i), "malformed code %q", s)
			}
		}
		return slices.Clone(v)
	}
	m.category = codes("category", c.Category)
	m.region = codes("region", c.Region)
	m.partner = slices.Clone(c.Partner)
	m.product = slices.Clone(c.Product)
	m.tags = append(slices.Clone(c.Tags), c.Flags...)
	m.side = slices.Clone(c.Side)
	for i, h := range c.Handling {
		if !complaint.HandlingClass(h).Valid() {
			errf(fmt.Sprintf("%s.handling[%d]", path, i), "unknown handling class %q", h)
		}
		m.handling = append(m.handling, complaint.HandlingClass(h))
	}
	if (len(m.side) > 0 || len(m.handling) > 0) && f != FactClosed && f != 0 {
		errf(path, "side and handling are known only on the closed fact, not %s", f)
	}
	for i, w := range c.When {
		neg := strings.HasPrefix(w, "!")
		b, err := parseCond(strings.TrimPrefix(w, "!"))
		if err != nil {
			errf(fmt.Sprintf("%s.when[%d]", path, i), "%v", err)
			continue
		}
		if neg {
			m.not |= b
		} else {
			m.when |= b
		}
	}
	if c.Duration != "" {
		d, err := parseDur(c.Duration)
		if err != nil {
			errf(path+".duration", "%v", err)
		} else if f != FactResolved && f != 0 {
			errf(path+".duration", "durations are known only on the resolved fact, not %s", f)
		}
		m.dur = d
	}
	m.key = c.String()
	return m
}

// match reports whether v is counted by m. It does not allocate.
func (m *measure) match(v *view) bool {
	if m.fact != v.fact {
		return false
	}
	if m.when != 0 && v.cond&m.when != m.when {
		return false
	}
	if v.cond&m.not != 0 {
		return false
	}
	if m.kinds != 0 && m.kinds&kindBit(v.kind) == 0 {
		return false
	}
	if m.channels != 0 && m.channels&channelBit(v.channel) == 0 {
		return false
	}
	if len(m.category) > 0 && !complaint.UnderAny(v.category, m.category) {
		return false
	}
	if len(m.region) > 0 && !complaint.UnderAny(v.region, m.region) {
		return false
	}
	if len(m.partner) > 0 && !slices.Contains(m.partner, v.partner) {
		return false
	}
	if len(m.product) > 0 && !slices.Contains(m.product, v.product) {
		return false
	}
	if len(m.side) > 0 && !slices.Contains(m.side, v.side) {
		return false
	}
	if len(m.handling) > 0 && !slices.Contains(m.handling, v.handling) {
		return false
	}
	if len(m.tags) > 0 {
		ok := false
		for _, t := range m.tags {
			if v.hasTag(t) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if m.dur != durNone && !v.durOK[m.dur] {
		return false
	}
	return true
}

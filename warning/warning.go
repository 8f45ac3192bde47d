package warning

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
)

// Kind is what a warning is about.
type Kind string

// The warning kinds, one per detector (DOMAIN.md R16–R19).
const (
	KindBatch      Kind = "batch"      // 批量投诉: a burst of the same problem at a key (R17)
	KindTrend      Kind = "trend"      // 热点趋势: a week-over-week rise or a CUSUM alarm (R17, R25)
	KindEscalation Kind = "escalation" // 越级投诉倾向: one customer likely to go to the regulator (R16)
	KindDeadline   Kind = "deadline"   // 倒计时 / 超时: a ticket near or past a deadline (R18)
	KindRepeat     Kind = "repeat"     // 重复投诉: a customer contacting again on the same issue (R15)
	KindOutage     Kind = "outage"     // 停电关联: outage correlation (R19)
)

// Kinds lists every Kind in a fixed order.
var Kinds = []Kind{KindBatch, KindTrend, KindEscalation, KindDeadline, KindRepeat, KindOutage}

// Grade is the severity of a warning by the grading standard (预警事件分级标准,
// DOMAIN.md R20): I is the most severe, IV the least. The zero Grade is
// ungraded.
type Grade int

// The four grades of the default standard.
const (
	GradeNone Grade = iota
	GradeI
	GradeII
	GradeIII
	GradeIV
)

var gradeNames = [...]string{"", "I", "II", "III", "IV"}

// String returns "I", "II", "III", "IV", or "" for GradeNone.
func (g Grade) String() string {
	if g < 0 || int(g) >= len(gradeNames) {
		return "?"
	}
	return gradeNames[g]
}

// ParseGrade parses "I".."IV" (or "1".."4"); ok is false otherwise.
func ParseGrade(s string) (g Grade, ok bool) {
	switch strings.TrimSpace(s) {
	case "I", "1":
		return GradeI, true
	case "II", "2":
		return GradeII, true
	case "III", "3":
		return GradeIII, true
	case "IV", "4":
		return GradeIV, true
	}
	return GradeNone, false
}

// MoreSevere reports whether g is more severe than h (GradeNone is the least).
func (g Grade) MoreSevere(h Grade) bool {
	if h == GradeNone {
		return g != GradeNone
	}
	return g != GradeNone && g < h
}

// MarshalText encodes g as "I".."IV".
func (g Grade) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// UnmarshalText decodes "I".."IV" (or "1".."4"); "" is GradeNone.
func (g *Grade) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*g = GradeNone
		return nil
	}
	v, ok := ParseGrade(string(b))
	if !ok {
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Path: "grade", Message: "want I, II, III or IV, got " + string(b)}}}
	}
	*g = v
	return nil
}

// Label is one dimension of a warning's key, e.g. {region gd.gz.th} or
// {category vas.unaware}.
type Label struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Key identifies what a warning is about: its labels sorted by name. Two
// warnings of the same kind with the same key are the same warning.
type Key []Label

// Get returns the value of the label name, or "".
func (k Key) Get(name string) string {
	for _, l := range k {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// String renders k as "name=value,name=value".
func (k Key) String() string {
	var b strings.Builder
	for i, l := range k {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.Name)
		b.WriteByte('=')
		b.WriteString(l.Value)
	}
	return b.String()
}

// NewKey returns a Key of name/value pairs sorted by name, leaving out empty
// values. It panics on an odd number of arguments (programmer error).
func NewKey(pairs ...string) Key {
	if len(pairs)%2 != 0 {
		panic("warning: NewKey wants name/value pairs")
	}
	k := make(Key, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			k = append(k, Label{pairs[i], pairs[i+1]})
		}
	}
	slices.SortFunc(k, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	return k
}

// Fingerprint is kind + sorted key labels: the identity of a warning for
// grouping and deduplication.
func Fingerprint(kind Kind, key Key) string { return string(kind) + "{" + key.String() + "}" }

// appendFingerprint appends Fingerprint(kind, key) to dst: the hot path
// looks active warnings up through a scratch buffer without allocating.
func appendFingerprint(dst []byte, kind Kind, key Key) []byte {
	dst = append(dst, kind...)
	dst = append(dst, '{')
	for i, l := range key {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, l.Name...)
		dst = append(dst, '=')
		dst = append(dst, l.Value...)
	}
	return append(dst, '}')
}

// Point is one line of an explainable point score: how many points and why.
type Point struct {
	Rule   string `json:"rule"`
	Points int    `json:"points"`
	Why    string `json:"why"`
}

// Evidence is what made a warning: the key, the window, what was observed
// against what was expected, the test, and the tickets counted.
type Evidence struct {
	// Window is the trailing window tested ("15m", "1h", "24h", "7d"…).
	Window string `json:"window,omitempty"`
	// From and To bound the window.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Observed is the count in the window; Baseline what was expected there.
	Observed  int     `json:"observed"`
	Baseline  float64 `json:"baseline,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	// Dispersion is φ = max(1, var/mean) used by the test.
	Dispersion float64 `json:"dispersion,omitempty"`
	// PValue is the tail probability of the observation under the baseline.
	PValue float64 `json:"p_value,omitempty"`
	// Ratio is observed / baseline (trend: last 7 days / previous 7).
	Ratio float64 `json:"ratio,omitempty"`
	// Customers is the number of distinct customers among the members.
	Customers int `json:"customers,omitempty"`
	// Score and Points explain a point score (escalation tendency).
	Score  int     `json:"score,omitempty"`
	Points []Point `json:"points,omitempty"`
	// Tickets are member ticket ids, at most Config.MaxMembers, oldest first.
	Tickets []string `json:"tickets,omitempty"`
	// Members counts every member ticket, also those not listed in Tickets.
	Members int `json:"members,omitempty"`
	// Rule is the detector rule that fired, e.g. "batch/15m" or "deadline/overdue".
	Rule string `json:"rule"`
}

// Warning is one early warning: a kind, a key, a grade and its evidence.
// Warnings are values; the Monitor hands out copies.
type Warning struct {
	// ID is stable: derived from the fingerprint and the time first raised,
	// so a replay of the same stream yields the same ids.
	ID          string `json:"id"`
	Kind        Kind   `json:"kind"`
	Key         Key    `json:"key"`
	Fingerprint string `json:"fingerprint"`
	Grade       Grade  `json:"grade"`
	// GradedBy is the id of the grading rule that set Grade ("default/…"
	// for the built-in standard).
	GradedBy string    `json:"graded_by"`
	RaisedAt time.Time `json:"raised_at"`
	// UpdatedAt is when the evidence last changed.
	UpdatedAt time.Time `json:"updated_at"`
	Evidence  Evidence  `json:"evidence"`
	// Explanation is a human-readable sentence built from the evidence.
	Explanation string `json:"explanation"`
	// Parent is the id of the warning this one rolled up into (a parent
	// region's burst, or the mass incident grouping a customer warning).
	Parent string `json:"parent,omitempty"`
	// Inhibited is true when a parent burst inhibits this one: it is kept and
	// ledgered under the parent but not notified on its own.
	Inhibited bool `json:"inhibited,omitempty"`
	// Recurrence counts the times the warning came back after closure.
	Recurrence int `json:"recurrence,omitempty"`
}

// shared returns a copy of w that shares w's slices, each capped at its
// length so that an append to the copy's reallocates, and the monitor's
// appends to w's (beyond the copy's length) are not seen by the copy.
func (w *Warning) shared() Warning {
	c := *w
	c.Key = c.Key[:len(c.Key):len(c.Key)]
	c.Evidence.Tickets = c.Evidence.Tickets[:len(c.Evidence.Tickets):len(c.Evidence.Tickets)]
	c.Evidence.Points = c.Evidence.Points[:len(c.Evidence.Points):len(c.Evidence.Points)]
	return c
}

// Clone returns a deep copy of w.
func (w *Warning) Clone() *Warning {
	c := *w
	c.deepen()
	return &c
}

// deepen gives w copies of its slices: a shallow copy becomes a deep one.
func (w *Warning) deepen() {
	w.Key = slices.Clone(w.Key)
	w.Evidence.Tickets = slices.Clone(w.Evidence.Tickets)
	w.Evidence.Points = slices.Clone(w.Evidence.Points)
}

// ID derivation: "W" + 12 hex digits of FNV-64a(fingerprint, raised-at).
func warningID(fp string, at time.Time) string {
	h := fnv.New64a()
	h.Write([]byte(fp))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(at.UnixNano()))
	h.Write(b[:])
	return "W" + hex.EncodeToString(h.Sum(nil))[:12]
}

// Tag names the Monitor asks the engine to put on member tickets.
const (
	TagBatch      = "batch-member"        // 批量投诉成员
	TagEscalation = "escalation-tendency" // 越级投诉倾向
	TagWarned     = "warning-issued"      // 已预警
	TagOutage     = "outage-related"      // 停电关联
)

// Action is an event the Monitor asks the engine to apply to a ticket (a
// tag, or a merge into a problem). The Monitor is a kesu.ActionSource: an
// engine that has it among its observers or tickers applies its actions on
// every Tick. Actions returned by Problems are applied with
// Engine.ApplyActions.
type Action = kesu.Action

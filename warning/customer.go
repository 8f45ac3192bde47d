package warning

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// repEntry is one customer × sub-category: the last few contact times.
// 24 bytes of value (see BENCHMARKS.md for the measured cost per entry).
type repEntry struct {
	times  [4]uint32 // unix minutes, newest at head
	head   uint8
	n      uint8
	warned bool
}

// repeats is the repeat-contact detector (R15, R16): customer × sub-category
// over 7 and 30 days, keyed by a 64-bit hash (state bounded by an idle TTL).
type repeats struct {
	cfg   *Config
	m     ctable[repEntry]
	swept time.Time // last walk of m
	fp    []byte    // scratch fingerprint
}

func newRepeats(cfg *Config) *repeats { return &repeats{cfg: cfg} }

// observe counts the contact and returns how many earlier contacts on the
// same issue fall within 30 days (-1 without a customer).
func (r *repeats) observe(t *complaint.Ticket, tk *ticketKeys, m *Monitor) int {
	if t.Customer == "" || t.Category == "" {
		return -1
	}
	cat := tk.cat2
	pe := r.m.put(tk.custCat) // hash2(t.Customer, cat)
	e := *pe
	now := uint32(t.ReceivedAt.Unix() / 60)
	if e.warned && e.n > 0 && int32(now-e.times[e.head]) > 7*24*60 {
		e.warned = false // as the sweep would have: quiet for a week
	}
	var n7, n30 int
	for j := 0; j < int(e.n); j++ {
		d := now - e.times[(int(e.head)-j+4)%4]
		if int32(d) < 0 {
			d = 0
		}
		if d <= 7*24*60 {
			n7++
		}
		if d <= 30*24*60 {
			n30++
		}
	}
	e.head = (e.head + 1) % 4
	e.times[e.head] = now
	if e.n < 4 {
		e.n++
	}
	fire := n7 >= r.cfg.Repeat.Within7 || n30 >= r.cfg.Repeat.Within30
	if fire && !e.warned {
		e.warned = true
		*pe = e
		r.fire(t, cat, n7, n30, m)
	} else {
		*pe = e
		if fire {
			r.fp = appendRepeatFP(r.fp[:0], t.Customer, cat)
			m.memberFP(KindRepeat, r.fp, t, t.ReceivedAt)
		}
	}
	return n30
}

// appendRepeatFP appends the repeat warning's fingerprint,
// Fingerprint(KindRepeat, NewKey("customer", customer, "category", cat)),
// to dst without allocating.
func appendRepeatFP(dst []byte, customer, cat string) []byte {
	var arr [2]Label
	k := arr[:0]
	if cat != "" {
		k = append(k, Label{"category", cat})
	}
	if customer != "" {
		k = append(k, Label{"customer", customer})
	}
	return appendFingerprint(dst, KindRepeat, k)
}

func (r *repeats) fire(t *complaint.Ticket, cat string, n7, n30 int, m *Monitor) {
	key := NewKey("customer", t.Customer, "category", cat)
	rule, g := "repeat/30d", GradeIV
	if n7 >= r.cfg.Repeat.Within7 {
		rule, g = "repeat/7d", GradeIII
	}
	f := finding{kind: KindRepeat, key: key, fp: Fingerprint(KindRepeat, key), at: t.ReceivedAt, grade: g,
		ev: Evidence{Window: strings.TrimPrefix(rule, "repeat/"), Observed: n30 + 1, Tickets: []string{t.ID}, Members: 1, Rule: rule, Customers: 1},
		explain: "customer " + t.Customer + " contacted again on " + cat + ": " + strconv.Itoa(n7) + " earlier contacts in 7 days, " +
			strconv.Itoa(n30) + " in 30 days",
		env: GradeEnv{Customer: t.Customer, Category: cat, Region: t.Region}}
	m.fire(&f)
}

// mapSweep is how often the customer maps are walked to free idle entries.
// Expiry is also checked when an entry is read, so this only bounds memory
// (by the idle TTL plus a day) and does not change what is detected.
const mapSweep = 24 * time.Hour

func (r *repeats) sweep(now time.Time, m *Monitor) {
	cut := uint32(now.Add(-30*24*time.Hour).Unix() / 60)
	week := uint32(now.Add(-7*24*time.Hour).Unix() / 60)
	if now.Sub(r.swept) >= mapSweep { // walked once a day
		r.swept = now
		r.m.sweep(func(e *repEntry) bool {
			newest := e.times[e.head]
			if newest < cut {
				return false
			}
			if e.warned && newest < week {
				e.warned = false
			}
			return true
		})
		r.m.shrink()
	}
	// Repeat warnings end a week after they were last fed.
	for _, fp := range m.idleSince(KindRepeat, m.idleTTL(KindRepeat), now) {
		m.end(fp, now)
	}
}

// escState is what the escalation score keeps per customer.
type escState struct {
	last  uint32 // unix minutes of the last contact
	prior uint8  // regulator escalations seen in the stream
	score int16  // last score
	open  bool   // a warning is open
}

// escalation is the escalation-tendency detector (R16): an additive,
// explainable point score per customer, graded by thresholds.
type escalation struct {
	cfg       *Config
	customers complaint.Customers
	m         ctable[escState]
	swept     time.Time // last walk of m
	pt        points    // cfg.Escalation.Points (fixed once the Monitor is built), read per ticket without a map lookup
	gI, gII   int
	gIII      int
	maxProf   int
	points    []Point // scratch
	fp        []byte  // scratch fingerprint
	// pairs marks the first two bytes of every word (a 64K-bit set), so
	// wordIn reads the text once; nil when a word is shorter than two bytes.
	pairs *[1 << 10]uint64
	words []string // cfg.Escalation.Words, copied with pairs
}

// points are the escalation points per reason (EscalationConfig.Points).
type points struct {
	repeat, prior, deadline, words, channel, professional, sensitive, urge, dissatisfied int
}

func newEscalation(cfg *Config, cs complaint.Customers) *escalation {
	e := &escalation{cfg: cfg, customers: cs}
	e.gI, e.gII, e.gIII = cfg.Escalation.Grades["I"], cfg.Escalation.Grades["II"], cfg.Escalation.Grades["III"]
	p := cfg.Escalation.Points
	e.maxProf = p[PointPrior] + p[PointProfessional] + p[PointSensitive]
	e.pt = points{repeat: p[PointRepeat], prior: p[PointPrior], deadline: p[PointDeadline], words: p[PointWords],
		channel: p[PointChannel], professional: p[PointProfessional], sensitive: p[PointSensitive], urge: p[PointUrge],
		dissatisfied: p[PointDissatisfied]}
	e.words = slices.Clone(cfg.Escalation.Words)
	e.pairs = new([1 << 10]uint64)
	for _, w := range e.words {
		if len(w) < 2 {
			e.pairs = nil
			break
		}
		k := uint16(w[0])<<8 | uint16(w[1])
		e.pairs[k>>6] |= 1 << (k & 63)
	}
	return e
}

// observe re-scores the customer of t after e. n30 is the number of
// earlier contacts on the same issue in 30 days (-1 when not known); k is
// hash2(t.Customer, "") when known, else 0.
func (x *escalation) observe(e *complaint.Event, t *complaint.Ticket, n30 int, k uint64, m *Monitor) {
	if t.Customer == "" {
		return
	}
	if k == 0 {
		k = hash2(t.Customer, "")
	}
	ps := x.m.put(k)
	at := e.At
	bump := e.Type == complaint.EventEscalated
	if e.Type == complaint.EventReceived {
		at = t.ReceivedAt
		bump = t.Channel.Regulator() || t.Kind == complaint.KindEscalated
	}
	st := x.live(*ps, at)
	st.last = uint32(at.Unix() / 60)
	*ps = st
	x.score(t, st, n30, false, at, m)
	if bump {
		if ps = x.m.get(k); ps != nil && ps.prior < 255 {
			ps.prior++
		}
	}
}

// deadline is called when a ticket has used its countdown share.
func (x *escalation) deadline(t *complaint.Ticket, at time.Time, m *Monitor) {
	if t.Customer == "" {
		return
	}
	var st escState
	if ps := x.m.get(hash2(t.Customer, "")); ps != nil {
		st = x.live(*ps, at)
	}
	x.score(t, st, -1, true, at, m)
}

// live returns st, or the zero state when st sat idle past the TTL (the
// sweep frees such entries only once a day).
func (x *escalation) live(st escState, at time.Time) escState {
	ttl := uint32(time.Duration(x.cfg.Escalation.IdleTTL) / time.Minute)
	n := uint32(at.Unix() / 60)
	if st.last != 0 && n-st.last > ttl && int32(n-st.last) > 0 {
		return escState{}
	}
	return st
}

func (x *escalation) score(t *complaint.Ticket, st escState, n30 int, late bool, at time.Time, m *Monitor) {
	p := &x.pt // x.cfg.Escalation.Points, by name
	pts := x.points[:0]
	add := func(rule string, n int, why string) {
		if n != 0 {
			pts = append(pts, Point{Rule: rule, Points: n, Why: why})
		}
	}
	// Cheap part first: nothing here allocates unless a point is scored.
	s := 0
	if n30 > 0 {
		s += p.repeat * min(n30, 3)
	}
	words := x.wordIn(t.Text)
	if words != "" {
		s += p.words
	}
	if t.Channel.Regulator() || t.Channel == complaint.ChannelMedia {
		s += p.channel
	}
	s += p.urge * min(t.UrgeCount, 3)
	dissat := t.ReopenCount > 0 || (t.Resolution.Satisfied != nil && !*t.Resolution.Satisfied)
	if dissat {
		s += p.dissatisfied
	}
	if late {
		s += p.deadline
	}
	prof := t.HasTag(string(complaint.FlagProfessional))
	sens := t.HasTag(string(complaint.FlagSensitive))
	if s == 0 && !prof && !sens && st.prior == 0 && !st.open {
		return
	}
	var cust *complaint.Customer
	if x.customers != nil && s+x.maxProf >= x.gIII {
		if c, err := x.customers.Customer(context.Background(), t.Customer); err == nil {
			cust = c
		}
	}
	prior := int(st.prior)
	if cust != nil {
		prior = max(prior, cust.PriorEscalations)
	}
	isProf := prof || cust.Has(complaint.FlagProfessional)
	isSens := sens || cust.Has(complaint.FlagSensitive)
	// The total first, the same points as the lines below: the lines (and
	// their strings) are built only when a warning fires.
	total := s
	if t.UrgeCount < 0 { // counted in s, not a point line
		total -= p.urge * t.UrgeCount
	}
	if prior > 0 {
		total += p.prior
	}
	if isProf {
		total += p.professional
	}
	if isSens {
		total += p.sensitive
	}
	g := GradeNone
	switch {
	case total >= x.gI:
		g = GradeI
	case total >= x.gII:
		g = GradeII
	case total >= x.gIII:
		g = GradeIII
	}
	if g == GradeNone {
		return
	}
	k := hash2(t.Customer, "")
	st = escState{}
	if ps := x.m.get(k); ps != nil {
		st = *ps
	}
	if st.open && int(st.score) >= total {
		x.fp = appendFingerprint(x.fp[:0], KindEscalation, Key{{"customer", t.Customer}})
		m.memberFP(KindEscalation, x.fp, t, at)
		return
	}
	if n30 > 0 {
		add(PointRepeat, p.repeat*min(n30, 3), strconv.Itoa(n30)+" earlier contacts on "+complaint.Truncate(t.Category, 2)+" in 30 days")
	}
	if prior > 0 {
		add(PointPrior, p.prior, strconv.Itoa(prior)+" earlier regulator escalations")
	}
	if late {
		add(PointDeadline, p.deadline, "ticket "+t.ID+" has used 80% of its deadline")
	}
	if words != "" {
		add(PointWords, p.words, "the text mentions "+words)
	}
	if t.Channel.Regulator() || t.Channel == complaint.ChannelMedia {
		add(PointChannel, p.channel, "came in through "+string(t.Channel))
	}
	if isProf {
		add(PointProfessional, p.professional, "professional complainant")
	}
	if isSens {
		add(PointSensitive, p.sensitive, "sensitive customer")
	}
	if t.UrgeCount > 0 {
		add(PointUrge, p.urge*min(t.UrgeCount, 3), "urged "+strconv.Itoa(t.UrgeCount)+" times")
	}
	if dissat {
		add(PointDissatisfied, p.dissatisfied, "dissatisfied or reopened")
	}
	x.points = pts[:0]
	fp := Fingerprint(KindEscalation, NewKey("customer", t.Customer))
	st.open, st.score = true, int16(total)
	*x.m.put(k) = st
	var b strings.Builder
	b.WriteString("customer ")
	b.WriteString(t.Customer)
	b.WriteString(" scores ")
	b.WriteString(strconv.Itoa(total))
	b.WriteString(" escalation points (grade ")
	b.WriteString(g.String())
	b.WriteString("): ")
	for i, q := range pts {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("+")
		b.WriteString(strconv.Itoa(q.Points))
		b.WriteString(" ")
		b.WriteString(q.Why)
	}
	key := NewKey("customer", t.Customer)
	f := finding{kind: KindEscalation, key: key, fp: fp, at: at, grade: g,
		ev:      Evidence{Score: total, Points: append([]Point(nil), pts...), Tickets: []string{t.ID}, Members: 1, Rule: "escalation/score", Customers: 1},
		explain: b.String(), tag: TagEscalation,
		env: GradeEnv{Customer: t.Customer, Region: t.Region, Category: complaint.Truncate(t.Category, 2), Score: total}}
	m.fire(&f)
}

func (x *escalation) wordIn(text string) string {
	if text == "" {
		return ""
	}
	words := x.words
	if x.pairs != nil {
		// The first word (in the configured order) found anywhere in the
		// text, as the loop below: a word occurs where its first two bytes
		// do, so only those places are compared.
		best := len(words)
		k := uint16(text[0])
		for i := 0; i+1 < len(text); i++ {
			k = k<<8 | uint16(text[i+1]) // text[i], text[i+1]
			if x.pairs[k>>6]&(1<<(k&63)) == 0 {
				continue
			}
			for j, w := range words[:best] {
				// HasPrefix, with the second byte compared first (the
				// first matches for most words once the pair does).
				if len(w) <= len(text)-i && w[1] == text[i+1] && w[0] == text[i] && text[i:i+len(w)] == w {
					best = j
					break
				}
			}
			if best == 0 {
				break
			}
		}
		if best < len(words) {
			return words[best]
		}
		return ""
	}
	for _, w := range words {
		if strings.Contains(text, w) {
			return w
		}
	}
	return ""
}

func (x *escalation) fires(customer string) bool {
	st := x.m.get(hash2(customer, ""))
	return st != nil && st.open
}

func (x *escalation) sweep(now time.Time, m *Monitor) {
	ttl := uint32(time.Duration(x.cfg.Escalation.IdleTTL) / time.Minute)
	n := uint32(now.Unix() / 60)
	if now.Sub(x.swept) >= mapSweep { // walked once a day
		x.swept = now
		x.m.sweep(func(st *escState) bool { return !(n-st.last > ttl && int32(n-st.last) > 0) })
		x.m.shrink()
	}
	for _, fp := range m.idleSince(KindEscalation, m.idleTTL(KindEscalation), now) {
		a := m.active[fp]
		m.end(fp, now)
		if st := x.m.get(hash2(a.w.Key.Get("customer"), "")); st != nil {
			st.open = false
		}
	}
}

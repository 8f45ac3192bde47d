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
		d := now - e.times[(int(e.head)-j)&3] // (head-j+4)%4: head, j ≤ 3
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
	// skip is wordIn's shift table (Wu–Manber, blocks of two bytes): for
	// a window of wmin bytes ending in the byte pair p, skip[pairSlot(p)]
	// is how far the window can move right without passing the start of
	// any word. nil when a word is shorter than two bytes.
	skip  *[1 << 12]uint8
	first [1 << 6]uint64 // the slots of the words' first pairs (a 4K-bit set)
	wmin  int            // the shortest word's length, at most 255
	words []string       // cfg.Escalation.Words, copied with skip
}

// pairSlot maps the byte pair a, b to its slot in escalation.skip (pairs
// that share a slot share the smaller shift).
func pairSlot(a, b byte) uint32 { return (uint32(a) | uint32(b)<<8) * 0x9e3779b1 >> 20 }

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
	e.wmin = 255
	for _, w := range e.words {
		e.wmin = min(e.wmin, len(w))
	}
	if len(e.words) == 0 || e.wmin < 2 {
		return e
	}
	// A word starting at p puts its byte pair q, q+1 (q ≤ wmin-2) at the
	// end of the window starting at p-(wmin-2-q): that window may move
	// wmin-2-q at most. A pair in no word's first wmin bytes moves it
	// wmin-1 (its second byte could start a word).
	e.skip = new([1 << 12]uint8)
	for i := range e.skip {
		e.skip[i] = uint8(e.wmin - 1)
	}
	for _, w := range e.words {
		f := pairSlot(w[0], w[1])
		e.first[f>>6] |= 1 << (f & 63)
		for q := 0; q+1 < e.wmin; q++ {
			p := &e.skip[pairSlot(w[q], w[q+1])]
			*p = min(*p, uint8(e.wmin-2-q))
		}
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

// wordIn returns the first word (in the configured order) that occurs in
// text, as the ordered strings.Contains loop at its end. With skip it
// reads the text once, window by window (Wu–Manber): every occurrence of
// a word starts at a window whose last pair has shift 0, and only there
// are the words compared.
func (x *escalation) wordIn(text string) string {
	words := x.words
	if x.skip != nil {
		skip, m := x.skip, x.wmin
		best := len(words)
		// e is the index of the first byte of the last pair of the
		// window that starts at p = e-(m-2).
		for e := m - 2; e < len(text)-1; {
			if d := int(skip[pairSlot(text[e], text[e+1])]); d != 0 {
				e += d
				continue
			}
			p := e - (m - 2)
			if f := pairSlot(text[p], text[p+1]); x.first[f>>6]&(1<<(f&63)) == 0 {
				e++ // no word starts with this pair
				continue
			}
			for j, w := range words[:best] {
				if len(w) <= len(text)-p && w[0] == text[p] && text[p:p+len(w)] == w {
					best = j
					break
				}
			}
			if best == 0 {
				break
			}
			e++
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

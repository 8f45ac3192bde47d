package scenario

// This file holds the seeded synthetic stream generator: a province's
// complaints with hour-of-day and day-of-week seasonality, category and
// region mixes from a profile, repeat contacts, flagged customers,
// negative-binomial noise and injected incidents of known start, key and size.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// GenConfig configures Generate. Only what you set changes the defaults.
type GenConfig struct {
	// Profile is "carrier" (default) or "utility".
	Profile string
	// Start is the first instant; default Monday 2025-01-06 00:00 at UTC+8.
	Start time.Time
	// Days is the length of the stream; default 365.
	Days int
	// Seed makes the stream: the same config gives the same stream.
	Seed uint64
	// PerDay is the mean number of background tickets a day; default 550
	// (about 200,000 a year).
	PerDay float64
	// Customers is the size of the customer population; default 2,000,000.
	Customers int
	// Incidents is how many incidents to inject; default 24. Negative means none.
	Incidents int
	// Warmup is how many days pass before the first incident (detectors
	// need a baseline); default 35.
	Warmup int
	// Cities, Counties and Branches shape the synthetic province's region
	// hierarchy (per parent); default 21, 6 and 3.
	Cities, Counties, Branches int
	// Province is the province's region code; default "gd".
	Province string
	// Dispersion is the shape of the daily gamma noise per city (smaller is
	// noisier: negative-binomial counts); default 12.
	Dispersion float64
}

// Incident is an injected burst: the ground truth an evaluation checks
// warnings against.
type Incident struct {
	ID       string    `json:"id"`
	Region   string    `json:"region"`   // a county (L3) or branch (L4) code
	Category string    `json:"category"` // a sub-category code
	Partner  string    `json:"partner,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Size     int       `json:"size"` // tickets injected
}

// Item is one entry of a synthetic stream, in time order: either a new
// ticket (Intake, with Intake.ExternalID set) or a follow-up action on an
// earlier ticket (Ticket is its external id, Event the action: Type, payload
// and Text). Incident names the incident a ticket belongs to.
type Item struct {
	At       time.Time         `json:"at"`
	Intake   *complaint.Intake `json:"intake,omitempty"`
	Ticket   string            `json:"ticket,omitempty"`
	Event    *complaint.Event  `json:"event,omitempty"`
	Incident string            `json:"incident,omitempty"`
}

// Stream is a generated synthetic stream. Items can be iterated any number
// of times and always yield the same items. A Stream is safe for
// concurrent use.
type Stream struct {
	cfg       GenConfig
	prof      Profile
	regions   *complaint.Taxonomy
	leaves    []string  // branch codes
	leafW     []float64 // cumulative branch weights within the province
	cityOf    []int     // leaf → city index
	cities    []string
	incidents []Incident
}

// Generate plans a synthetic stream. It returns an error (complaint.ErrInvalid)
// for an unknown profile or negative sizes. The stream is generated lazily,
// hour by hour, as Items is iterated: memory stays small for any length.
func Generate(cfg GenConfig) (*Stream, error) {
	prof, err := ProfileNamed(cfg.Profile)
	if err != nil {
		return nil, err
	}
	if cfg.Days < 0 || cfg.PerDay < 0 || cfg.Customers < 0 || cfg.Cities < 0 || cfg.Counties < 0 || cfg.Branches < 0 {
		return nil, fmt.Errorf("scenario: generate: negative size: %w", complaint.ErrInvalid)
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2025, 1, 6, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&cfg.Days, 365)
	def(&cfg.Customers, 2_000_000)
	def(&cfg.Incidents, 24)
	def(&cfg.Warmup, 35)
	def(&cfg.Cities, 21)
	def(&cfg.Counties, 6)
	def(&cfg.Branches, 3)
	if cfg.PerDay == 0 {
		cfg.PerDay = 550
	}
	if cfg.Dispersion <= 0 {
		cfg.Dispersion = 12
	}
	if cfg.Province == "" {
		cfg.Province = "gd"
	}
	s := &Stream{cfg: cfg, prof: prof}
	s.buildRegions()
	s.planIncidents()
	return s, nil
}

// Config returns the configuration with defaults filled in.
func (s *Stream) Config() GenConfig { return s.cfg }

// Regions returns the synthetic province's region hierarchy.
func (s *Stream) Regions() *complaint.Taxonomy { return s.regions }

// Categories returns the profile's category taxonomy.
func (s *Stream) Categories() *complaint.Taxonomy { return s.prof.Categories }

// Incidents returns the injected incidents (the ground truth), by start.
func (s *Stream) Incidents() []Incident { return slices.Clone(s.incidents) }

func (s *Stream) buildRegions() {
	r := rand.New(rand.NewPCG(s.cfg.Seed, 11))
	p := s.cfg.Province
	nodes := []complaint.Node{{Code: p, ZH: "省", EN: "Province"}}
	var cum float64
	for c := 0; c < s.cfg.Cities; c++ {
		city := fmt.Sprintf("%s.c%02d", p, c+1)
		s.cities = append(s.cities, city)
		nodes = append(nodes, complaint.Node{Code: city, ZH: "市" + strconv.Itoa(c+1), EN: "City " + strconv.Itoa(c+1)})
		cw := 1 / math.Pow(float64(c+1), 0.8)
		for d := 0; d < s.cfg.Counties; d++ {
			county := fmt.Sprintf("%s.d%02d", city, d+1)
			nodes = append(nodes, complaint.Node{Code: county, ZH: "区县" + strconv.Itoa(d+1), EN: "County " + strconv.Itoa(d+1)})
			dw := 0.5 + r.Float64()
			for b := 0; b < s.cfg.Branches; b++ {
				leaf := fmt.Sprintf("%s.s%02d", county, b+1)
				nodes = append(nodes, complaint.Node{Code: leaf, ZH: "分局" + strconv.Itoa(b+1), EN: "Branch " + strconv.Itoa(b+1)})
				cum += cw * dw * (0.5 + r.Float64())
				s.leaves = append(s.leaves, leaf)
				s.leafW = append(s.leafW, cum)
				s.cityOf = append(s.cityOf, c)
			}
		}
	}
	t, err := complaint.NewTaxonomy("regions", nodes...)
	if err != nil {
		panic(err) // generated codes are well formed
	}
	s.regions = t
}

func cumulative(ws []Weighted) []float64 {
	out := make([]float64, len(ws))
	var c float64
	for i, w := range ws {
		c += w.Weight
		out[i] = c
	}
	return out
}

func pick(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	if i >= len(cum) {
		i = len(cum) - 1
	}
	return i
}

func (s *Stream) planIncidents() {
	n := s.cfg.Incidents
	if n <= 0 {
		return
	}
	r := rand.New(rand.NewPCG(s.cfg.Seed, 22))
	hot := cumulative(s.prof.Hot)
	durations := []time.Duration{time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour}
	span := s.cfg.Days - s.cfg.Warmup - 2
	if span < 1 {
		span = 1
	}
	for i := 0; i < n; i++ {
		day := s.cfg.Warmup + r.IntN(span)
		hour := 7 + r.IntN(14)
		start := s.cfg.Start.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(r.IntN(60))*time.Minute)
		d := durations[r.IntN(len(durations))]
		rate := 3 + r.Float64()*17 // tickets per hour
		size := int(math.Round(rate * d.Hours()))
		size = min(max(size, 15), 400)
		leaf := pick(r, s.leafW)
		region := s.leaves[leaf]
		if r.IntN(2) == 0 {
			region = complaint.Parent(region) // a county-wide incident
		}
		cat := s.prof.Hot[pick(r, hot)].Code
		inc := Incident{ID: fmt.Sprintf("INC%03d", i+1), Region: region, Category: cat, Start: start, End: start.Add(d), Size: size}
		if complaint.Under(cat, "vas") && len(s.prof.Partners) > 0 {
			inc.Partner = s.prof.Partners[r.IntN(len(s.prof.Partners))]
		}
		s.incidents = append(s.incidents, inc)
	}
	slices.SortFunc(s.incidents, func(a, b Incident) int { return a.Start.Compare(b.Start) })
	for i := range s.incidents {
		s.incidents[i].ID = fmt.Sprintf("INC%03d", i+1)
	}
}

// Items yields the stream in time order (ties in a fixed order).
func (s *Stream) Items() iter.Seq[Item] {
	return func(yield func(Item) bool) {
		g := newGen(s)
		for h := 0; h < s.cfg.Days*24; h++ {
			for _, it := range g.hour(h) {
				if !yield(it) {
					return
				}
			}
		}
		// Follow-ups of the last tickets.
		for len(g.pending) > 0 {
			a := g.popAction()
			if !yield(a.item) {
				return
			}
		}
	}
}

type pendingAction struct {
	item Item
	seq  int
}

type recent struct {
	cust, cat, region string
}

type gen struct {
	s         *Stream
	bg, inc   *rand.Rand
	fu        *rand.Rand
	mix       []float64
	chans     []float64
	kinds     []float64
	hourSum   float64
	cityMult  []float64
	cityCum   []float64
	day       int
	dayMult   float64
	pending   []pendingAction
	seq       int
	ext       int
	recent    []recent
	recentPos int
}

func newGen(s *Stream) *gen {
	g := &gen{s: s, bg: rand.New(rand.NewPCG(s.cfg.Seed, 1)), inc: rand.New(rand.NewPCG(s.cfg.Seed, 3)),
		fu: rand.New(rand.NewPCG(s.cfg.Seed, 4)), mix: cumulative(s.prof.Mix), chans: cumulative(s.prof.Channels),
		kinds: cumulative(s.prof.Kinds), day: -1, recent: make([]recent, 0, 4096)}
	for _, v := range s.prof.Hour {
		g.hourSum += v
	}
	return g
}

func (g *gen) newDay(day int) {
	g.day = day
	g.dayMult = gamma(g.bg, 60) // province-wide day noise
	g.cityMult = g.cityMult[:0]
	for range g.s.cities {
		g.cityMult = append(g.cityMult, gamma(g.bg, g.s.cfg.Dispersion))
	}
	g.cityCum = g.cityCum[:0]
	var c float64
	prev := 0.0
	for i, w := range g.s.leafW {
		c += (w - prev) * g.cityMult[g.s.cityOf[i]]
		prev = w
		g.cityCum = append(g.cityCum, c)
	}
}

// hour generates the items of hour h: new tickets and due follow-ups.
func (g *gen) hour(h int) []Item {
	s := g.s
	day := h / 24
	if day != g.day {
		g.newDay(day)
	}
	t0 := s.cfg.Start.Add(time.Duration(h) * time.Hour)
	wd := t0.Weekday()
	lambda := s.cfg.PerDay * s.prof.Hour[t0.Hour()] / g.hourSum * s.prof.Weekday[wd] / weekdayMean(s.prof.Weekday) * g.dayMult
	n := poisson(g.bg, lambda)
	type nt struct {
		at  time.Time
		in  complaint.Intake
		inc string
	}
	var news []nt
	for i := 0; i < n; i++ {
		at := t0.Add(time.Duration(g.bg.Int64N(int64(time.Hour/time.Second))) * time.Second)
		news = append(news, nt{at: at, in: g.background()})
	}
	t1 := t0.Add(time.Hour)
	for ii := range s.incidents {
		inc := &s.incidents[ii]
		if !inc.Start.Before(t1) || !inc.End.After(t0) {
			continue
		}
		// The incident's tickets spread evenly over its span.
		d := inc.End.Sub(inc.Start)
		from, to := maxTime(inc.Start, t0), minTime(inc.End, t1)
		k := int(math.Floor(float64(inc.Size)*float64(to.Sub(inc.Start))/float64(d)+0.5)) -
			int(math.Floor(float64(inc.Size)*float64(from.Sub(inc.Start))/float64(d)+0.5))
		for j := 0; j < k; j++ {
			at := from.Add(time.Duration(g.inc.Int64N(int64(to.Sub(from)/time.Second)+1)) * time.Second)
			in := g.incidentTicket(inc)
			news = append(news, nt{at: at, in: in, inc: inc.ID})
		}
	}
	slices.SortStableFunc(news, func(a, b nt) int { return a.at.Compare(b.at) })
	var out []Item
	for _, x := range news {
		for len(g.pending) > 0 && !g.pending[0].item.At.After(x.at) {
			out = append(out, g.popAction().item)
		}
		g.ext++
		in := x.in
		in.ExternalID = fmt.Sprintf("X%08d", g.ext)
		in.ReceivedAt = x.at
		out = append(out, Item{At: x.at, Intake: &in, Incident: x.inc})
		g.followUps(in.ExternalID, in.Kind, x.at)
	}
	for len(g.pending) > 0 && g.pending[0].item.At.Before(t1) {
		out = append(out, g.popAction().item)
	}
	return out
}

func weekdayMean(w [7]float64) float64 {
	var s float64
	for _, v := range w {
		s += v
	}
	return s / 7
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (g *gen) customerID() string {
	return fmt.Sprintf("C%07d", g.bg.IntN(g.s.cfg.Customers))
}

func (g *gen) background() complaint.Intake {
	s := g.s
	r := g.bg
	leaf := s.leaves[pick(r, g.cityCum)]
	cat := s.prof.Mix[pick(r, g.mix)].Code
	cust := ""
	if len(g.recent) > 0 && r.Float64() < s.prof.RepeatRate {
		x := g.recent[r.IntN(len(g.recent))]
		cust, cat, leaf = x.cust, x.cat, x.region
	} else {
		cust = g.customerID()
	}
	if len(g.recent) < cap(g.recent) {
		g.recent = append(g.recent, recent{cust, cat, leaf})
	} else {
		g.recent[g.recentPos] = recent{cust, cat, leaf}
		g.recentPos = (g.recentPos + 1) % len(g.recent)
	}
	ch := complaint.Channel(s.prof.Channels[pick(r, g.chans)].Code)
	kind := complaint.Kind(s.prof.Kinds[pick(r, g.kinds)].Code)
	if ch.Regulator() {
		kind = complaint.KindEscalated
	}
	in := complaint.Intake{Kind: kind, Channel: ch, Category: cat, Region: leaf, Customer: cust,
		Subscriber: "1" + cust[1:], Text: g.text(r, cat)}
	g.products(r, &in)
	return in
}

func (g *gen) products(r *rand.Rand, in *complaint.Intake) {
	s := g.s
	if complaint.Under(in.Category, "vas") && len(s.prof.Partners) > 0 && in.Partner == "" {
		in.Partner = s.prof.Partners[int(math.Min(float64(len(s.prof.Partners)-1), math.Floor(-math.Log(1-r.Float64())*3)))]
		in.BillingCode = in.Partner + "-01"
	}
	if (complaint.Under(in.Category, "billing") || complaint.Under(in.Category, "marketing")) && len(s.prof.Products) > 0 {
		in.Product = s.prof.Products[r.IntN(len(s.prof.Products))]
	}
}

func (g *gen) text(r *rand.Rand, cat string) string {
	t := phrases[complaint.Truncate(cat, 1)]
	if r.Float64() < g.s.prof.ThreatRate {
		t += "," + threats[r.IntN(len(threats))]
	}
	return t
}

func (g *gen) incidentTicket(inc *Incident) complaint.Intake {
	s := g.s
	r := g.inc
	region := inc.Region
	if complaint.Level(region) < 4 {
		// A county-wide incident: spread over its branches.
		kids := s.regions.Children(region)
		region = kids[r.IntN(len(kids))]
	}
	in := complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: inc.Category,
		Region: region, Customer: fmt.Sprintf("C%07d", r.IntN(s.cfg.Customers)), Partner: inc.Partner, Text: g.text(r, inc.Category)}
	if in.Partner != "" {
		in.BillingCode = in.Partner + "-01"
	}
	in.Subscriber = "1" + in.Customer[1:]
	g.products(r, &in)
	return in
}

// followUps schedules the handling of a ticket: dispatch, assignment,
// contact, sometimes an urge or an escalation, reply, resolution, return
// visit (sometimes dissatisfied, then reopened and resolved again), close.
func (g *gen) followUps(ext string, kind complaint.Kind, at time.Time) {
	r := g.fu
	h := func(lo, hi float64) time.Duration {
		return time.Duration((lo + r.Float64()*(hi-lo)) * float64(time.Hour))
	}
	add := func(d time.Duration, e complaint.Event) time.Time {
		t := at.Add(d)
		e.At = t
		g.push(Item{At: t, Ticket: ext, Event: &e})
		return t
	}
	city := "unit-" + strconv.Itoa(r.IntN(len(g.s.cities))+1)
	add(5*time.Minute, complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: city, Tier: complaint.TierCity}})
	add(10*time.Minute, complaint.Event{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: city + "-agent-" + strconv.Itoa(r.IntN(20)+1)}})
	// Most tickets are contacted well inside the 1–4 h first-contact
	// deadlines (before the 80 % countdown of a 1 h deadline) and replied
	// to inside the 12–24 h reply deadlines; a few run late, so deadline
	// alarms are the exception, as on a real hotline.
	contact := h(0.1, 0.75)
	if r.Float64() < 0.06 {
		contact = h(0.75, 8)
	}
	add(contact, complaint.Event{Type: complaint.EventContacted})
	reply := contact + h(1, 8)
	if r.Float64() < 0.08 {
		reply = contact + h(8, 72)
	}
	if r.Float64() < 0.08 {
		add(contact+(reply-contact)/2, complaint.Event{Type: complaint.EventUrged, Text: "催单"})
	}
	if kind == complaint.KindComplaint && r.Float64() < 0.01 {
		add(contact+(reply-contact)*3/4, complaint.Event{Type: complaint.EventEscalated, Escalation: &complaint.Escalation{Target: string(g.s.prof.Regulator)}})
	}
	add(reply, complaint.Event{Type: complaint.EventReplied, Text: "已答复"})
	add(reply+time.Hour, complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "resolved"}})
	visit := reply + h(24, 48)
	sat := r.Float64() < 0.85
	add(visit, complaint.Event{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: sat, Score: map[bool]int{true: 9, false: 4}[sat]}})
	if !sat && r.Float64() < 0.5 {
		add(visit+time.Hour, complaint.Event{Type: complaint.EventReopened, Text: "客户不满意"})
		add(visit+h(24, 72), complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "resolved again"}})
		add(visit+h(96, 120), complaint.Event{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: city}}})
		return
	}
	add(visit+time.Hour, complaint.Event{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: city}}})
}

func (g *gen) push(it Item) {
	g.seq++
	g.pending = append(g.pending, pendingAction{item: it, seq: g.seq})
	i := len(g.pending) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !g.less(i, p) {
			break
		}
		g.pending[i], g.pending[p] = g.pending[p], g.pending[i]
		i = p
	}
}

func (g *gen) less(i, j int) bool {
	a, b := g.pending[i], g.pending[j]
	if !a.item.At.Equal(b.item.At) {
		return a.item.At.Before(b.item.At)
	}
	return a.seq < b.seq
}

func (g *gen) popAction() pendingAction {
	h := g.pending
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	g.pending = h[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && g.less(l, m) {
			m = l
		}
		if r < n && g.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		g.pending[i], g.pending[m] = g.pending[m], g.pending[i]
		i = m
	}
	return top
}

// gamma samples Gamma(shape, 1/shape): mean 1, variance 1/shape
// (Marsaglia and Tsang).
func gamma(r *rand.Rand, shape float64) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v / shape
		}
	}
}

// poisson samples a Poisson count (Knuth below 30, normal above).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda < 30 {
		l, k, p := math.Exp(-lambda), 0, 1.0
		for {
			p *= r.Float64()
			if p <= l {
				return k
			}
			k++
		}
	}
	return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
}

// Customer returns the synthetic profile of customer id: flags and prior
// escalations derived from the id, so every run agrees.
func (s *Stream) Customer(_ context.Context, id string) (*complaint.Customer, error) {
	n, err := strconv.Atoi(id[min(1, len(id)):])
	if err != nil || len(id) == 0 || id[0] != 'C' || n >= s.cfg.Customers {
		return nil, complaint.ErrNotFound
	}
	c := &complaint.Customer{ID: id}
	switch {
	case n%997 == 0:
		c.Flags = append(c.Flags, complaint.FlagProfessional)
	case n%211 == 0:
		c.Flags = append(c.Flags, complaint.FlagSensitive)
	case n%101 == 0:
		c.Flags = append(c.Flags, complaint.FlagVIP)
	}
	if n%307 == 0 {
		c.PriorEscalations = 1
	}
	return c, nil
}

var _ complaint.Customers = (*Stream)(nil)

// WriteJSONL writes every item as one JSON object a line.
func (s *Stream) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for it := range s.Items() {
		if err := enc.Encode(it); err != nil {
			return fmt.Errorf("scenario: write items: %w", err)
		}
	}
	return bw.Flush()
}

// WriteIncidentsJSONL writes incidents as one JSON object a line.
func WriteIncidentsJSONL(w io.Writer, incs []Incident) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, in := range incs {
		if err := enc.Encode(in); err != nil {
			return fmt.Errorf("scenario: write incidents: %w", err)
		}
	}
	return bw.Flush()
}

package warning

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/kesu-go/kesu/complaint"
)

// Notice is a notification about a warning, timed as Alertmanager times
// them (group wait, group interval, repeat interval). Its Warning's slices
// (Key, Evidence.Tickets, Evidence.Points) are shared with the monitor's
// state and must be treated as read-only; Warning.Clone gives a copy to
// modify. (Appending to them is safe: they are capped at their length.)
type Notice struct {
	// Reason is "new", "changed", "repeat" or "resolved". A "repeat"
	// notice's Warning is unchanged since the warning's previous notice.
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	Warning Warning   `json:"warning"`
}

// Notifier receives notices on Tick. Implementations should queue and
// return quickly; an error is logged and the notice retried on the next Tick.
type Notifier interface {
	Notify(ctx context.Context, notices []Notice) error
}

// WorkingTime measures working time (complaint/calendar's *Calendar
// implements it). With it, deadline shares are counted in working time.
type WorkingTime interface {
	WorkingDuration(from, to time.Time) (time.Duration, error)
}

// Options configures a Monitor. Only Config is needed; the rest is optional.
type Options struct {
	// Config is the warning policy; the zero Config means every default.
	Config Config
	// Journal keeps the ledger and problems (stream "warning/<id>",
	// "problem/<id>"); a complaint.MemStore implements it. Without one the
	// ledger lives in memory only.
	Journal complaint.Journal
	// Customers gives customer profiles to the escalation score (prior
	// escalations, flags); looked up only for customers already scoring.
	Customers complaint.Customers
	// Outages are polled on Tick for outage correlation.
	Outages OutageSource
	// Calendar, when set, counts deadline shares in working time.
	Calendar WorkingTime
	// Notifier receives notices on Tick.
	Notifier Notifier
	// NoRepeatNotices stops "repeat" notices: the Notifier hears of a
	// warning when it is new, changed and resolved only. For a notifier
	// that keeps the latest state of each warning (a replay, a report)
	// repeats carry nothing new, and a province has thousands of warnings
	// open at once, each repeated every Grouping.RepeatInterval. New
	// notices are timed as with repeats; a changed one is due
	// Grouping.GroupInterval after the warning's previous new or changed
	// notice (with repeats, after its previous notice of any kind).
	NoRepeatNotices bool
	// Logger receives the monitor's logs; default discards them.
	Logger *slog.Logger
}

// Monitor is the warning part of the engine: every detector, the grading
// standard, grouping and the ledger, as one kesu.Observer and kesu.Ticker.
// Observe only updates memory (it never blocks on I/O and never calls the
// engine); Tick raises time-driven alarms, writes the ledger to the journal,
// sends notices and leaves tag actions for Actions. Build it with
// NewMonitor. A Monitor is safe for concurrent use.
type Monitor struct {
	mu       sync.Mutex
	cfg      Config
	log      *slog.Logger
	notifier Notifier
	noRepeat bool // Options.NoRepeatNotices
	outSrc   OutageSource
	outSince time.Time

	ledger   *Ledger
	problems *Problems

	batch *batch
	trend *trend
	esc   *escalation
	dl    *deadlines
	rep   *repeats
	out   *outages

	active    map[string]*active
	ofKind    map[Kind]map[string]*active // active by kind
	due       noticeHeap                  // when each active warning next needs a notice
	dueLive   int                         // due's length after its last compaction
	dueBuf    []*active                   // notices' scratch list of the warnings due
	idle      map[Kind][]idleAt           // min-heaps: when customer warnings may go idle
	actions   []Action
	actionsN  int      // how many actions the last Actions returned: the next slice's capacity
	spare     []Action // a cleared slice RecycleActions handed back: the next list's array
	gradeEnv  GradeEnv // gradeWarning's scratch
	lastSweep time.Time
	now       time.Time // latest time seen
}

// active is an open warning's state in the monitor: the warning and when
// it was last notified.
//
// The fields a Tick reads for every warning due (the notice heap's checks,
// the sort by fingerprint) come first, in one cache line: a province's
// open warnings are looked at every repeat interval, and w is 392 bytes.
type active struct {
	next       int64  // unix ns of its entry in the notice heap
	seq        uint32 // its entry's sequence: older entries are stale
	queued     bool   // it has an entry in the notice heap
	gone       bool   // dropped from active (or replaced): its heap entries are stale
	changed    bool   // evidence changed since the last notice
	ended      bool
	ledgerDirt bool
	notified   time.Time // last notice
	fp         string    // w.Fingerprint (it never changes)
	w          Warning
	tag        string
	rule       string // "warning/" + w.ID, the rule of the tags it puts on tickets (made at the first)
}

// idleAt is an entry of an idle heap: a may have been quiet for its
// kind's TTL from at (UpdatedAt + TTL when pushed; checked again on pop).
type idleAt struct {
	at int64
	a  *active
}

func idleLess(h []idleAt, i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].a.w.Fingerprint < h[j].a.w.Fingerprint
}

func (m *Monitor) pushIdle(kind Kind, x idleAt) {
	h := append(m.idle[kind], x)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !idleLess(h, i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	m.idle[kind] = h
}

func (m *Monitor) popIdle(kind Kind) idleAt {
	h := m.idle[kind]
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = idleAt{}
	h = h[:n]
	for i := 0; ; {
		l, r, s := 2*i+1, 2*i+2, i
		if l < n && idleLess(h, l, s) {
			s = l
		}
		if r < n && idleLess(h, r, s) {
			s = r
		}
		if s == i {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	m.idle[kind] = h
	return top
}

// idleSince returns, sorted, the fingerprints of the open warnings of kind
// not updated for more than ttl before now. It looks only at the warnings
// whose TTL may have run out (a min-heap by UpdatedAt + ttl).
func (m *Monitor) idleSince(kind Kind, ttl time.Duration, now time.Time) []string {
	var out []string
	n := now.UnixNano()
	var later []idleAt
	for h := m.idle[kind]; len(h) > 0 && h[0].at < n; h = m.idle[kind] {
		x := m.popIdle(kind)
		a := x.a
		if m.active[a.w.Fingerprint] != a || a.ended {
			continue // gone
		}
		if now.Sub(a.w.UpdatedAt) > ttl {
			out = append(out, a.w.Fingerprint)
		} else {
			later = append(later, idleAt{at: a.w.UpdatedAt.Add(ttl).UnixNano(), a: a})
		}
	}
	for _, x := range later {
		m.pushIdle(kind, x)
	}
	slices.Sort(out)
	return out
}

// idleTTL is how long a customer warning of kind stays open unfed (0: the
// kind does not end by idling).
func (m *Monitor) idleTTL(kind Kind) time.Duration {
	switch kind {
	case KindRepeat:
		return 7 * 24 * time.Hour
	case KindEscalation:
		return time.Duration(m.cfg.Escalation.IdleTTL)
	}
	return 0
}

// dueAt is an entry of the notice heap. Entries due at the same time pop
// in any order: notices sorts what is due by fingerprint.
type dueAt struct {
	at  int64
	a   *active
	seq uint32
}

// stale reports whether d no longer stands for its warning's next look.
func (d *dueAt) stale() bool { return d.a.gone || !d.a.queued || d.a.seq != d.seq }

type noticeHeap []dueAt

func (h noticeHeap) less(i, j int) bool { return h[i].at < h[j].at }

func (h *noticeHeap) push(d dueAt) {
	*h = append(*h, d)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *noticeHeap) pop() dueAt {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = dueAt{}
	*h = s[:n]
	h.down(0)
	return top
}

func (h noticeHeap) down(i int) {
	n := len(h)
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// nextNotice returns when a next needs a look by notices, or false when
// nothing about it is due until it changes.
func (m *Monitor) nextNotice(a *active) (int64, bool) {
	g := m.cfg.Grouping
	switch {
	case a.w.Inhibited:
		return math.MinInt64, a.ended // forgotten silently once ended
	case a.ended:
		return math.MinInt64, true
	case a.notified.IsZero():
		return a.w.RaisedAt.Add(time.Duration(g.GroupWait)).UnixNano(), true
	case a.changed:
		return a.notified.Add(min(time.Duration(g.GroupInterval), time.Duration(g.RepeatInterval))).UnixNano(), true
	case m.noRepeat:
		return 0, false // unchanged since its last notice: nothing to say until it changes or ends
	default:
		return a.notified.Add(time.Duration(g.RepeatInterval)).UnixNano(), true
	}
}

// schedule (re)places a's entry in the notice heap after a change.
func (m *Monitor) schedule(a *active) {
	at, ok := m.nextNotice(a)
	if a.queued && ok && at == a.next {
		return
	}
	a.seq++
	a.queued, a.next = ok, at
	if !ok {
		return
	}
	if len(m.due) >= 2*m.dueLive+1024 {
		keep := m.due[:0]
		for _, d := range m.due {
			if !d.stale() {
				keep = append(keep, d)
			}
		}
		clear(m.due[len(keep):])
		m.due = keep
		for i := len(keep)/2 - 1; i >= 0; i-- {
			m.due.down(i)
		}
		m.dueLive = len(keep)
	}
	m.due.push(dueAt{at: at, a: a, seq: a.seq})
}

func (m *Monitor) setActive(fp string, a *active) {
	if old := m.active[fp]; old != nil {
		a.seq = old.seq // entries of the old one are stale
		old.gone = true
	}
	m.active[fp] = a
	k := m.ofKind[a.w.Kind]
	if k == nil {
		k = make(map[string]*active)
		m.ofKind[a.w.Kind] = k
	}
	k[fp] = a
	m.schedule(a)
	if ttl := m.idleTTL(a.w.Kind); ttl > 0 {
		m.pushIdle(a.w.Kind, idleAt{at: a.w.UpdatedAt.Add(ttl).UnixNano(), a: a})
	}
}

func (m *Monitor) dropActive(fp string) {
	if a := m.active[fp]; a != nil {
		a.gone = true
		delete(m.ofKind[a.w.Kind], fp)
		delete(m.active, fp)
	}
}

// finding is what a detector reports when it fires.
type finding struct {
	kind    Kind
	key     Key
	fp      string
	at      time.Time
	grade   Grade
	ev      Evidence
	explain string
	tag     string // tag for the member tickets, if any
	parent  string // fingerprint of the warning this one rolls up into
	env     GradeEnv
}

// NewMonitor builds a Monitor and loads the ledger and problems from
// opts.Journal. It returns an error when the grading rules do not compile
// or the journal cannot be read.
func NewMonitor(ctx context.Context, opts Options) (*Monitor, error) {
	cfg := opts.Config.Defaults()
	if err := cfg.Compile(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Monitor{cfg: cfg, log: log, notifier: opts.Notifier, noRepeat: opts.NoRepeatNotices, outSrc: opts.Outages, active: make(map[string]*active),
		ofKind: make(map[Kind]map[string]*active), idle: make(map[Kind][]idleAt)}
	c := &m.cfg
	m.batch = newBatch(c)
	m.trend = newTrend(c)
	m.rep = newRepeats(c)
	m.esc = newEscalation(c, opts.Customers)
	m.dl = newDeadlines(c, opts.Calendar)
	m.out = newOutages(c)
	var err error
	if m.ledger, err = LoadLedger(ctx, opts.Journal, cfg.Ledger); err != nil {
		return nil, err
	}
	if m.problems, err = LoadProblems(ctx, opts.Journal); err != nil {
		return nil, err
	}
	m.ledger.retest = m.retest
	return m, nil
}

// Ledger returns the monitor's ledger.
func (m *Monitor) Ledger() *Ledger { return m.ledger }

// Problems returns the monitor's problem register.
func (m *Monitor) Problems() *Problems { return m.problems }

// ticketKeys are the truncated region and category of a received ticket
// and the key hashes that several detectors use, computed once per ticket.
type ticketKeys struct {
	reg1, reg2, reg3 string
	cat1, cat2       string
	top, coarse      uint64 // hash2(reg1, cat1), hash2(reg2, cat1)
	cust, custCat    uint64 // hash2(Customer, ""), hash2(Customer, cat2); 0 without a customer
	fine             uint64 // hash2(reg3, cat2)
}

// set computes t's keys and hashes into k (every field is written).
func (k *ticketKeys) set(t *complaint.Ticket) {
	// The customer right after the category it is hashed with: its string
	// is the likeliest to be cold in memory, and the work on the region
	// below can overlap the miss.
	k.cat1, k.cat2, _ = truncate3(t.Category)
	k.cust, k.custCat = 0, 0
	c2 := hashStr(hashSeed2, k.cat2)
	if t.Customer != "" {
		h := hashStr(hashSeed, t.Customer)
		k.cust, k.custCat = hashJoin(h, hashEmpty2), hashJoin(h, c2)
	}
	k.reg1, k.reg2, k.reg3 = truncate3(t.Region)
	k.fine = hashJoin(hashStr(hashSeed, k.reg3), c2)
	c := hashStr(hashSeed2, k.cat1) // hash2's second part, shared
	k.top, k.coarse = hashJoin(hashStr(hashSeed, k.reg1), c), hashJoin(hashStr(hashSeed, k.reg2), c)
}

// Observe implements kesu.Observer: it feeds e (and t, the ticket after e's
// batch) to the detectors. It does no I/O and, in steady state (no warning
// firing), does not allocate.
func (m *Monitor) Observe(e *complaint.Event, t *complaint.Ticket) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.At.After(m.now) {
		m.now = e.At
	}
	switch e.Type {
	case complaint.EventReceived:
		var tk ticketKeys
		tk.set(t)
		if t.Customer != "" {
			// The customer's repeat and escalation slots and the text (read
			// last, for escalation words), prefetched now so their cache
			// misses overlap the batch detector's work.
			text := unsafe.Pointer(&tk) // anything valid when there is no text
			textEnd := text
			if n := len(t.Text); n > 0 {
				text, textEnd = unsafe.Pointer(unsafe.StringData(t.Text)), unsafe.Pointer(unsafe.StringData(t.Text[n-1:]))
			}
			m.batch.sink += prefetched(m.rep.m.homeOf(tk.custCat), m.esc.m.homeOf(tk.cust), text, textEnd)
		}
		m.batch.observe(t, &tk, m)
		m.trend.observe(t, &tk, m)
		n30 := m.rep.observe(t, &tk, m)
		m.out.observe(t, m)
		m.esc.observe(e, t, n30, tk.cust, m)
		m.dl.update(t, m)
	case complaint.EventUrged, complaint.EventReopened, complaint.EventVisited, complaint.EventEscalated, complaint.EventInfoAdded:
		m.esc.observe(e, t, -1, 0, m)
		m.dl.update(t, m)
	case complaint.EventDeadlinesSet, complaint.EventWaiting, complaint.EventResumed, complaint.EventContacted,
		complaint.EventReplied, complaint.EventResolved, complaint.EventClosed, complaint.EventAssigned,
		complaint.EventDispatched, complaint.EventTransferred:
		m.dl.update(t, m)
	case complaint.EventMerged:
		m.problems.noteMerged(e)
	}
}

// Forget implements kesu.Forgetter: the engine's store no longer holds the
// open ticket t (a replay window forgets tickets idle past its
// horizon). The Monitor stops following the ticket's deadlines, as if it
// had closed at at: its alarms die and its deadline warnings end (a
// warning never acknowledged expires in the ledger, and is archived). What
// the other detectors keep is by customer, key or area, and ends with
// their idle TTLs. Without it, a history whose tickets never close (a
// ticket list, say, with no lifecycle events) would keep every ticket's
// deadline state and warnings for ever.
func (m *Monitor) Forget(t *complaint.Ticket, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dl.forget(t.ID, at, m)
}

// Tick implements kesu.Ticker: it raises deadline alarms due by now, closes
// trend days, polls outages, ends quiet warnings, sweeps idle state, runs
// ledger look-backs and problem look-backs, writes the ledger to the journal
// and sends due notices. It returns the journal's or the notifier's errors
// joined; what failed is retried on the next Tick.
func (m *Monitor) Tick(ctx context.Context, now time.Time) error {
	var errs []error
	if m.outSrc != nil {
		since := m.outSinceLocked()
		os, err := m.outSrc.Outages(ctx, since)
		if err != nil {
			errs = append(errs, err)
		} else {
			for _, o := range os {
				m.AddOutage(o)
			}
		}
	}
	m.mu.Lock()
	if now.After(m.now) {
		m.now = now
	}
	m.dl.tick(now, m)
	m.trend.tick(now, m)
	m.out.tick(now, m)
	if now.Sub(m.lastSweep) >= time.Hour {
		m.lastSweep = now
		m.batch.sweep(now, m)
		m.rep.sweep(now, m)
		m.esc.sweep(now, m)
	}
	notices := m.notices(now)
	m.mu.Unlock()

	if err := m.ledger.tick(ctx, now); err != nil {
		errs = append(errs, err)
	}
	if err := m.problems.tick(ctx, now, m.ledger); err != nil {
		errs = append(errs, err)
	}
	if m.notifier != nil && len(notices) > 0 {
		if err := m.notifier.Notify(ctx, notices); err != nil {
			m.log.Warn("warning: notify failed; retrying on the next tick", "err", err, "notices", len(notices))
			m.mu.Lock()
			for _, n := range notices {
				if a := m.active[n.Warning.Fingerprint]; a != nil {
					a.notified = time.Time{}
					a.changed = true
					m.schedule(a)
				}
			}
			m.mu.Unlock()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *Monitor) outSinceLocked() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.outSince
}

// Actions returns and forgets the tag actions the detectors left since the
// last call, in the order they arose. Apply each with the engine:
//
//	for _, a := range mon.Actions() { eng.Apply(ctx, a.Ticket, a.Event) }
func (m *Monitor) Actions() []Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.actions
	m.actions = nil
	m.actionsN = len(out)
	return out
}

// RecycleActions hands back a slice Actions returned, once every action in
// it has been applied and nothing refers to the slice or to its events'
// Tags any more: the Monitor clears it and fills it, and the Tags arrays,
// with later actions instead of allocating new ones. Engine.Tick calls it
// (the Monitor is a kesu.ActionRecycler) after applying the actions.
// Recycling is optional; a recycled slice must not be used again by the
// caller.
func (m *Monitor) RecycleActions(actions []Action) {
	// A slice far larger than its last use (a burst of tags) is left to
	// the collector rather than held.
	if cap(actions) == 0 || cap(actions) > max(4*len(actions), maxSpareActions) {
		return
	}
	actions = actions[:cap(actions)]
	for i := range actions {
		// No ticket id, explanation or tag stays reachable; a Tags array
		// of tagTicket's size is kept, empty, for the slot's next action.
		tags := actions[i].Event.Tags
		if cap(tags) != 2 {
			tags = nil
		}
		clear(tags[:cap(tags)])
		actions[i] = Action{Event: complaint.Event{Tags: tags[:0]}}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cap(actions) > cap(m.spare) {
		m.spare = actions[:0]
	}
}

// maxSpareActions is the largest action slice RecycleActions keeps
// whatever its last use (≈ 4 MB).
const maxSpareActions = 1 << 14

// Active returns copies of the warnings firing now, sorted by raise time
// then fingerprint.
func (m *Monitor) Active() []Warning {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Warning, 0, len(m.active))
	for _, a := range m.active {
		if !a.ended {
			out = append(out, *a.w.Clone())
		}
	}
	sortWarnings(out)
	return out
}

func sortWarnings(ws []Warning) {
	slices.SortFunc(ws, func(a, b Warning) int {
		if c := a.RaisedAt.Compare(b.RaisedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
}

// fire raises a new warning or updates the open one with the same fingerprint.
func (m *Monitor) fire(f *finding) *active {
	a := m.active[f.fp]
	if a != nil && !a.ended {
		m.update(a, f)
		return a
	}
	w := Warning{ID: warningID(f.fp, f.at), Kind: f.kind, Key: f.key, Fingerprint: f.fp, Grade: f.grade,
		RaisedAt: f.at, UpdatedAt: f.at, Evidence: f.ev, Explanation: f.explain}
	if len(w.Evidence.Tickets) > m.cfg.MaxMembers {
		w.Evidence.Tickets = w.Evidence.Tickets[len(w.Evidence.Tickets)-m.cfg.MaxMembers:]
	}
	if w.Evidence.Members < len(w.Evidence.Tickets) {
		w.Evidence.Members = len(w.Evidence.Tickets)
	}
	m.gradeWarning(&w, &f.env)
	if f.parent != "" {
		if p := m.active[f.parent]; p != nil && !p.ended {
			w.Parent = p.w.ID
			w.Inhibited = f.kind == p.w.Kind // same kind: inhibited; customer warnings are grouped, never muted
		}
	} else if f.kind == KindEscalation || f.kind == KindRepeat {
		if p := m.incidentFor(f.env.Region, f.env.Category); p != nil {
			w.Parent = p.w.ID
		}
	}
	w.ID, w.Recurrence = m.ledger.raise(&w)
	a = &active{w: w, fp: w.Fingerprint, tag: f.tag, ledgerDirt: false}
	m.setActive(f.fp, a)
	for _, id := range w.Evidence.Tickets {
		m.tagTicket(a, id, f.at)
	}
	return a
}

func (m *Monitor) gradeWarning(w *Warning, env *GradeEnv) {
	env.Kind, env.Rule, env.Stat, env.Window = string(w.Kind), w.Evidence.Rule, w.Grade.String(), w.Evidence.Window
	env.Members, env.Customers, env.Observed = w.Evidence.Members, w.Evidence.Customers, w.Evidence.Observed
	env.Baseline, env.PValue, env.Ratio, env.Score = w.Evidence.Baseline, w.Evidence.PValue, w.Evidence.Ratio, w.Evidence.Score
	// The grading programs take their env as an interface: env itself
	// would escape, and with it every detector's finding (a heap object
	// per fire). The Monitor's scratch copy escapes instead, once.
	m.gradeEnv = *env
	m.cfg.grade(w, &m.gradeEnv)
	m.gradeEnv = GradeEnv{}
}

// update merges a new finding into an open warning.
func (m *Monitor) update(a *active, f *finding) {
	w := &a.w
	ev := f.ev
	ev.Members = max(w.Evidence.Members, ev.Members)
	// Keep the listed tickets (the warning's history), add new ones.
	tickets := w.Evidence.Tickets
	for _, id := range f.ev.Tickets {
		if !slices.Contains(tickets, id) && len(tickets) < m.cfg.MaxMembers {
			tickets = append(tickets, id)
			m.tagTicket(a, id, f.at)
		}
	}
	ev.Tickets = tickets
	if ev.Members < len(tickets) {
		ev.Members = len(tickets)
	}
	w.Evidence = ev
	w.Explanation = f.explain
	w.UpdatedAt = f.at
	old := w.Grade
	w.Grade = f.grade
	m.gradeWarning(w, &f.env)
	if old.MoreSevere(w.Grade) { // grades only rise while a warning is open
		w.Grade = old
	}
	a.changed = true
	m.schedule(a)
	m.ledger.touch(w)
}

// member adds ticket t to the open warning fp (a new member of a burst).
func (m *Monitor) member(kind Kind, fp string, t *complaint.Ticket, at time.Time) {
	m.memberOf(m.active[fp], t, at)
}

// memberFP is member for a fingerprint in a scratch buffer (no allocation).
func (m *Monitor) memberFP(kind Kind, fp []byte, t *complaint.Ticket, at time.Time) {
	m.memberOf(m.active[string(fp)], t, at)
}

func (m *Monitor) memberOf(a *active, t *complaint.Ticket, at time.Time) {
	if a == nil || a.ended {
		return
	}
	w := &a.w
	w.Evidence.Members++
	w.UpdatedAt = at
	if len(w.Evidence.Tickets) < m.cfg.MaxMembers && !slices.Contains(w.Evidence.Tickets, t.ID) {
		w.Evidence.Tickets = append(w.Evidence.Tickets, t.ID)
	}
	a.changed = true
	m.schedule(a)
	m.ledger.touch(w)
	if a.tag != "" && !t.HasTag(a.tag) {
		m.tagTicket(a, t.ID, at)
	}
}

// regrade raises the grade of an open warning when a test got stronger.
func (m *Monitor) regrade(kind Kind, fp []byte, g Grade, p float64, at time.Time) {
	a := m.active[string(fp)]
	if a == nil || a.ended || !g.MoreSevere(a.w.Grade) || a.w.GradedBy != "default/"+a.w.Evidence.Rule {
		return
	}
	a.w.Grade = g
	a.w.Evidence.PValue = p
	a.w.UpdatedAt = at
	a.changed = true
	m.schedule(a)
	m.ledger.touch(&a.w)
}

func (m *Monitor) tagTicket(a *active, id string, at time.Time) {
	if a.tag == "" || id == "" {
		return
	}
	if a.rule == "" {
		a.rule = "warning/" + a.w.ID
	}
	if m.actions == nil {
		// The slice is the caller's once Actions returns it: start the
		// next in the one the caller recycled, or at the last one's size
		// rather than grow it from nothing.
		if m.spare != nil {
			m.actions, m.spare = m.spare, nil
		} else {
			m.actions = make([]Action, 0, max(m.actionsN, 16))
		}
	}
	// A recycled slot holds its last Tags array, cleared: reuse it.
	n := len(m.actions)
	var tags []complaint.Tag
	if n < cap(m.actions) {
		tags = m.actions[:n+1][n].Event.Tags
	}
	m.actions = append(m.actions, Action{Ticket: id, Event: complaint.Event{
		Type: complaint.EventTagged, At: at, Text: a.w.Explanation,
		Tags: append(tags, complaint.Tag{Name: a.tag, Rule: a.rule, At: at}, complaint.Tag{Name: TagWarned, Rule: a.rule, At: at}),
	}})
}

// end marks the warning fp as no longer firing (its ledger entry stays).
func (m *Monitor) end(fp string, at time.Time) { m.endActive(m.active[fp], at) }

// endFP is end for a fingerprint in a scratch buffer (no allocation).
func (m *Monitor) endFP(fp []byte, at time.Time) { m.endActive(m.active[string(fp)], at) }

func (m *Monitor) endActive(a *active, at time.Time) {
	if a == nil || a.ended {
		return
	}
	a.ended = true
	a.w.UpdatedAt = at
	m.schedule(a)
	m.ledger.ended(&a.w, at)
}

// inhibitChildren marks open child-region batch warnings of a parent burst
// (region under, category under) as inhibited by it.
func (m *Monitor) inhibitChildren(parentFP, region, category string) {
	p := m.active[parentFP]
	if p == nil {
		return
	}
	for _, fp := range slices.Sorted(maps.Keys(m.ofKind[KindBatch])) {
		a := m.active[fp]
		if a.ended || fp == parentFP || a.w.Kind != KindBatch || a.w.Parent != "" {
			continue
		}
		r, c := a.w.Key.Get("region"), a.w.Key.Get("category")
		if r != region && complaint.Under(r, region) && complaint.Under(c, category) {
			a.w.Parent, a.w.Inhibited = p.w.ID, true
			a.changed = true
			m.schedule(a)
			m.ledger.touch(&a.w)
		}
	}
}

// incidentFor returns the open batch warning covering region and category.
func (m *Monitor) incidentFor(region, category string) *active {
	if region == "" || category == "" {
		return nil
	}
	var best *active
	for _, a := range m.ofKind[KindBatch] {
		if a.ended || a.w.Kind != KindBatch || a.w.Inhibited {
			continue
		}
		r, c := a.w.Key.Get("region"), a.w.Key.Get("category")
		if r == "" || c == "" || !complaint.Under(region, r) || !complaint.Under(category, c) {
			continue
		}
		if best == nil || a.w.Fingerprint < best.w.Fingerprint {
			best = a
		}
	}
	return best
}

// notices returns the notices due at now and forgets ended warnings. It
// looks only at the warnings the notice heap says are due.
func (m *Monitor) notices(now time.Time) []Notice {
	g := m.cfg.Grouping
	due := m.dueBuf[:0]
	n := now.UnixNano()
	for len(m.due) > 0 && m.due[0].at <= n {
		d := m.due.pop()
		m.dueLive = min(m.dueLive, len(m.due))
		if d.stale() {
			continue
		}
		a := d.a
		a.queued = false
		switch {
		case a.w.Inhibited:
			if a.ended {
				m.dropActive(a.w.Fingerprint)
			}
		case a.ended,
			a.notified.IsZero() && now.Sub(a.w.RaisedAt) >= time.Duration(g.GroupWait),
			!a.notified.IsZero() && a.changed && now.Sub(a.notified) >= time.Duration(g.GroupInterval),
			!a.notified.IsZero() && now.Sub(a.notified) >= time.Duration(g.RepeatInterval):
			due = append(due, a)
		default:
			m.schedule(a) // not due after all: look again later
		}
	}
	slices.SortFunc(due, func(a, b *active) int { return strings.Compare(a.fp, b.fp) })
	var out []Notice
	if len(due) > 0 {
		out = make([]Notice, 0, len(due))
	}
	for _, a := range due {
		// The notice shares the warning's slices (read-only, see Notice):
		// a repeat notice of an unchanged warning costs no copy.
		switch {
		case a.ended:
			if !a.notified.IsZero() {
				out = append(out, Notice{Reason: "resolved", At: now, Warning: a.w.shared()})
			}
			m.dropActive(a.w.Fingerprint)
			continue
		case a.notified.IsZero():
			out = append(out, Notice{Reason: "new", At: now, Warning: a.w.shared()})
			a.notified, a.changed = now, false
		case a.changed:
			// Due, and changed: by the group interval, or by the repeat
			// interval when that is the shorter. A "repeat" notice is
			// always of a warning unchanged since its last notice.
			out = append(out, Notice{Reason: "changed", At: now, Warning: a.w.shared()})
			a.notified, a.changed = now, false
		default:
			out = append(out, Notice{Reason: "repeat", At: now, Warning: a.w.shared()})
			a.notified = now
		}
		m.schedule(a)
	}
	clear(due)
	m.dueBuf = due[:0]
	return out
}

// retest re-tests the key of a closed warning for a look-back: whether it
// fires again now.
func (m *Monitor) retest(w *Warning, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.active[w.Fingerprint]; a != nil && !a.ended && a.w.RaisedAt.After(w.RaisedAt) {
		return true
	}
	switch w.Kind {
	case KindBatch:
		return m.batch.fires(w.Key, now)
	case KindEscalation:
		return m.esc.fires(w.Key.Get("customer"))
	}
	return false
}

package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/calendar"
)

// Options configures a Stage. Every field is optional.
type Options struct {
	// History gives expressions the customer's recent history; without it
	// history.* is always zero. Register it as an engine Observer too.
	History *History
	// Workload gives least-loaded and skills assignment, and capacity
	// limits, each handler's open tickets; without it every handler counts
	// as idle. Register it as an engine Observer too.
	Workload *Workload
	// Logger receives warnings about rule expressions that fail at run time
	// (the rule is then treated as not matching); default: discarded.
	Logger *slog.Logger
}

// state is a policy with the round-robin counters of its queues.
type state struct {
	p  *Policy
	rr []atomic.Uint64 // per queue index
}

// Stage is the routing stage of a kesu.Engine: on intake it tags the ticket,
// routes it through the policy's tree, assigns a handler and sets its SLA
// deadlines; after a reopen or an escalation it re-tags, re-routes when the
// decision changed, and sets fresh deadlines; when the customer's profile
// arrives late (complaint.EventProfiled) it does the same with deadlines
// still counted from receipt; after a transfer it assigns a
// handler in the new queue; after an urge or added information it re-tags.
// Waiting and resuming need nothing from it: complaint.Apply shifts the
// deadlines by the time spent waiting.
//
// It is also a kesu.AppendStage: over a store that copies what it is given
// (the replay window), the engine has it decide into reused memory, so a
// decision allocates nothing.
//
// Build it with NewStage. A Stage is safe for concurrent use; Swap replaces
// its policy atomically while it runs (round-robin positions carry over for
// queues that keep their id).
type Stage struct {
	st   atomic.Pointer[state]
	swap sync.Mutex
	hist *History
	load *Workload
	log  *slog.Logger
	pool sync.Pool // *scratch
}

type scratch struct {
	f  facts
	vm vm.VM
	d  Decision
}

var (
	_ kesu.Stage       = (*Stage)(nil)
	_ kesu.AppendStage = (*Stage)(nil)
)

// NewStage returns a Stage running p. p must not be nil.
func NewStage(p *Policy, opt Options) *Stage {
	if p == nil {
		panic("routing: NewStage with a nil policy")
	}
	s := &Stage{hist: opt.History, load: opt.Workload, log: opt.Logger}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.pool.New = func() any { sc := new(scratch); sc.f.vm = &sc.vm; return sc }
	s.st.Store(&state{p: p, rr: make([]atomic.Uint64, len(p.queues))})
	return s
}

// Policy returns the policy the stage runs now.
func (s *Stage) Policy() *Policy { return s.st.Load().p }

// Swap makes p the stage's policy and returns the previous one. Decisions in
// flight finish with the policy they started with. p must not be nil.
func (s *Stage) Swap(p *Policy) *Policy {
	if p == nil {
		panic("routing: Swap with a nil policy")
	}
	s.swap.Lock()
	defer s.swap.Unlock()
	old := s.st.Load()
	n := &state{p: p, rr: make([]atomic.Uint64, len(p.queues))}
	for _, q := range p.queues {
		if oq, ok := old.p.queueID[q.ID]; ok {
			n.rr[q.index].Store(old.rr[oq.index].Load())
		}
	}
	s.st.Store(n)
	return old.p
}

// Plan tags, routes and assigns t for customer c (nil when unknown) at now,
// without changing t, and writes the outcome to d (reused: its slices keep
// their capacity). It is the stage's hot path: with a reused Decision it
// does not allocate, except to join the route explanation when `continue`
// nodes matched and to box the expression environment once when a candidate
// rule's expression is not simple enough to run natively (see Env).
func (s *Stage) Plan(t *complaint.Ticket, c *complaint.Customer, now time.Time, d *Decision) {
	st := s.st.Load()
	sc := s.pool.Get().(*scratch)
	s.plan(st, sc, t, c, now, d)
	s.pool.Put(sc)
}

func (s *Stage) plan(st *state, sc *scratch, t *complaint.Ticket, c *complaint.Customer, now time.Time, d *Decision) {
	p := st.p
	d.reset()
	f := &sc.f
	var h HistoryView
	if c != nil && s.hist != nil {
		h = s.hist.Lookup(c.ID, t.ID, t.Category, now)
	}
	p.prepare(f, t, c, h, now)
	p.tag(f, d)
	p.route(f, d)
	s.assign(st, t, c, d)
	for _, e := range f.exprErrs {
		d.Errors = append(d.Errors, e.rule+": "+e.err.Error())
	}
	f.t, f.c, f.env, f.envReady = nil, nil, nil, false
	f.envv = Env{}
}

// assign picks a handler in d.Queue.
func (s *Stage) assign(st *state, t *complaint.Ticket, c *complaint.Customer, d *Decision) {
	q := d.Queue
	if q == nil {
		return
	}
	strategy := q.Strategy
	if len(d.matched) > 0 {
		for _, m := range d.matched {
			if !m.viaContinue && m.assign != "" {
				strategy = m.assign
				break
			}
		}
	}
	s.pick(st, q, strategy, t, c, d)
}

func (s *Stage) pick(st *state, q *Queue, strategy string, t *complaint.Ticket, c *complaint.Customer, d *Decision) {
	if strategy == Owner {
		if c != nil && c.Owner != "" {
			d.Assignee, d.Strategy = c.Owner, Owner
			return
		}
		strategy = q.Fallback
		if strategy == "" || strategy == Owner {
			strategy = q.Strategy
		}
		if strategy == Owner {
			strategy = RoundRobin
		}
	}
	hs := q.Handlers
	if len(hs) == 0 {
		return
	}
	free := func(h *Handler) bool { return h.Capacity == 0 || s.load.Load(h.ID) < h.Capacity }
	switch strategy {
	case RoundRobin:
		n := uint64(len(hs))
		start := st.rr[q.index].Add(1) - 1
		for i := uint64(0); i < n; i++ {
			h := &hs[(start+i)%n]
			if free(h) {
				d.Assignee, d.Strategy = h.ID, RoundRobin
				return
			}
		}
	case LeastLoaded, Skills:
		best, bestLoad, bestSpec := -1, 0, 0
		for i := range hs {
			h := &hs[i]
			spec := 0
			if strategy == Skills {
				if spec = specificity(t.Category, h.Skills); spec == 0 {
					continue
				}
			}
			l := s.load.Load(h.ID)
			if h.Capacity > 0 && l >= h.Capacity {
				continue
			}
			if best < 0 || l < bestLoad || (l == bestLoad && spec > bestSpec) {
				best, bestLoad, bestSpec = i, l, spec
			}
		}
		if best >= 0 {
			d.Assignee, d.Strategy = hs[best].ID, strategy
		}
	}
}

// specificity returns the depth of the deepest skill that covers category
// (0 when none does).
func specificity(category string, skills []string) int {
	best := 0
	for _, sk := range skills {
		if complaint.Under(category, sk) {
			best = max(best, complaint.Level(sk))
		}
	}
	return best
}

// Decide implements kesu.Stage: see Stage for what it does after which
// event. It returns the events to apply (tagged, dispatched, assigned,
// deadlines-set), or an error when a deadline needs calendar data the
// policy's calendar does not have (calendar.ErrNoData).
func (s *Stage) Decide(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
	out, err := s.decide(in, nil, nil)
	if len(out) == 0 {
		out = nil
	}
	return out, err
}

// DecideAppend implements kesu.AppendStage: the same decision as Decide,
// its events appended to dst and their payloads in p (the tags in p.Tags'
// array, grown when it is short), so that it allocates nothing once p's
// arrays are large enough. The engine uses it when its store copies what it
// is given.
func (s *Stage) DecideAppend(_ context.Context, in kesu.Input, dst []complaint.Event, p *kesu.Payloads) ([]complaint.Event, error) {
	return s.decide(in, dst, p)
}

// decide is DecideAppend, and with pay nil Decide: then dst is nil and the
// events and their payloads take one new allocation (Decide's result is
// the caller's).
func (s *Stage) decide(in kesu.Input, dst []complaint.Event, pay *kesu.Payloads) ([]complaint.Event, error) {
	t := in.Ticket
	if in.Trigger == nil || t == nil {
		return dst, nil
	}
	var full, reroute, tagOnly, assignOnly, profiled bool
	switch in.Trigger.Type {
	case complaint.EventReceived, complaint.EventAccepted:
		full = t.Unit == "" && (t.Status == complaint.StatusReceived || t.Status == complaint.StatusAccepted)
	case complaint.EventReopened, complaint.EventEscalated:
		reroute = true
	case complaint.EventProfiled:
		reroute, profiled = true, true
	case complaint.EventTransferred:
		assignOnly = true
	case complaint.EventUrged, complaint.EventInfoAdded:
		tagOnly = true
	}
	if !full && !reroute && !tagOnly && !assignOnly {
		return dst, nil
	}
	st := s.st.Load()
	p := st.p
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	d := &sc.d
	if assignOnly {
		d.reset()
		q, ok := p.queueID[t.Queue]
		if !ok || t.Assignee != "" {
			return dst, nil
		}
		d.Queue = q
		s.pick(st, q, q.Strategy, t, in.Customer, d)
		if d.Assignee == "" {
			return dst, nil
		}
		a := &complaint.Assign{}
		if pay != nil {
			a = &pay.Assign
		}
		*a = complaint.Assign{Assignee: d.Assignee, Strategy: d.Strategy}
		return append(dst, complaint.Event{Type: complaint.EventAssigned, Assign: a}), nil
	}
	s.plan(st, sc, t, in.Customer, in.Now, d)
	for _, e := range d.Errors {
		s.log.Warn("routing: rule expression failed; treated as not matching", "ticket", t.ID, "err", e)
	}
	if tagOnly {
		if len(d.Tags) == 0 {
			return dst, nil
		}
		return append(dst, complaint.Event{Type: complaint.EventTagged, Tags: d.tagsInto(in.Now, pay, nil)}), nil
	}
	// What the decision holds is worked out first, so that its events
	// and what they point to take one allocation.
	dispatch := full
	if reroute && d.Queue != nil && d.Queue.ID != t.Queue && complaint.Can(t.Status, complaint.EventDispatched) &&
		d.Dispatch.Tier.Rank() >= t.Tier.Rank() {
		dispatch = true
	}
	assignee := t.Assignee
	if dispatch {
		assignee = ""
	}
	assign := assignee == "" && d.Assignee != "" && (dispatch || t.Queue == d.Dispatch.Queue)
	var dl complaint.Deadlines
	var dlErr error
	deadlines := d.Profile != nil && (full || (reroute && complaint.Can(t.Status, complaint.EventDeadlinesSet)))
	if deadlines {
		from := in.Now
		if (full || profiled) && !t.ReceivedAt.IsZero() {
			from = t.ReceivedAt
		}
		dl, dlErr = p.Deadlines(d.Profile, from)
		if dlErr != nil && !errors.Is(dlErr, calendar.ErrNoData) {
			return nil, fmt.Errorf("routing: deadlines for %s (profile %s): %w", t.ID, d.Profile.ID, dlErr)
		}
		deadlines = dlErr != nil || full || dl != t.Deadlines
	}
	n := 0
	for _, b := range [...]bool{len(d.Tags) > 0, dispatch, assign, deadlines} {
		if b {
			n++
		}
	}
	if n == 0 {
		return dst, nil
	}
	var (
		out  []complaint.Event
		tags []complaint.Tag // Decide's room for them (DecideAppend's is pay.Tags)
		dsp  *complaint.Dispatch
		asg  *complaint.Assign
		dls  *complaint.Deadlines
	)
	if pay == nil {
		var buf *decidedPayloads
		out, buf = newDecided(n)
		tags, dsp, asg, dls = buf.tags[:0], &buf.dispatch, &buf.assign, &buf.deadlines
	} else {
		out, dsp, asg, dls = dst, &pay.Dispatch, &pay.Assign, &pay.Deadlines
	}
	if len(d.Tags) > 0 {
		out = append(out, complaint.Event{Type: complaint.EventTagged, Tags: d.tagsInto(in.Now, pay, tags)})
	}
	if dispatch {
		*dsp = d.Dispatch
		out = append(out, complaint.Event{Type: complaint.EventDispatched, Dispatch: dsp})
	}
	if assign {
		*asg = complaint.Assign{Assignee: d.Assignee, Strategy: d.Strategy}
		out = append(out, complaint.Event{Type: complaint.EventAssigned, Assign: asg})
	}
	if deadlines {
		if dlErr != nil {
			// Never lose the ticket for want of holiday data: take it without
			// these deadlines, mark it, and say so loudly.
			s.log.Error("routing: no calendar data for a deadline; ticket taken without deadlines — add the year's holiday data",
				"ticket", t.ID, "profile", d.Profile.ID, "err", dlErr)
			if !t.HasTag(TagDeadlineUnknown) {
				out = append(out, complaint.Event{Type: complaint.EventTagged, Tags: []complaint.Tag{
					{Name: TagDeadlineUnknown, Rule: "sla:" + d.Profile.ID, At: in.Now}}})
			}
		} else {
			*dls = dl
			out = append(out, complaint.Event{Type: complaint.EventDeadlinesSet, Deadlines: dls})
		}
	}
	return out, nil
}

// tagsInto returns the decision's tags, dated at: in pay's array (grown
// when short and kept there for the next decision) when pay is set, else
// appended to dst.
func (d *Decision) tagsInto(at time.Time, pay *kesu.Payloads, dst []complaint.Tag) []complaint.Tag {
	if pay == nil {
		return d.tags(at, dst)
	}
	pay.Tags = d.tags(at, pay.Tags[:0])
	return slices.Clip(pay.Tags)
}

// tags appends the decision's tags, dated at, to dst (a new slice when
// they do not fit in its capacity).
func (d *Decision) tags(at time.Time, dst []complaint.Tag) []complaint.Tag {
	if cap(dst)-len(dst) < len(d.Tags) {
		dst = slices.Grow(dst, len(d.Tags))
	}
	for _, h := range d.Tags {
		dst = append(dst, complaint.Tag{Name: h.Tag, Rule: h.Rule, At: at})
	}
	return dst
}

// decidedPayloads are what a decision's events point to.
type decidedPayloads struct {
	tags      [2]complaint.Tag
	dispatch  complaint.Dispatch
	assign    complaint.Assign
	deadlines complaint.Deadlines
}

// newDecided returns room for n events (1 to 4) and their payloads in one
// allocation sized to n: Decide's result is the caller's, and shares
// nothing with another decision.
func newDecided(n int) ([]complaint.Event, *decidedPayloads) {
	switch n {
	case 1:
		x := new(struct {
			e [1]complaint.Event
			p decidedPayloads
		})
		return x.e[:0], &x.p
	case 2:
		x := new(struct {
			e [2]complaint.Event
			p decidedPayloads
		})
		return x.e[:0], &x.p
	case 3:
		x := new(struct {
			e [3]complaint.Event
			p decidedPayloads
		})
		return x.e[:0], &x.p
	}
	x := new(struct {
		e [4]complaint.Event
		p decidedPayloads
	})
	return x.e[:0], &x.p
}

// TagDeadlineUnknown marks a ticket whose SLA deadlines could not be set
// because the calendar has no holiday data for a year they fall in
// (calendar.ErrNoData). The ticket is taken all the same; the tag's rule
// names the SLA profile. Add the year's data (calendar.LoadYear) and the
// deadlines are set on the next re-route.
const TagDeadlineUnknown = "deadline-unknown"

// Errors the Guard returns; errors.Is finds them in its refusals.
var (
	// ErrNotAuthorised: a refund or compensation above the handler's limit
	// or the policy's cap without a covering approval, or an approval from a
	// tier that may not give it.
	ErrNotAuthorised = errors.New("routing: not authorised")
	// ErrTransferRefused: a transfer over the policy's limit, back to the
	// unit the ticket came from (ping-pong), or to an unknown queue.
	ErrTransferRefused = errors.New("routing: transfer refused")
)

// Guard enforces the policy's authorisation limits (DOMAIN.md R13, R28) and
// transfer limits (R15) before an action is applied. Get it from
// Stage.Guard; it follows the stage's policy swaps. It is safe for
// concurrent use.
type Guard struct{ s *Stage }

var _ kesu.Guard = (*Guard)(nil)

// Guard returns the stage's guard.
func (s *Stage) Guard() *Guard { return &Guard{s: s} }

// Check implements kesu.Guard. A resolution whose refund or compensation
// exceeds the handler tier's limit (the event's Actor.Tier, else the
// ticket's tier), or whose compensation exceeds the policy's cap, is refused
// unless an approval of at least that amount precedes it (Ticket.Approved).
// An approval must come from a tier above the ticket's and within that
// tier's own limits. A transfer is refused past the policy's maximum count,
// back to the unit the ticket was last transferred from (unless
// allow_return), to the unit it is already in, or to a queue the policy does
// not know. Refusals wrap ErrNotAuthorised or ErrTransferRefused and say why.
func (g *Guard) Check(_ context.Context, t *complaint.Ticket, _ *complaint.Customer, e *complaint.Event) error {
	p := g.s.Policy()
	switch e.Type {
	case complaint.EventResolved:
		if e.Resolution == nil {
			return nil
		}
		tier := e.Actor.Tier
		if tier == "" {
			tier = t.Tier
		}
		lim := p.limits[tier]
		check := func(what string, amount, limit complaint.Money, capped bool) error {
			allowed := limit
			if capped && p.cap > 0 && p.cap < allowed {
				allowed = p.cap
			}
			if amount <= allowed || amount <= t.Approved {
				return nil
			}
			capNote := ""
			if capped && p.cap > 0 {
				capNote = fmt.Sprintf(", policy cap %s", p.cap)
			}
			return fmt.Errorf("%w: %s %s yuan on %s exceeds what tier %q may grant (%s%s) and no approval covers it (approved %s)",
				ErrNotAuthorised, what, amount, t.ID, tier, limit, capNote, t.Approved)
		}
		if err := check("refund", e.Resolution.Refund, lim.Refund, false); err != nil {
			return err
		}
		return check("compensation", e.Resolution.Compensation, lim.Compensation, true)
	case complaint.EventApproved:
		if e.Approval == nil {
			return nil
		}
		at := e.Actor.Tier
		if at.Rank() <= t.Tier.Rank() {
			return fmt.Errorf("%w: approval on %s must come from a tier above %q (approver tier %q)", ErrNotAuthorised, t.ID, t.Tier, at)
		}
		lim := p.limits[at]
		if top := max(lim.Refund, lim.Compensation); e.Approval.Amount > top {
			return fmt.Errorf("%w: tier %q may approve up to %s yuan, not %s (ticket %s)", ErrNotAuthorised, at, top, e.Approval.Amount, t.ID)
		}
	case complaint.EventTransferred:
		if e.Dispatch == nil {
			return nil
		}
		to := e.Dispatch.Unit
		switch {
		case t.TransferCount >= p.xfer.Max:
			return fmt.Errorf("%w: %s was already transferred %d times (limit %d): resolve it where it is or escalate", ErrTransferRefused, t.ID, t.TransferCount, p.xfer.Max)
		case to == t.Unit:
			return fmt.Errorf("%w: %s is already with unit %q", ErrTransferRefused, t.ID, to)
		case !p.xfer.AllowReturn && t.PrevUnit != "" && to == t.PrevUnit:
			return fmt.Errorf("%w: %s came from unit %q: transferring it back is ping-pong", ErrTransferRefused, t.ID, to)
		}
		if q := e.Dispatch.Queue; q != "" {
			if _, ok := p.queueID[q]; !ok {
				return fmt.Errorf("%w: %s: unknown queue %q", ErrTransferRefused, t.ID, q)
			}
		}
	}
	return nil
}

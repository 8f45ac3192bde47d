package kesu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// Input is what a Stage sees: the ticket after the change that triggered the
// stage, the customer's profile and the time.
type Input struct {
	Ticket   *complaint.Ticket
	Customer *complaint.Customer // never nil; Pending when the profile could not be fetched
	// Trigger is the event that caused this run (EventReceived on intake).
	Trigger *complaint.Event
	Now     time.Time
}

// Stage decides what follows a change: tags, a dispatch, an assignment,
// deadlines. It returns events (only Type, payload, Text and optionally
// Actor need be set; the engine fills the rest) that the engine applies and
// stores atomically with the change. Stages run in order; each sees the
// ticket as changed by the ones before. The policy package's engine stage is
// the usual one. A Stage must be safe for concurrent use.
type Stage interface {
	Decide(ctx context.Context, in Input) ([]complaint.Event, error)
}

// AppendStage is a Stage that can write its decision into memory the
// caller reuses instead of allocating it for every decision. DecideAppend
// decides exactly as Decide does and appends the events to dst; their
// payloads (Tags, Dispatch, Assign, Deadlines) may point into p. The caller
// owns p and dst: once it is done with the events it reuses both for the
// next decision, so it must copy whatever it keeps. A stage that needs more
// payloads of a kind than p has room for allocates the rest.
//
// The engine calls DecideAppend instead of Decide when its store copies the
// tickets and events it is given and keeps no reference to them (as the
// replay window of kesu replay does): a decision then allocates nothing.
// routing.Stage implements it.
type AppendStage interface {
	Stage
	DecideAppend(ctx context.Context, in Input, dst []complaint.Event, p *Payloads) ([]complaint.Event, error)
}

// Payloads is room for the payloads of one decision's events, reused from
// one decision to the next by the caller of an AppendStage: one of each
// kind a routing decision makes, and the tags' array.
type Payloads struct {
	Tags      []complaint.Tag
	Dispatch  complaint.Dispatch
	Assign    complaint.Assign
	Deadlines complaint.Deadlines
}

// StageFunc adapts a function to a Stage.
type StageFunc func(ctx context.Context, in Input) ([]complaint.Event, error)

// Decide calls f.
func (f StageFunc) Decide(ctx context.Context, in Input) ([]complaint.Event, error) {
	return f(ctx, in)
}

// Guard checks an action before it is applied (e.g. an authorisation limit)
// and returns an error to refuse it. A Guard must be safe for concurrent use.
type Guard interface {
	Check(ctx context.Context, t *complaint.Ticket, c *complaint.Customer, e *complaint.Event) error
}

// Observer sees every stored event, in commit order, one call at a time:
// warning detectors and KPI scorecards are observers. t is the ticket right
// after e (as Rebuild shows it too); Observe must not keep or change either
// (the engine reuses them). Observe must not call back into the engine
// synchronously.
type Observer interface {
	Observe(e *complaint.Event, t *complaint.Ticket)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(e *complaint.Event, t *complaint.Ticket)

// Observe calls f.
func (f ObserverFunc) Observe(e *complaint.Event, t *complaint.Ticket) { f(e, t) }

// Forgetter is implemented by observers that keep state for each open
// ticket (the warning Monitor's deadline clocks, routing's Workload and
// History). A store that forgets open tickets, as the replay window of
// kesu replay forgets those idle past its horizon, tells the engine with
// Engine.Forget, and the engine tells its Forgetters: each drops what it
// holds of the ticket, as it would had the ticket closed, so that its
// memory follows the tickets the store holds, not every ticket ever taken
// in. t is the ticket as the store last held it; Forget must not keep or
// change it. Forget is called in commit order with Observe (a background
// observer's on its goroutine) and, as Observe, must not call back into
// the engine.
type Forgetter interface {
	Forget(t *complaint.Ticket, at time.Time)
}

// Ticker does time-driven work when the engine's Tick is called (deadline
// alarms, look-backs, bucket closes).
type Ticker interface {
	Tick(ctx context.Context, now time.Time) error
}

// Action is an event a projection asks the engine to apply to a ticket: a
// tag for the members of a batch warning, a merge into a problem. Projections
// never call the engine from Observe; they leave actions instead.
type Action struct {
	Ticket string          `json:"ticket"`
	Event  complaint.Event `json:"event"`
}

// ActionSource is implemented by an Observer or Ticker that leaves actions
// for the engine (warning.Monitor does). Actions returns the pending
// actions and forgets them. Engine.Tick drains every ActionSource among the
// observers and tickers after the tickers ran; an action on a ticket the
// store no longer holds is skipped there, other failures are returned.
type ActionSource interface {
	Actions() []Action
}

// Config configures an Engine. Only what you set changes the defaults.
type Config struct {
	// Store keeps tickets and events; default an empty complaint.MemStore.
	Store complaint.Store
	// Customers gives customer profiles; default an empty Directory (every
	// customer unknown). A failing lookup never loses a ticket: the ticket is
	// taken with a pending profile.
	Customers complaint.Customers
	// Now is the clock; default time.Now. Tests inject a fixed or fake clock.
	Now func() time.Time
	// NewID makes ticket ids; default complaint.Sequence("T").
	NewID func() string
	// Logger receives the engine's logs; default discards them.
	Logger *slog.Logger
	// Categories and Regions, when set, restrict intake to their codes.
	Categories, Regions *complaint.Taxonomy
	// ManualAccept leaves new tickets in status received; by default intake
	// also records the acceptance (受理).
	ManualAccept bool
	// Stages run after intake and after every action, in order.
	Stages []Stage
	// Guards check every action before it is applied.
	Guards []Guard
	// Observers see every stored event.
	Observers []Observer
	// Background observers see every stored event as Observers do (in
	// commit order, one call at a time, the ticket right after each event)
	// but on a goroutine of their own, with copies of the event and the
	// ticket: the engine goes on meanwhile. Events are handed over in
	// batches of 256, so an event may be seen only at the next Tick or
	// Sync: Tick waits until they have seen every event stored before it
	// runs the tickers, and again before it returns; Sync waits too. Put
	// here only projections that no stage, guard or synchronous observer
	// reads between Ticks (warnings and scores; never the routing history
	// or workload the stages read).
	Background []Observer
	// Tickers run on Tick.
	Tickers []Ticker
}

// Engine takes tickets in, applies actions to them through the lifecycle,
// runs the stages (tagging, routing, assignment, deadlines) and feeds every
// stored event to the observers (warnings, scoring) and subscribers. Build
// one with New. An Engine is safe for concurrent use.
type Engine struct {
	store     complaint.Store
	customers complaint.Customers
	now       func() time.Time
	newID     func() string
	log       *slog.Logger
	cats      *complaint.Taxonomy
	regions   *complaint.Taxonomy
	accept    bool
	stages    []Stage
	guards    []Guard
	tickers   []Ticker

	mu        sync.Mutex // serialises notification
	observers []Observer
	forgets   []Forgetter    // the observers that are Forgetters
	subs      []subscription // in subscription order
	nextSub   int

	sources []ActionSource // observers and tickers that leave actions, each once
	bg      *background    // nil without Config.Background

	pmu     sync.Mutex
	pending map[string]struct{} // tickets whose customer profile is still to be fetched

	copier copyStore // the store, when it copies tickets in and out
	// appendStages holds, by stage, the stage as an AppendStage when the
	// store copies (copier) and the stage is one; nil otherwise.
	appendStages []AppendStage
	noCustomers  bool      // no Config.Customers: every customer is unknown
	bufs         sync.Pool // of *buffers
}

// copyStore is implemented by stores that copy tickets in and out instead
// of keeping the caller's ticket or handing out fresh copies (the replay
// window of kesu replay): the engine then works on reused buffers and
// allocates no ticket per event.
type copyStore interface {
	// GetInto copies the ticket with that id into dst (reusing *tags as the
	// array of dst.Tags), or returns an error wrapping ErrNotFound.
	GetInto(ctx context.Context, id string, dst *complaint.Ticket, tags *[]complaint.Tag) error
	// HoldsExternal reports whether a ticket with that external id is held.
	HoldsExternal(externalID string) bool
	// CopiesTickets reports whether Create and Append copy the ticket they
	// are given and keep no reference to it or to the events (the caller
	// may change and reuse them after they return).
	CopiesTickets() bool
}

// buffers are one Intake's or Apply's working copies, reused.
type buffers struct {
	cur, pre         complaint.Ticket
	curTags, preTags []complaint.Tag
	evs              []complaint.Event
	trigger          complaint.Event
	in               complaint.Intake
	act              payloads   // the action's, copied
	pays             []Payloads // by stage: an AppendStage's decision
	cust             complaint.Customer
}

// payloads hold the copy of an action's payloads.
type payloads struct {
	in         complaint.Intake
	tags       []complaint.Tag
	dispatch   complaint.Dispatch
	assign     complaint.Assign
	deadlines  complaint.Deadlines
	approval   complaint.Approval
	escalation complaint.Escalation
	resolution complaint.Resolution
	satisfied  bool
	visit      complaint.Visit
	closing    complaint.Closing
	merge      complaint.Merge
}

// cloneInto copies ev into *e as deep as Event.Clone does, its payloads
// in p. It writes *e in place (no Event-sized temporary: the destination
// of the background observers' copy is cold memory, and each extra copy
// of the 256-byte Event showed in the replay's profile).
func (p *payloads) cloneInto(e, ev *complaint.Event) {
	*e = *ev
	into(&e.Intake, &p.in)
	if e.Tags != nil {
		p.tags = append(p.tags[:0], e.Tags...)
		e.Tags = p.tags
	}
	into(&e.Dispatch, &p.dispatch)
	into(&e.Assign, &p.assign)
	into(&e.Deadlines, &p.deadlines)
	into(&e.Approval, &p.approval)
	into(&e.Escalation, &p.escalation)
	if into(&e.Resolution, &p.resolution) {
		into(&p.resolution.Satisfied, &p.satisfied)
	}
	into(&e.Visit, &p.visit)
	into(&e.Closing, &p.closing)
	into(&e.Merge, &p.merge)
}

// into copies the payload *src points at into buf and points *src at buf;
// it reports whether there was one (a nil *src stays nil).
func into[T any](src **T, buf *T) bool {
	if *src == nil {
		return false
	}
	*buf = **src
	*src = buf
	return true
}

// copyTicket copies src into dst, the tags into *tags (a nil Tags stays nil).
func copyTicket(dst, src *complaint.Ticket, tags *[]complaint.Tag) {
	*dst = *src
	if src.Tags != nil {
		*tags = append((*tags)[:0], src.Tags...)
		dst.Tags = *tags
	}
}

// evBuf returns b's event array, emptied, when the store copies tickets
// in and out (it keeps no events: the replay window), else nil (a store may
// keep the slice it is given).
func (e *Engine) evBuf(b *buffers) []complaint.Event {
	if e.copier == nil {
		return nil
	}
	return b.evs[:0]
}

func (e *Engine) getBuffers() *buffers {
	if b, ok := e.bufs.Get().(*buffers); ok {
		return b
	}
	return &buffers{pays: make([]Payloads, len(e.stages))}
}

// putBuffers returns b to the pool. What it still refers to (the last
// ticket's strings) is overwritten by the next use.
func (e *Engine) putBuffers(b *buffers) { e.bufs.Put(b) }

// actionSources finds the ActionSources among the observers and tickers,
// each once, in the order given.
func actionSources(obs []Observer, tks []Ticker) []ActionSource {
	var out []ActionSource
	add := func(x any) {
		src, ok := x.(ActionSource)
		if !ok {
			return
		}
		if reflect.TypeOf(src).Comparable() {
			for _, have := range out {
				if reflect.TypeOf(have).Comparable() && have == src {
					return
				}
			}
		}
		out = append(out, src)
	}
	for _, o := range obs {
		add(o)
	}
	for _, t := range tks {
		add(t)
	}
	return out
}

// MaxConflictRetries is how many times Apply re-reads a ticket that changed
// under it before giving up with complaint.ErrConflict.
const MaxConflictRetries = 3

// New builds an Engine from cfg.
func New(cfg Config) *Engine {
	e := &Engine{
		store: cfg.Store, customers: cfg.Customers, now: cfg.Now, newID: cfg.NewID, log: cfg.Logger,
		cats: cfg.Categories, regions: cfg.Regions, accept: !cfg.ManualAccept,
		stages: append([]Stage(nil), cfg.Stages...), guards: append([]Guard(nil), cfg.Guards...),
		observers: append([]Observer(nil), cfg.Observers...), tickers: append([]Ticker(nil), cfg.Tickers...),
		pending: make(map[string]struct{}),
	}
	e.sources = actionSources(append(slices.Clip(e.observers), cfg.Background...), e.tickers)
	for _, o := range e.observers {
		if f, ok := o.(Forgetter); ok {
			e.forgets = append(e.forgets, f)
		}
	}
	if e.store == nil {
		e.store = complaint.NewMemStore()
	}
	if c, ok := e.store.(copyStore); ok && c.CopiesTickets() {
		e.copier = c
	}
	e.appendStages = make([]AppendStage, len(e.stages))
	for k, s := range e.stages {
		if as, ok := s.(AppendStage); ok && e.copier != nil {
			e.appendStages[k] = as
		}
	}
	if e.customers == nil {
		e.noCustomers = true // every customer unknown: no lookups
		e.customers = new(complaint.Directory)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.newID == nil {
		e.newID = complaint.Sequence("T")
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Background) > 0 {
		e.bg = newBackground(append([]Observer(nil), cfg.Background...), e.log)
	}
	if len(e.stages) == 0 {
		e.log.Info("kesu: no stages configured: tickets are not tagged, routed or given deadlines")
	}
	if len(e.observers) == 0 && e.bg == nil {
		e.log.Info("kesu: no observers configured: no warnings or scores are computed")
	}
	return e
}

// Store returns the engine's store.
func (e *Engine) Store() complaint.Store { return e.store }

// Now returns the engine clock's current time.
func (e *Engine) Now() time.Time { return e.now() }

// Intake takes a new ticket in: it validates in (a *complaint.ValidationError
// naming every bad field), records the received (and accepted) events, runs
// the stages and stores everything at once. Intake is idempotent on
// in.ExternalID: taking the same external id again returns the ticket
// already stored and stores nothing. On error nothing is stored.
func (e *Engine) Intake(ctx context.Context, in complaint.Intake) (*complaint.Ticket, error) {
	t, _, err := e.intake(ctx, &in, true)
	return t, err
}

// Take is Intake for streaming callers (kesu replay): it returns the id of
// the ticket taken in (or of the one already stored under in.ExternalID)
// instead of a copy of the ticket. Over a store that copies tickets in and
// out (the replay window) it allocates no ticket.
func (e *Engine) Take(ctx context.Context, in complaint.Intake) (string, error) {
	_, id, err := e.intake(ctx, &in, false)
	return id, err
}

// intake takes *in in; it keeps no reference to in.
func (e *Engine) intake(ctx context.Context, src *complaint.Intake, copyOut bool) (*complaint.Ticket, string, error) {
	b := e.getBuffers()
	defer e.putBuffers(b)
	in := &b.in
	if e.copier == nil {
		in = new(complaint.Intake) // the store may keep the received event
	}
	*in = *src
	if err := complaint.ValidateIntake(in, e.cats, e.regions); err != nil {
		return nil, "", err
	}
	if in.ExternalID != "" && (e.copier == nil || e.copier.HoldsExternal(in.ExternalID)) {
		t, err := e.store.GetExternal(ctx, in.ExternalID)
		if err == nil {
			e.log.Debug("kesu: duplicate intake", "external_id", in.ExternalID, "ticket", t.ID)
			return t, t.ID, nil
		}
		if !errors.Is(err, complaint.ErrNotFound) {
			return nil, "", fmt.Errorf("kesu: intake: %w", err)
		}
	}
	now := e.now()
	id := e.newID()
	b.cur = complaint.Ticket{}
	t := &b.cur
	if e.copier == nil {
		t = new(complaint.Ticket) // the store may keep it
	}
	evs := append(e.evBuf(b), complaint.Event{Ticket: id, Type: complaint.EventReceived, At: now,
		Actor: actorFor(in.Channel), Visibility: complaint.Public, Intake: in})
	cust := e.customer(ctx, in.Customer, b)
	if cust.Pending {
		// Right after received, so that the stages' trigger stays the intake.
		evs = append(evs, complaint.Event{Type: complaint.EventTagged,
			Tags: []complaint.Tag{{Name: complaint.TagProfilePending, Rule: "kesu.customers", At: now}}})
	}
	if e.accept {
		evs = append(evs, complaint.Event{Type: complaint.EventAccepted, Actor: complaint.Actor{Kind: complaint.ActorSystem}})
	}
	evs, err := e.run(ctx, b, t, cust, evs, now)
	b.evs = evs
	if err != nil {
		return nil, "", err
	}
	if err := e.store.Create(ctx, t, evs); err != nil {
		if errors.Is(err, complaint.ErrDuplicate) && in.ExternalID != "" {
			if prev, gerr := e.store.GetExternal(ctx, in.ExternalID); gerr == nil {
				return prev, prev.ID, nil
			}
		}
		return nil, "", fmt.Errorf("kesu: intake: %w", err)
	}
	b.pre = complaint.Ticket{}
	e.notify(evs, &b.pre, t)
	if t.ProfilePending {
		e.pmu.Lock()
		e.pending[t.ID] = struct{}{}
		e.pmu.Unlock()
	}
	if e.log.Enabled(ctx, slog.LevelDebug) { // the arguments would allocate
		e.log.Debug("kesu: ticket taken in", "ticket", t.ID, "kind", t.Kind, "category", t.Category, "region", t.Region, "events", len(evs))
	}
	if !copyOut {
		return nil, t.ID, nil
	}
	return t.Clone(), t.ID, nil
}

func actorFor(ch complaint.Channel) complaint.Actor {
	if ch.Regulator() {
		return complaint.Actor{Kind: complaint.ActorRegulator, ID: string(ch)}
	}
	return complaint.Actor{Kind: complaint.ActorCustomer}
}

// Apply applies an action to the ticket with that id: ev needs its Type, its
// payload, and usually Actor and Text; the engine sets the ticket, sequence
// number and time (ev.At when zero). Guards check it, the lifecycle applies
// it (a *complaint.TransitionError when the status does not allow it), the
// stages run, and everything is stored at once. A concurrent change to the
// same ticket makes Apply re-read and retry up to MaxConflictRetries times.
// It returns the ticket after the change.
func (e *Engine) Apply(ctx context.Context, id string, ev complaint.Event) (*complaint.Ticket, error) {
	return e.apply(ctx, id, &ev, true)
}

// Act is Apply for streaming callers (kesu replay): it does not return a
// copy of the ticket after the change. Over a store that copies tickets in
// and out (the replay window) it allocates no ticket.
func (e *Engine) Act(ctx context.Context, id string, ev complaint.Event) error {
	_, err := e.apply(ctx, id, &ev, false)
	return err
}

func (e *Engine) apply(ctx context.Context, id string, ev *complaint.Event, copyOut bool) (*complaint.Ticket, error) {
	b := e.getBuffers()
	defer e.putBuffers(b)
	var lastErr error
	for range MaxConflictRetries {
		var t *complaint.Ticket
		if e.copier != nil {
			t = &b.cur
			if err := e.copier.GetInto(ctx, id, t, &b.curTags); err != nil {
				return nil, err
			}
		} else {
			var err error
			if t, err = e.store.Get(ctx, id); err != nil {
				return nil, err
			}
		}
		now := e.now()
		var evs []complaint.Event
		if e.copier != nil {
			evs = append(b.evs[:0], complaint.Event{})
			b.act.cloneInto(&evs[0], ev)
		} else {
			evs = append(evs, ev.Clone()) // the store may keep the payloads
		}
		act := &evs[0]
		act.Ticket = id
		if act.At.IsZero() {
			act.At = now
		}
		cust := e.customer(ctx, t.Customer, b)
		for _, g := range e.guards {
			if err := g.Check(ctx, t, cust, act); err != nil {
				return nil, err
			}
		}
		if e.copier == nil {
			copyTicket(&b.pre, t, &b.preTags) // re-folded for the observers
		}
		evs, err := e.run(ctx, b, t, cust, evs, now)
		b.evs = evs
		if err != nil {
			return nil, err
		}
		if e.copier != nil && len(evs) > 1 {
			// The store still holds the ticket before the batch (a change
			// in between makes Append fail with a conflict, and the loop
			// retry).
			if err := e.copier.GetInto(ctx, id, &b.pre, &b.preTags); err != nil {
				return nil, err
			}
		}
		err = e.store.Append(ctx, t, evs)
		if errors.Is(err, complaint.ErrConflict) {
			lastErr = err
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("kesu: apply %s to %s: %w", ev.Type, id, err)
		}
		e.notify(evs, &b.pre, t)
		if !copyOut {
			return nil, nil
		}
		return t.Clone(), nil
	}
	return nil, fmt.Errorf("kesu: apply %s to %s: gave up after %d conflicts: %w", ev.Type, id, MaxConflictRetries, lastErr)
}

// run applies the given events to t (at version base), then the stages'
// events for each trigger, filling ids, sequence numbers and times.
func (e *Engine) run(ctx context.Context, b *buffers, t *complaint.Ticket, cust *complaint.Customer, evs []complaint.Event, now time.Time) ([]complaint.Event, error) {
	id := t.ID
	if id == "" {
		id = evs[0].Ticket // a new ticket: the received event names it
	}
	fill := func(ev *complaint.Event) {
		ev.Ticket = id
		ev.Seq = t.Version + 1
		if ev.At.IsZero() {
			ev.At = now
		}
		if ev.Actor.Kind == "" {
			ev.Actor.Kind = complaint.ActorSystem
		}
		if ev.Visibility == "" {
			if ev.Public() {
				ev.Visibility = complaint.Public
			} else {
				ev.Visibility = complaint.Internal
			}
		}
	}
	for i := range evs {
		fill(&evs[i])
		if err := complaint.Apply(t, &evs[i]); err != nil {
			return nil, err
		}
	}
	b.trigger = evs[len(evs)-1] // a copy: evs grows
	trigger := &b.trigger
	if e.copier != nil {
		// The store copies the ticket: its tags may grow in b's array
		// (kept for the next run when it grows), not in a new one for
		// every ticket taken in. A ticket left without tags keeps a nil
		// Tags, as it would have.
		if t.Tags == nil {
			t.Tags = b.curTags[:0]
		}
		defer func() {
			if len(t.Tags) == 0 {
				t.Tags = nil
			} else if cap(t.Tags) > cap(b.curTags) {
				b.curTags = t.Tags[:0]
			}
		}()
	}
	for k, s := range e.stages {
		in := Input{Ticket: t, Customer: cust, Trigger: trigger, Now: now}
		if as := e.appendStages[k]; as != nil {
			// The store copies what it is given: the stage decides into
			// evs and b's payloads, reused by the next decision.
			n := len(evs)
			out, err := as.DecideAppend(ctx, in, evs, &b.pays[k])
			if err != nil {
				return nil, fmt.Errorf("kesu: stage after %s on %s: %w", trigger.Type, t.ID, err)
			}
			evs = out
			for i := n; i < len(evs); i++ {
				fill(&evs[i])
				if err := complaint.Apply(t, &evs[i]); err != nil {
					return nil, fmt.Errorf("kesu: stage event %s on %s: %w", evs[i].Type, t.ID, err)
				}
			}
			continue
		}
		out, err := s.Decide(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("kesu: stage after %s on %s: %w", trigger.Type, t.ID, err)
		}
		for i := range out {
			fill(&out[i])
			if err := complaint.Apply(t, &out[i]); err != nil {
				return nil, fmt.Errorf("kesu: stage event %s on %s: %w", out[i].Type, t.ID, err)
			}
			evs = append(evs, out[i])
		}
	}
	return evs, nil
}

// customer returns the profile of customer id; an unknown or pending one
// is b.cust.
func (e *Engine) customer(ctx context.Context, id string, b *buffers) *complaint.Customer {
	if id == "" || e.noCustomers {
		b.cust = complaint.Customer{ID: id}
		return &b.cust
	}
	c, err := e.customers.Customer(ctx, id)
	switch {
	case err == nil && c != nil:
		return c
	case errors.Is(err, complaint.ErrNotFound):
		b.cust = complaint.Customer{ID: id}
	default:
		e.log.Warn("kesu: customer profile unavailable; taking the ticket with a pending profile", "customer", id, "err", err)
		b.cust = complaint.Customer{ID: id, Pending: true}
	}
	return &b.cust
}

// notify passes each stored event to the observers and subscribers with the
// ticket as it stood right after that event, so observers see exactly what
// Rebuild shows them: pre, a working copy of the ticket before the batch,
// is re-folded for every event but the last, which sees t, the ticket
// after the batch.
func (e *Engine) notify(evs []complaint.Event, pre, t *complaint.Ticket) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bg != nil {
		e.bg.addCommit(evs, pre, t) // before pre is re-folded
	}
	for i := range evs {
		cur := t
		if i < len(evs)-1 {
			if err := complaint.Apply(pre, &evs[i]); err != nil {
				// Cannot happen: the same events applied to the same ticket in run.
				e.log.Error("kesu: re-folding a stored event failed", "ticket", evs[i].Ticket, "seq", evs[i].Seq, "err", err)
				return
			}
			cur = pre
		}
		for _, o := range e.observers {
			o.Observe(&evs[i], cur)
		}
		for _, s := range e.subs {
			s.fn(evs[i].Clone(), cur.Clone())
		}
	}
}

// Forget tells the observers that are Forgetters (Config.Observers and
// Config.Background) that the store no longer holds the open tickets ts
// (each as the store last held it), as of at: they drop what they keep of
// each, in order, after every event stored before the call. Stores that
// keep every ticket never need it; the replay window calls it for the
// tickets it forgets when they have been idle past its horizon. The
// engine's subscribers are not told (no event was stored). The engine
// keeps nothing of ts.
func (e *Engine) Forget(at time.Time, ts ...*complaint.Ticket) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range ts {
		for _, f := range e.forgets {
			f.Forget(t, at)
		}
		if e.bg != nil {
			e.bg.addForget(t, at)
		}
	}
}

type subscription struct {
	id int
	fn func(complaint.Event, *complaint.Ticket)
}

// Subscribe calls fn with a copy of every event stored from now on and the
// ticket right after it, in commit order, in the order subscribers
// subscribed. fn runs synchronously: keep it short. The returned function
// ends the subscription.
func (e *Engine) Subscribe(fn func(ev complaint.Event, t *complaint.Ticket)) (cancel func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.nextSub
	e.nextSub++
	e.subs = append(e.subs, subscription{id: id, fn: fn})
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.subs = slices.DeleteFunc(e.subs, func(s subscription) bool { return s.id == id })
	}
}

// Tick runs the time-driven work at now: first it retries the customer
// profiles that could not be fetched at intake (see Pending), then every
// Ticker (deadline alarms, look-backs, sanctions). It runs them all and
// returns their errors joined.
func (e *Engine) Tick(ctx context.Context, now time.Time) error {
	e.Sync()
	defer e.Sync()
	var errs []error
	if err := e.enrich(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, tk := range e.tickers {
		if err := tk.Tick(ctx, now); err != nil {
			errs = append(errs, err)
		}
	}
	for _, src := range e.sources {
		actions := src.Actions()
		if err := e.applyActions(ctx, actions, true); err != nil {
			errs = append(errs, err)
		}
		if r, ok := src.(ActionRecycler); ok {
			r.RecycleActions(actions)
		}
	}
	return errors.Join(errs...)
}

// ApplyActions applies each action with Apply, in order. An action that
// fails (say, a ticket that no longer exists) does not stop the others; the
// errors come back joined, each naming its ticket.
func (e *Engine) ApplyActions(ctx context.Context, actions []Action) error {
	return e.applyActions(ctx, actions, false)
}

// applyActions applies actions; with skipGone an action on a ticket the
// store no longer holds (a replay window forgets closed tickets) is moot:
// logged, not an error.
func (e *Engine) applyActions(ctx context.Context, actions []Action, skipGone bool) error {
	var errs []error
	for _, a := range actions {
		_, err := e.apply(ctx, a.Ticket, &a.Event, false)
		if skipGone && errors.Is(err, complaint.ErrNotFound) {
			if e.log.Enabled(ctx, slog.LevelDebug) {
				e.log.Debug("kesu: action on a ticket no longer stored; skipped", "ticket", a.Ticket, "event", a.Event.Type)
			}
			continue
		}
		if err != nil {
			e.log.Warn("kesu: action not applied", "ticket", a.Ticket, "event", a.Event.Type, "err", err)
			errs = append(errs, fmt.Errorf("kesu: action %s on %s: %w", a.Event.Type, a.Ticket, err))
		}
	}
	return errors.Join(errs...)
}

// Pending returns the ids of the tickets taken in while their customer's
// profile could not be fetched (the CRM was down), sorted. Each carries
// complaint.TagProfilePending and Ticket.ProfilePending; Tick fetches the
// profile again and, once it arrives, records complaint.EventProfiled, on
// which the stages tag and route the ticket again with the real profile.
func (e *Engine) Pending() []string {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	return slices.Sorted(maps.Keys(e.pending))
}

// RecoverPending finds the open tickets still waiting for their customer's
// profile in the store (after a restart) so that Tick retries them. It
// returns how many it found.
func (e *Engine) RecoverPending(ctx context.Context) (int, error) {
	ts, err := e.store.Find(ctx, complaint.Query{Open: true})
	if err != nil {
		return 0, fmt.Errorf("kesu: recover pending profiles: %w", err)
	}
	n := 0
	e.pmu.Lock()
	defer e.pmu.Unlock()
	for _, t := range ts {
		if t.ProfilePending {
			e.pending[t.ID] = struct{}{}
			n++
		}
	}
	return n, nil
}

// enrich retries the pending customer profiles; a profile that is still
// unavailable stays pending for the next Tick.
func (e *Engine) enrich(ctx context.Context) error {
	var errs []error
	for _, id := range e.Pending() {
		t, err := e.store.Get(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done := !t.ProfilePending || !t.Open()
		if !done {
			if c := e.customer(ctx, t.Customer, new(buffers)); c.Pending {
				continue
			}
			_, err := e.Apply(ctx, id, complaint.Event{Type: complaint.EventProfiled, Actor: complaint.Actor{Kind: complaint.ActorSystem}})
			if err != nil {
				errs = append(errs, fmt.Errorf("kesu: enrich %s: %w", id, err))
				continue
			}
			e.log.Info("kesu: customer profile arrived; ticket tagged and routed again", "ticket", id, "customer", t.Customer)
		}
		e.pmu.Lock()
		delete(e.pending, id)
		e.pmu.Unlock()
	}
	return errors.Join(errs...)
}

// Rebuild replays the store's event log from the start into obs (projections
// rebuilt on start), folding tickets as it goes so each observer sees the
// ticket after each event. It returns the position of the last event seen.
func Rebuild(ctx context.Context, store complaint.Store, obs ...Observer) (int64, error) {
	tickets := make(map[string]*complaint.Ticket)
	var last int64
	err := store.Scan(ctx, 0, func(ev *complaint.Event) error {
		t := tickets[ev.Ticket]
		if t == nil {
			t = new(complaint.Ticket)
			tickets[ev.Ticket] = t
		}
		if err := complaint.Apply(t, ev); err != nil {
			return fmt.Errorf("kesu: rebuild at pos %d: %w", ev.Pos, err)
		}
		for _, o := range obs {
			o.Observe(ev, t)
		}
		last = ev.Pos
		return nil
	})
	return last, err
}

package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
	"github.com/kesu-go/kesu/warning"
)

// TB is the part of testing.TB the runner uses; *testing.T and *testing.B
// satisfy it. The runner reports with Errorf only (never Fatal), so a fake
// TB needs no goroutine tricks.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Run loads the scenario file at path and runs it, reporting each failure
// with t.Errorf as "file:line: step: what: want …, got …". A file that does
// not load is one failure naming its own file:line.
func Run(t TB, path string) {
	t.Helper()
	s, err := Load(path)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	s.Run(t)
}

// Run runs the scenario and reports each failure with t.Errorf.
func (s *Scenario) Run(t TB) {
	t.Helper()
	r := s.Check(context.Background())
	for _, f := range r.Failures {
		t.Errorf("%s", f.Error())
	}
}

// Result is the outcome of one run of a scenario.
type Result struct {
	File string
	Name string
	// Steps is how many steps ran (a failed action step ends the run).
	Steps    int
	Failures []Failure
}

// Passed reports whether the run had no failure.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Failure is one failed step or expectation. Line is the line of the step
// (or of the expectation inside it) in File.
type Failure struct {
	File string
	Line int
	// Step describes the step, e.g. "expect t1" or "reply batch.3".
	Step string
	// What names what was checked ("status", "warnings[0]"); empty for a
	// failed action.
	What string
	// Want and Got are set for a comparison; Msg otherwise.
	Want, Got string
	Msg       string
}

// Error formats the failure as "file:line: step: what: want X, got Y".
func (f Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s: ", f.File, f.Line, f.Step)
	if f.What != "" {
		b.WriteString(f.What)
		b.WriteString(": ")
	}
	if f.Msg != "" {
		b.WriteString(f.Msg)
	} else {
		fmt.Fprintf(&b, "want %s, got %s", f.Want, f.Got)
	}
	return b.String()
}

// Clock is a fake clock for scenarios and tests: it stands still until told
// to move. The zero value is not usable; call NewClock. It is safe for
// concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t (which may be earlier).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// run is the state of one run of a scenario.
type run struct {
	s        *Scenario
	ctx      context.Context
	clock    *Clock
	eng      *kesu.Engine
	stack    *ingest.Stack
	ids      map[string]string   // ref -> ticket id
	batches  map[string][]string // batch ref -> member ticket ids
	nextTick time.Time
	res      *Result
}

// Check runs the scenario on a fresh engine and a fake clock and returns
// what failed. A failed action step (one not expecting an error) ends the
// run; failed expectations do not. Check never panics on a bad scenario.
func (s *Scenario) Check(ctx context.Context) *Result {
	r := &run{s: s, ctx: ctx, clock: NewClock(s.Start), ids: map[string]string{}, batches: map[string][]string{},
		nextTick: s.Start.Add(s.Tick), res: &Result{File: s.File, Name: s.Name}}
	dir := new(complaint.Directory)
	for _, c := range s.Customers {
		dir.Put(c)
	}
	store := complaint.NewMemStore()
	st, err := buildStack(ctx, s, store, dir)
	if err != nil {
		r.fail(Failure{Line: 1, Step: "policy", Msg: err.Error()})
		return r.res
	}
	r.stack = st
	r.eng = kesu.New(st.Configure(kesu.Config{
		Store: store, Now: r.clock.Now, Customers: dir, NewID: complaint.Sequence("T"),
		Logger: slog.New(slog.DiscardHandler),
	}))
	for i := range s.Steps {
		st := &s.Steps[i]
		r.res.Steps++
		if !r.step(st) {
			break
		}
	}
	return r.res
}

func (r *run) fail(f Failure) {
	f.File = r.s.File
	r.res.Failures = append(r.res.Failures, f)
}

// moveTo moves the clock to t, running the engine's tickers at every tick
// time passed on the way.
func (r *run) moveTo(t time.Time) error {
	var errs []error
	for !r.nextTick.After(t) {
		r.clock.Set(r.nextTick)
		if err := r.tick(r.nextTick); err != nil {
			errs = append(errs, err)
		}
		r.nextTick = r.nextTick.Add(r.s.Tick)
	}
	r.clock.Set(t)
	return errors.Join(errs...)
}

// tick runs the engine's time-driven work at now and applies the tags the
// warning monitor asks for.
func (r *run) tick(now time.Time) error {
	err := r.eng.Tick(r.ctx, now)
	r.stack.AfterTick(r.ctx, r.eng)
	return err
}

// step runs one step and reports whether the run goes on.
func (r *run) step(st *Step) bool {
	switch st.Action {
	case "advance", "at":
		to := r.clock.Now().Add(st.Advance)
		if st.Action == "at" {
			to = st.At
			if to.Before(r.clock.Now()) {
				r.fail(Failure{Line: st.Line, Step: "at", Msg: fmt.Sprintf("the clock never goes back: it is %s, the step asks for %s", fmtTime(r.clock.Now()), fmtTime(to))})
				return false
			}
		}
		if err := r.moveTo(to); err != nil {
			r.fail(Failure{Line: st.Line, Step: st.Action, Msg: "tick: " + err.Error()})
			return false
		}
	case "tick":
		if err := r.tick(r.clock.Now()); err != nil {
			r.fail(Failure{Line: st.Line, Step: "tick", Msg: err.Error()})
			return false
		}
	case "intake":
		return r.intake(st)
	case "expect":
		r.expect(st)
	case "ledger":
		return r.ledger(st)
	default:
		return r.act(st)
	}
	return true
}

func (r *run) intake(st *Step) bool {
	in := st.Intake
	n := max(1, in.Count)
	start := r.clock.Now()
	var members []string
	for i := range n {
		if i > 0 && in.Spread > 0 {
			at := start.Add(time.Duration(int64(in.Spread) * int64(i) / int64(n-1)))
			if err := r.moveTo(at); err != nil {
				r.fail(Failure{Line: st.Line, Step: "intake " + in.Ref, Msg: "tick: " + err.Error()})
				return false
			}
		}
		x := in.Intake
		ref := in.Ref
		if in.Count > 0 {
			num := strconv.Itoa(i + 1)
			ref = in.Ref + "." + num
			x.Customer = strings.ReplaceAll(x.Customer, "{n}", num)
			x.Subscriber = strings.ReplaceAll(x.Subscriber, "{n}", num)
			x.ExternalID = strings.ReplaceAll(x.ExternalID, "{n}", num)
			x.Text = strings.ReplaceAll(x.Text, "{n}", num)
		}
		if x.RepeatOf != "" {
			x.RepeatOf = r.ids[x.RepeatOf]
		}
		t, err := r.eng.Intake(r.ctx, x)
		if !r.outcome(st, "intake "+ref, err) {
			return false
		}
		if err == nil {
			r.ids[ref] = t.ID
			members = append(members, t.ID)
		}
	}
	if in.Count > 0 {
		r.batches[in.Ref] = members
	}
	return true
}

// outcome checks an action's error against the step's expected error and
// reports whether the run goes on.
func (r *run) outcome(st *Step, what string, err error) bool {
	switch {
	case st.Error == "" && err != nil:
		r.fail(Failure{Line: st.Line, Step: what, Msg: "refused: " + err.Error()})
		return false
	case st.Error != "" && err == nil:
		r.fail(Failure{Line: st.Line, Step: what, What: "error", Want: strconv.Quote(st.Error), Got: "no error"})
	case st.Error != "" && !errorMatches(err, st.Error):
		r.fail(Failure{Line: st.Line, Step: what, What: "error", Want: "an error containing " + strconv.Quote(st.Error), Got: strconv.Quote(err.Error())})
	}
	return true
}

// tickets resolves a ref to ticket ids: one ticket, or a batch's members.
func (r *run) tickets(ref string) ([]string, bool) {
	if ids, ok := r.batches[ref]; ok {
		return ids, true
	}
	id, ok := r.ids[ref]
	return []string{id}, ok
}

func (r *run) act(st *Step) bool {
	ids, ok := r.tickets(st.Ref)
	if !ok {
		r.fail(Failure{Line: st.Line, Step: st.Action + " " + st.Ref, Msg: "ticket " + strconv.Quote(st.Ref) + " was not taken in (its intake expected an error)"})
		return false
	}
	for _, id := range ids {
		_, err := r.eng.Apply(r.ctx, id, st.Event.Clone())
		if !r.outcome(st, st.Action+" "+st.Ref, err) {
			return false
		}
	}
	return true
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format("2006-01-02 15:04:05 -07:00")
}

// errorMatches reports whether err's message contains want, or err is one of
// complaint's sentinel errors whose text contains want (so "invalid
// transition" matches any *complaint.TransitionError).
func errorMatches(err error, want string) bool {
	if strings.Contains(err.Error(), want) {
		return true
	}
	for _, s := range []error{complaint.ErrInvalidTransition, complaint.ErrInvalid, complaint.ErrConflict, complaint.ErrDuplicate, complaint.ErrNotFound} {
		if errors.Is(err, s) && strings.Contains(s.Error(), want) {
			return true
		}
	}
	return false
}

// ledger takes a step in the warning ledger on the warning the step names.
func (r *run) ledger(st *Step) bool {
	l := st.Ledger
	what := "ledger " + l.Do + " " + l.Kind
	if err := r.tick(r.clock.Now()); err != nil { // write pending ledger changes
		r.fail(Failure{Line: st.Line, Step: what, Msg: "tick: " + err.Error()})
		return false
	}
	led := r.stack.Monitor.Ledger()
	var id string
	for _, e := range led.Entries(warning.Kind(l.Kind)) {
		if l.Key == "" || e.Warning.Key.String() == l.Key {
			id = e.Warning.ID // the latest raised wins
		}
	}
	if id == "" {
		r.fail(Failure{Line: st.Line, Step: what, What: "warning", Want: fmt.Sprintf("a %s warning key %q in the ledger", l.Kind, l.Key), Got: describeWarnings(r.warningViews())})
		return false
	}
	now := r.clock.Now()
	var e *warning.Entry
	var err error
	switch l.Do {
	case "acknowledge":
		e, err = led.Acknowledge(r.ctx, id, l.By, now)
	case "handle":
		e, err = led.Handle(r.ctx, id, warning.Feedback{At: now, By: l.By, Text: l.Text}, now)
	case "verify":
		e, err = led.Verify(r.ctx, id, l.By, l.Text, now)
	case "close":
		e, err = led.Close(r.ctx, id, l.By, now)
	}
	if err == nil {
		r.stack.LedgerChanged(e, now)
	}
	return r.outcome(st, what, err)
}

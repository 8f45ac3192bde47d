package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/kesu-go/kesu/routing"
	"github.com/kesu-go/kesu/scoring"
	"github.com/kesu-go/kesu/warning"
)

// Stack is every part of kesu a policy file describes, built and wired for
// one engine: routing (tags, routes, assignment, deadlines, guard), the
// warning Monitor and the scoring Book and Sanctions. The scenario runner
// and `kesu replay` both build their engine from it.
//
// Warnings reach scoring through the Monitor's notices: a new warning is
// told to the Book (warning KPIs) and a new batch warning with a partner to
// Sanctions. After every engine Tick, call AfterTick to apply the tags the
// Monitor asks for. A Stack is used by one engine; its parts are safe for
// concurrent use.
type Stack struct {
	// Routing is nil when the stack was built without a policy file.
	Routing   *routing.Policy
	Stage     *routing.Stage
	Share     *routing.Share
	Monitor   *warning.Monitor
	Book      *scoring.Book
	Sanctions *scoring.Sanctions
	// Outages feeds the Monitor's outage correlation.
	Outages *warning.MemOutages

	Stages    []kesu.Stage
	Guards    []kesu.Guard
	Observers []kesu.Observer
	// Background are the observers that run on a goroutine of their own
	// (the Monitor, the Book and Sanctions, with StackConfig.Background).
	Background []kesu.Observer
	Tickers    []kesu.Ticker

	mu         sync.Mutex
	seen       map[string]int         // warning id (told to scoring) → index in notified
	recent     *[recentSlots]recentID // made at the first notice
	notified   [][]kept               // chunks of keptChunk
	actionErrs int64
}

// StackConfig configures NewStack.
type StackConfig struct {
	// Policy is the parsed policy file; nil runs without routing and with
	// the default warning and scoring policies.
	Policy *policyfile.File
	// Routing, when set, is Policy already compiled by the routing package.
	Routing *routing.Policy
	// Journal keeps the warning ledger and sanction decisions; nil keeps
	// them in memory.
	Journal complaint.Journal
	// Customers gives the Monitor customer profiles.
	Customers complaint.Customers
	// Dimensions and Periods limit what the scoring Book keeps (default:
	// the Book's defaults).
	Dimensions []string
	Periods    []scoring.PeriodKind
	Logger     *slog.Logger
	// Background runs the warning Monitor, the scoring Book and Sanctions
	// as background observers (kesu.Config.Background): they see the
	// events on a goroutine of their own while the engine goes on with the
	// next rows; no stage reads them between Ticks, so the results are the
	// same.
	Background bool
}

// NewStack builds the parts from cfg. Errors in the policy name file:line.
func NewStack(ctx context.Context, cfg StackConfig) (*Stack, error) {
	s := &Stack{Outages: new(warning.MemOutages), seen: map[string]int{}}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wcfg warning.Config
	spol := scoring.Default()
	if cfg.Policy != nil {
		var errs []error
		pol := cfg.Routing
		if pol == nil {
			var err error
			if pol, err = routing.Compile(cfg.Policy); err != nil {
				errs = append(errs, err)
			}
		}
		s.Routing = pol
		var err error
		if wcfg, err = warning.LoadConfig(cfg.Policy); err != nil {
			errs = append(errs, err)
		}
		if spol, err = scoring.FromFile(cfg.Policy); err != nil {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	if s.Routing != nil {
		hist, load := routing.NewHistory(), routing.NewWorkload()
		s.Stage = routing.NewStage(s.Routing, routing.Options{History: hist, Workload: load, Logger: log})
		s.Share = new(routing.Share)
		s.Stages = append(s.Stages, s.Stage)
		s.Guards = append(s.Guards, s.Stage.Guard())
		s.Observers = append(s.Observers, hist, load, s.Share)
		s.Tickers = append(s.Tickers, hist)
	}
	opts := warning.Options{Config: wcfg, Journal: cfg.Journal, Customers: cfg.Customers, Outages: s.Outages,
		Notifier: notifier{s}, NoRepeatNotices: true, Logger: log} // the notifier keeps the latest state of each warning
	if s.Routing != nil && s.Routing.Calendar() != nil {
		opts.Calendar = s.Routing.Calendar()
	}
	mon, err := warning.NewMonitor(ctx, opts)
	if err != nil {
		return nil, err
	}
	s.Monitor = mon
	book, err := scoring.NewBook(spol, scoring.BookConfig{Dimensions: cfg.Dimensions, Periods: cfg.Periods, Logger: log})
	if err != nil {
		return nil, err
	}
	s.Book = book
	j := cfg.Journal
	if j == nil {
		j = complaint.NewMemStore()
	}
	sanc, err := scoring.NewSanctions(scoring.SanctionsConfig{Policy: spol, Journal: j, Logger: log})
	if err != nil {
		return nil, err
	}
	s.Sanctions = sanc
	if cfg.Background {
		s.Background = append(s.Background, mon, book, sanc)
	} else {
		s.Observers = append(s.Observers, mon, book, sanc)
	}
	s.Tickers = append(s.Tickers, mon, sanc)
	return s, nil
}

// Configure returns base with the stack's stages, guards, observers
// (background ones too) and tickers added, and its categories when base has none.
func (s *Stack) Configure(base kesu.Config) kesu.Config {
	base.Stages = append(append([]kesu.Stage(nil), base.Stages...), s.Stages...)
	base.Guards = append(append([]kesu.Guard(nil), base.Guards...), s.Guards...)
	base.Observers = append(append([]kesu.Observer(nil), base.Observers...), s.Observers...)
	base.Background = append(append([]kesu.Observer(nil), base.Background...), s.Background...)
	base.Tickers = append(append([]kesu.Ticker(nil), base.Tickers...), s.Tickers...)
	if base.Categories == nil && s.Routing != nil {
		base.Categories = s.Routing.Categories()
	}
	return base
}

// AfterTick applies the tag and merge actions the Monitor left for eng. An
// action on a ticket the store no longer holds (closed, forgotten) is
// counted, not an error; so is one the lifecycle refuses.
func (s *Stack) AfterTick(ctx context.Context, eng *kesu.Engine) {
	for _, a := range s.Monitor.Actions() {
		if err := eng.Act(ctx, a.Ticket, a.Event); err != nil {
			s.mu.Lock()
			s.actionErrs++
			s.mu.Unlock()
		}
	}
}

// Notified returns every warning notified so far, in the order first
// notified, each with its latest evidence. Unlike the ledger's in-memory
// entries (open and recent only), it keeps every warning of the run, so it
// keeps of each only what a replay prints: the id, kind, key, grade and
// raise time, and of the evidence the members, observed count, baseline,
// tickets and rule.
func (s *Stack) Notified() []warning.Warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]warning.Warning, 0, len(s.seen))
	for _, c := range s.notified {
		for i := range c {
			k := &c[i]
			out = append(out, warning.Warning{ID: k.id, Kind: k.kind, Key: slices.Clone(k.key), Grade: k.grade, RaisedAt: k.raised,
				Evidence: warning.Evidence{Members: k.members, Observed: k.observed, Baseline: k.baseline,
					Tickets: slices.Clone(k.tickets), Rule: k.rule}})
		}
	}
	return out
}

// DroppedActions returns how many Monitor actions could not be applied.
func (s *Stack) DroppedActions() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.actionErrs
}

// notifier forwards new warnings to scoring.
type notifier struct{ s *Stack }

// Notify implements warning.Notifier.
func (n notifier) Notify(ctx context.Context, notices []warning.Notice) error {
	for i := range notices {
		w := &notices[i].Warning
		n.s.mu.Lock()
		ix, seen := n.s.lookup(w.ID)
		if !seen {
			ix = len(n.s.seen)
			n.s.seen[w.ID] = ix
			if ix%keptChunk == 0 {
				n.s.notified = append(n.s.notified, make([]kept, 0, keptChunk))
			}
			c := &n.s.notified[ix/keptChunk]
			*c = append(*c, kept{})
		}
		n.s.notified[ix/keptChunk][ix%keptChunk].set(w) // the latest evidence
		n.s.remember(w.ID, ix)
		n.s.mu.Unlock()
		if seen {
			continue
		}
		n.s.TellScoring(ctx, w)
	}
	return nil
}

// recentSlots is the size of the Stack's direct-mapped cache of the
// warnings notified lately: the open warnings are notified again and again
// (repeat notices), each time with the same id string, so the cache finds
// them by the string's address without hashing it or probing a map of
// every warning of the run (1.5 MB; a province-year has a few thousand
// warnings open at once).
const recentSlots = 1 << 16

// recentID is a cache slot: an id string's address and length, and the
// warning's index in notified.
type recentID struct {
	p   uintptr
	n   int
	idx int
}

func recentSlot(id string) (uintptr, int) {
	p := uintptr(unsafe.Pointer(unsafe.StringData(id)))
	return p, int((p>>4)^(p>>16)) & (recentSlots - 1)
}

// lookup returns the index in notified of warning id. The caller holds mu.
func (s *Stack) lookup(id string) (int, bool) {
	if p, i := recentSlot(id); p != 0 && s.recent != nil {
		if r := &s.recent[i]; r.p == p && r.n == len(id) {
			// The address may be reused by another string once the
			// monitor dropped this one: compare the ids (equal addresses
			// compare at once).
			if s.notified[r.idx/keptChunk][r.idx%keptChunk].id == id {
				return r.idx, true
			}
		}
	}
	ix, ok := s.seen[id]
	return ix, ok
}

// remember caches id's index. The caller holds mu.
func (s *Stack) remember(id string, ix int) {
	if p, i := recentSlot(id); p != 0 {
		if s.recent == nil {
			s.recent = new([recentSlots]recentID)
		}
		s.recent[i] = recentID{p, len(id), ix}
	}
}

// kept is what the Stack keeps of a warning notified (see Notified).
type kept struct {
	id, rule          string
	kind              warning.Kind
	grade             warning.Grade
	key               warning.Key
	raised            time.Time
	members, observed int
	baseline          float64
	tickets           []string
}

// keptChunk is how many warnings a chunk of Stack.notified holds: the list
// grows a chunk at a time, never copied.
const keptChunk = 1024

// set copies what k keeps of w, into k's own arrays (which nothing else
// refers to): repeat notices allocate nothing.
func (k *kept) set(w *warning.Warning) {
	ev := &w.Evidence
	if k.id != w.ID || !slices.Equal(k.key, w.Key) || (k.key == nil) != (w.Key == nil) {
		k.key = cloneInto(k.key, w.Key) // a new warning (the key of an id never changes)
	}
	k.id, k.rule, k.kind, k.grade, k.raised = w.ID, ev.Rule, w.Kind, w.Grade, w.RaisedAt
	k.members, k.observed, k.baseline = ev.Members, ev.Observed, ev.Baseline
	k.tickets = cloneInto(k.tickets, ev.Tickets)
}

// TellScoring tells the Book and Sanctions about a warning raised (the
// notifier does it for every new warning; call it for warnings raised
// otherwise). A batch warning keyed by partner may decide a sanction.
func (s *Stack) TellScoring(ctx context.Context, w *warning.Warning) {
	s.Book.ObserveWarning(scoring.Warning{ID: w.ID, Kind: scoring.WarningRaised, At: w.RaisedAt,
		Region: w.Key.Get("region"), Category: w.Key.Get("category"), Partner: w.Key.Get("partner")})
	if p := w.Key.Get("partner"); p != "" && w.Kind == warning.KindBatch {
		if _, err := s.Sanctions.ObserveBatch(ctx, p, w.RaisedAt, w.ID); err != nil {
			s.mu.Lock()
			s.actionErrs++
			s.mu.Unlock()
		}
	}
}

// LedgerChanged tells the Book about a ledger step taken by hand: closed,
// or feedback given (on time or late).
func (s *Stack) LedgerChanged(e *warning.Entry, now time.Time) {
	w := &e.Warning
	sw := scoring.Warning{ID: w.ID, At: now, Region: w.Key.Get("region"), Category: w.Key.Get("category"), Partner: w.Key.Get("partner")}
	switch e.State {
	case warning.StateClosed:
		sw.Kind = scoring.WarningClosed
	case warning.StateHandled:
		sw.Kind, sw.OnTime = scoring.WarningFeedback, !e.FeedbackLate
	default:
		return
	}
	s.Book.ObserveWarning(sw)
}

// String names the stack's parts, for logs.
func (s *Stack) String() string {
	name := "defaults"
	if s.Routing != nil {
		name = s.Routing.Name()
	}
	return fmt.Sprintf("kesu stack (%s)", name)
}

// cloneInto returns a copy of src in buf's array when it fits (nil for
// nil and empty for empty, as slices.Clone).
func cloneInto[T any](buf, src []T) []T {
	if len(src) == 0 {
		return src[:0:0]
	}
	if cap(buf) < len(src) {
		return slices.Clone(src)
	}
	return append(buf[:0], src...)
}

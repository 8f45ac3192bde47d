package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
	open       map[string]int32       // warning id (told to scoring) → slot in kept, until archived
	kept       []kept                 // the warnings notified and not yet archived (free slots have no id)
	free       []int32                // free slots in kept
	over       []int32                // slots of warnings resolved, archived once the ledger lets go of them
	overMark   int                    // over's length at which it is swept
	sweepMin   int                    // overMark's least value
	ords       int                    // how many warnings were notified
	recent     *[recentSlots]recentID // made at the first notice
	arc        archive                // the warnings over (resolved)
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
	// Notifier, when set, is told every notice after the Stack.
	Notifier warning.Notifier
	// ArchiveDir is where the warnings that are over (resolved) are kept
	// until Warnings lists them, in a temporary file that Close removes;
	// empty keeps them in memory (encoded, about 100 bytes each).
	ArchiveDir string
	// Background runs the warning Monitor, the scoring Book and Sanctions
	// as background observers (kesu.Config.Background): they see the
	// events on a goroutine of their own while the engine goes on with the
	// next rows; no stage reads them between Ticks, so the results are the
	// same.
	Background bool
}

// NewStack builds the parts from cfg. Errors in the policy name file:line.
func NewStack(ctx context.Context, cfg StackConfig) (*Stack, error) {
	s := &Stack{Outages: new(warning.MemOutages), open: map[string]int32{}, overMark: 1024, sweepMin: 1024, arc: archive{dir: cfg.ArchiveDir}}
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
		Notifier: notifier{s, cfg.Notifier}, NoRepeatNotices: true, Logger: log} // the notifier keeps the latest state of each warning
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
	actions := s.Monitor.Actions()
	for i := range actions {
		if err := eng.Act(ctx, actions[i].Ticket, actions[i].Event); err != nil {
			s.mu.Lock()
			s.actionErrs++
			s.mu.Unlock()
		}
	}
	// Act copies what it stores: the Monitor may refill the slice.
	s.Monitor.RecycleActions(actions)
}

// DroppedActions returns how many Monitor actions could not be applied.
func (s *Stack) DroppedActions() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.actionErrs
}

// notifier forwards new warnings to scoring and keeps what a replay lists
// of every warning notified: the open ones in memory, the ones over in the
// archive.
type notifier struct {
	s    *Stack
	next warning.Notifier // StackConfig.Notifier
}

// Notify implements warning.Notifier.
func (n notifier) Notify(ctx context.Context, notices []warning.Notice) error {
	s := n.s
	for i := range notices {
		w := &notices[i].Warning
		s.mu.Lock()
		ix, seen := s.lookup(w.ID)
		if !seen {
			ix = s.slot()
			s.open[w.ID] = ix
			s.kept[ix].ord = s.ords
			s.ords++
		}
		k := &s.kept[ix]
		k.set(w) // the latest evidence
		k.resolved = notices[i].Reason == "resolved"
		if k.resolved && !k.listedOver {
			k.listedOver = true
			s.over = append(s.over, ix)
		}
		s.remember(w.ID, ix)
		if len(s.over) >= s.overMark {
			s.sweep()
		}
		s.mu.Unlock()
		if seen {
			continue
		}
		s.TellScoring(ctx, w)
	}
	if n.next != nil {
		return n.next.Notify(ctx, notices)
	}
	return nil
}

// Warnings lists every warning of the run, in raise-time order: the
// ledger's entries (open and recent) in their state, those firing but not
// yet in the ledger ("raised"), and every other warning notified
// ("archived"); between warnings raised the same second, in that order,
// then in the order entries, firing warnings and notices came. It reads the
// Monitor and the Stack as they are: call it once the run is over. The
// archived warnings are read back (once here, to count them, and again as
// the list is walked), so the list holds only the open and recent ones in
// memory.
func (s *Stack) Warnings() (*WarningList, error) {
	wl := &WarningList{s: s, skip: map[string]bool{}}
	add := func(w *warning.Warning, state string, group, ord int) {
		wl.skip[w.ID] = true
		k := kept{ord: ord}
		k.set(w)
		var l Listed
		k.listed(&l, state)
		wl.mem = append(wl.mem, listedAt{l, group, ord})
	}
	for i, e := range s.Monitor.Ledger().Entries() {
		add(&e.Warning, string(e.State), 0, i)
	}
	for i, w := range s.Monitor.Active() {
		if !wl.skip[w.ID] {
			add(&w, string(warning.StateRaised), 1, i)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.kept {
		if k := &s.kept[i]; k.id != "" && !wl.skip[k.id] {
			var l Listed
			k.listed(&l, stateArchived)
			wl.mem = append(wl.mem, listedAt{l, 2, k.ord})
		}
	}
	slices.SortFunc(wl.mem, func(a, b listedAt) int { return a.compare(b.l.RaisedAt, b.group, b.ord) })
	wl.n = len(wl.mem)
	err := s.arc.each(func(l *Listed, _ int) bool {
		if !wl.skip[l.ID] {
			wl.n++
		}
		return true
	})
	return wl, err
}

// Close releases the archive of warnings (its temporary file).
func (s *Stack) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arc.close()
}

// WarningList is the list Stack.Warnings returns.
type WarningList struct {
	s    *Stack
	mem  []listedAt      // the warnings in memory, sorted
	skip map[string]bool // the ledger's and the firing warnings' ids
	n    int
}

// listedAt is a warning in memory with its place among those raised the
// same second: its group (0 ledger, 1 firing, 2 notified) and ordinal in it.
type listedAt struct {
	l          Listed
	group, ord int
}

func (a *listedAt) compare(raised string, group, ord int) int {
	if c := strings.Compare(a.l.RaisedAt, raised); c != 0 {
		return c
	}
	if a.group != group {
		return a.group - group
	}
	return a.ord - ord
}

// Len returns how many warnings the list holds.
func (wl *WarningList) Len() int { return wl.n }

// Each calls fn with each warning in order until fn returns an error,
// which it returns. The Listed passed may be reused once fn returns.
func (wl *WarningList) Each(fn func(*Listed) error) error {
	s := wl.s
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	var ferr error
	err := s.arc.each(func(l *Listed, ord int) bool {
		for ; i < len(wl.mem) && wl.mem[i].compare(l.RaisedAt, 2, ord) < 0; i++ {
			if ferr = fn(&wl.mem[i].l); ferr != nil {
				return false
			}
		}
		if !wl.skip[l.ID] {
			ferr = fn(l)
		}
		return ferr == nil
	})
	if err == nil {
		err = ferr
	}
	for ; err == nil && i < len(wl.mem); i++ {
		err = fn(&wl.mem[i].l)
	}
	return err
}

// sweep archives the resolved warnings the ledger let go of: their ids
// are not notified again (see warning.Ledger.Holds). It runs when the list
// of resolved warnings doubled, so that it costs O(1) a warning. The
// caller holds mu.
func (s *Stack) sweep() {
	led := s.Monitor.Ledger()
	keep := s.over[:0]
	for _, ix := range s.over {
		k := &s.kept[ix]
		switch {
		case !k.resolved: // notified again since (a recurrence)
			k.listedOver = false
		case led.Holds(k.id):
			keep = append(keep, ix)
		default:
			var l Listed
			k.listed(&l, stateArchived)
			s.arc.add(&l, k.ord)
			delete(s.open, k.id)
			*k = kept{key: k.key[:0], tickets: k.tickets[:0]}
			s.free = append(s.free, ix)
		}
	}
	s.over = keep
	s.overMark = 2*len(keep) + s.sweepMin
}

// slot returns a free slot in kept. The caller holds mu.
func (s *Stack) slot() int32 {
	if n := len(s.free); n > 0 {
		ix := s.free[n-1]
		s.free = s.free[:n-1]
		return ix
	}
	s.kept = append(s.kept, kept{})
	return int32(len(s.kept) - 1)
}

// recentSlots is the size of the Stack's direct-mapped cache of the
// warnings notified lately: the open warnings are notified again and again
// (changed notices), each time with the same id string, so the cache finds
// them by the string's address without hashing it or probing the map of
// open warnings (1.5 MB; a province-year has a few thousand warnings open
// at once).
const recentSlots = 1 << 16

// recentID is a cache slot: an id string's address and length, and the
// warning's slot in kept.
type recentID struct {
	p   uintptr
	n   int
	idx int32
}

func recentSlot(id string) (uintptr, int) {
	p := uintptr(unsafe.Pointer(unsafe.StringData(id)))
	return p, int((p>>4)^(p>>16)) & (recentSlots - 1)
}

// lookup returns the slot in kept of open warning id. The caller holds mu.
func (s *Stack) lookup(id string) (int32, bool) {
	if p, i := recentSlot(id); p != 0 && s.recent != nil {
		if r := &s.recent[i]; r.p == p && r.n == len(id) {
			// The address may be reused by another string once the
			// monitor dropped this one, and the slot by another warning:
			// compare the ids (equal addresses compare at once; a free
			// slot has none).
			if s.kept[r.idx].id == id {
				return r.idx, true
			}
		}
	}
	ix, ok := s.open[id]
	return ix, ok
}

// remember caches id's slot. The caller holds mu.
func (s *Stack) remember(id string, ix int32) {
	if p, i := recentSlot(id); p != 0 {
		if s.recent == nil {
			s.recent = new([recentSlots]recentID)
		}
		s.recent[i] = recentID{p, len(id), ix}
	}
}

// kept is what the Stack keeps of a warning notified until it archives it:
// what a replay lists of it (see Listed), its first-notified ordinal, and
// whether it is resolved.
type kept struct {
	id, rule          string
	kind              warning.Kind
	grade             warning.Grade
	key               warning.Key
	raised            time.Time
	members, observed int
	baseline          float64
	tickets           []string
	ord               int
	resolved          bool // its latest notice said it was resolved
	listedOver        bool // its slot is in Stack.over
}

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

// listed fills l with what a replay lists of k, in state.
func (k *kept) listed(l *Listed, state string) {
	*l = Listed{ID: k.id, Kind: string(k.kind), Grade: k.grade.String(), Key: k.key.String(),
		RaisedAt: k.raised.Format(time.RFC3339), Count: max(k.members, k.observed), Baseline: k.baseline,
		Tickets: slices.Clone(k.tickets), Rule: k.rule, State: state}
	if l.Tickets == nil {
		l.Tickets = []string{}
	}
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

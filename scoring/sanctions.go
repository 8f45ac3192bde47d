package scoring

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
)

// SanctionPolicy is the partner (VAS / SP) sanction policy of DOMAIN.md R27,
// the YAML form of the sanctions section. The zero value is not useful; start
// from DefaultSanctionPolicy (the section's keys override it).
type SanctionPolicy struct {
	// Category is the complaint category counted against partners
	// (default vas.unaware, unaware subscription).
	Category string `yaml:"category" json:"category"`
	// SuspendMonths is how long a partner is suspended after a batch (3).
	SuspendMonths int `yaml:"suspend_months" json:"suspend_months"`
	// Consecutive: batches in Months consecutive calendar months (2) suspend
	// the partner for SuspendMonths (6) from the last batch.
	Consecutive struct {
		Months        int `yaml:"months" json:"months"`
		SuspendMonths int `yaml:"suspend_months" json:"suspend_months"`
	} `yaml:"consecutive" json:"consecutive"`
	// Offline: when the complaints in the month after a batch month have not
	// fallen by at least Drop (0.5 = by half) against the batch month, the
	// billing codes complained about in the batch month are taken offline.
	Offline struct {
		Drop float64 `yaml:"drop" json:"drop"`
	} `yaml:"offline" json:"offline"`
	// Request: a branch may ask to suspend a partner for MinMonths to
	// MaxMonths (3–6) when it had at least MinComplaints complaints in the
	// month of the request or the month before, without a batch.
	Request struct {
		MinMonths     int   `yaml:"min_months" json:"min_months"`
		MaxMonths     int   `yaml:"max_months" json:"max_months"`
		MinComplaints int64 `yaml:"min_complaints" json:"min_complaints"`
	} `yaml:"request" json:"request"`
	// Retry: a failed Sanctioner call is retried after First, doubling up to
	// Max (1m, 1h).
	Retry struct {
		First time.Duration `yaml:"first" json:"first"`
		Max   time.Duration `yaml:"max" json:"max"`
	} `yaml:"retry" json:"retry"`
}

// DefaultSanctionPolicy returns R27's rules: suspend 3 months after a batch,
// 6 months after batches in 2 consecutive months, offline the billing codes
// unless complaints fall by half the month after, branch requests of 3–6
// months with at least 10 complaints, retries from 1 minute up to 1 hour.
func DefaultSanctionPolicy() SanctionPolicy {
	var p SanctionPolicy
	p.Category = complaint.CatVASUnaware
	p.SuspendMonths = 3
	p.Consecutive.Months, p.Consecutive.SuspendMonths = 2, 6
	p.Offline.Drop = 0.5
	p.Request.MinMonths, p.Request.MaxMonths, p.Request.MinComplaints = 3, 6, 10
	p.Retry.First, p.Retry.Max = time.Minute, time.Hour
	return p
}

func (p *SanctionPolicy) check(n *yaml.Node, el *errList) {
	if !complaint.ValidCode(p.Category) {
		el.at(n, "sanctions.category", "malformed code %q", p.Category)
	}
	if p.SuspendMonths < 1 || p.SuspendMonths > 120 {
		el.at(n, "sanctions.suspend_months", "want 1–120, got %d", p.SuspendMonths)
	}
	if p.Consecutive.Months < 2 || p.Consecutive.Months > 12 || p.Consecutive.SuspendMonths < 1 || p.Consecutive.SuspendMonths > 120 {
		el.at(n, "sanctions.consecutive", "want months 2–12 and suspend_months 1–120")
	}
	if !(p.Offline.Drop > 0 && p.Offline.Drop <= 1) {
		el.at(n, "sanctions.offline.drop", "want a share in (0, 1], got %v", p.Offline.Drop)
	}
	r := p.Request
	if r.MinMonths < 1 || r.MaxMonths < r.MinMonths || r.MaxMonths > 120 || r.MinComplaints < 1 {
		el.at(n, "sanctions.request", "want 1 <= min_months <= max_months <= 120 and min_complaints >= 1")
	}
	if p.Retry.First <= 0 || p.Retry.Max < p.Retry.First {
		el.at(n, "sanctions.retry", "want 0 < first <= max")
	}
}

// Sanctioner carries out sanction decisions in the billing system (the
// Billing adapter implements it). A zero until means indefinitely. An error
// makes Sanctions retry the call later; it is never dropped.
type Sanctioner interface {
	SuspendPartner(ctx context.Context, partner string, until time.Time, reason string) error
	OfflineBillingCode(ctx context.Context, code string, until time.Time, reason string) error
}

// The actions and rules of sanction decisions.
const (
	ActionSuspend = "suspend-partner"
	ActionOffline = "offline-billing-code"

	RuleBatch       = "batch"       // a batch of complaints: suspend
	RuleConsecutive = "consecutive" // batches in consecutive months: longer suspension
	RuleNoDrop      = "no-drop"     // complaints did not clearly drop: offline
	RuleRequest     = "request"     // a branch's request
)

// Decision is one sanction with its evidence. Decisions are facts: once
// recorded they never change; their execution is tracked beside them.
type Decision struct {
	ID          string    `json:"id"` // partner#seq in the partner's journal stream
	Partner     string    `json:"partner"`
	Action      string    `json:"action"`
	Rule        string    `json:"rule"`
	BillingCode string    `json:"billing_code,omitempty"`
	At          time.Time `json:"at"` // when it was decided (the batch's time, or the evaluation's)
	From        time.Time `json:"from"`
	Until       time.Time `json:"until,omitzero"` // zero: indefinitely
	Months      int       `json:"months,omitempty"`
	Reason      string    `json:"reason"`
	Evidence    Evidence  `json:"evidence"`
	// Key identifies what the decision answers (rule and batch, request or
	// evaluated decision): the same key is never decided twice.
	Key string `json:"key"`
}

// Evidence is what a decision rests on.
type Evidence struct {
	Batches     []string `json:"batches,omitempty"` // batch warning ids
	Month       string   `json:"month,omitempty"`
	Complaints  int64    `json:"complaints"`
	Against     string   `json:"against,omitempty"` // the month compared with
	AgainstN    int64    `json:"against_complaints,omitempty"`
	Branch      string   `json:"branch,omitempty"`
	BillingCode []string `json:"billing_codes,omitempty"`
}

// Execution is where carrying out a decision stands.
type Execution struct {
	Decision  string    `json:"decision"`
	Done      bool      `json:"done"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// BranchRequest is a branch's request to suspend a partner (R27).
type BranchRequest struct {
	Branch  string
	Partner string
	Months  int
	At      time.Time
	Reason  string
}

// ErrRefused is returned (wrapped, with the reason) when a branch request
// does not meet the policy.
var ErrRefused = errors.New("scoring: sanction request refused")

// SanctionsConfig configures Sanctions.
type SanctionsConfig struct {
	// Policy supplies the sanction policy and the time zone (Default()
	// when nil).
	Policy *Policy
	// Journal keeps decisions and their execution (stream
	// "sanction/<partner>"); required.
	Journal complaint.Journal
	// Sanctioner carries decisions out; without one decisions stay pending.
	Sanctioner Sanctioner
	// Logger receives logs; default discards them.
	Logger *slog.Logger
}

// Sanctions keeps per-partner monthly scorecards of unaware-subscription
// complaints and batch warnings, decides sanctions by the policy, records
// each decision once with its evidence in the journal, and carries decisions
// out through the Sanctioner on Tick, retrying failures with backoff.
//
// Feed it every stored event (it is a kesu.Observer: it counts complaints by
// partner, billing code and month), batch warnings with ObserveBatch, and
// call Tick(ctx, now) regularly (it is a kesu.Ticker). After a restart, call
// Load to read the journal back, and replay the ticket log into it
// (kesu.Rebuild). Sanctions is safe for concurrent use.
type Sanctions struct {
	pol  SanctionPolicy
	loc  *time.Location
	j    complaint.Journal
	exec Sanctioner
	log  *slog.Logger

	mu       sync.Mutex
	partners map[string]*partnerState
}

type partnerState struct {
	partner   string
	version   int
	months    map[int32]*partnerMonth
	batches   map[string]batchRec
	decisions []*Decision
	execs     map[string]*Execution
	evaluated map[string]bool // batch decision ids whose no-drop test ran
}

type partnerMonth struct {
	complaints int64
	codes      map[string]int64
}

type batchRec struct {
	Warning string    `json:"warning"`
	At      time.Time `json:"at"`
}

// NewSanctions returns Sanctions with an empty state.
func NewSanctions(cfg SanctionsConfig) (*Sanctions, error) {
	if cfg.Journal == nil {
		return nil, errors.New("scoring: sanctions need a journal")
	}
	p := cfg.Policy
	if p == nil {
		p = Default()
	}
	s := &Sanctions{pol: p.sanctions, loc: p.zone, j: cfg.Journal, exec: cfg.Sanctioner, log: cfg.Logger,
		partners: map[string]*partnerState{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s, nil
}

func (s *Sanctions) partner(p string) *partnerState {
	ps := s.partners[p]
	if ps == nil {
		ps = &partnerState{partner: p, months: map[int32]*partnerMonth{}, batches: map[string]batchRec{},
			execs: map[string]*Execution{}, evaluated: map[string]bool{}}
		s.partners[p] = ps
	}
	return ps
}

// Observe counts received complaints of the policy's category by partner,
// billing code and month of receipt (it implements kesu.Observer).
func (s *Sanctions) Observe(e *complaint.Event, t *complaint.Ticket) {
	if e.Type != complaint.EventReceived || t.Partner == "" || !complaint.Under(t.Category, s.pol.Category) {
		return
	}
	if t.Kind != complaint.KindComplaint && t.Kind != complaint.KindEscalated {
		return
	}
	id := idsOf(t.ReceivedAt, s.loc)[Month]
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.partner(t.Partner)
	m := ps.months[id]
	if m == nil {
		m = &partnerMonth{codes: map[string]int64{}}
		ps.months[id] = m
	}
	m.complaints++
	if t.BillingCode != "" {
		m.codes[t.BillingCode]++
	}
}

func monthStart(id int32, loc *time.Location) time.Time { return periodFromID(Month, id, loc).Start }

func (ps *partnerState) hasBatchIn(month int32, loc *time.Location) []string {
	var ids []string
	for _, b := range ps.batches {
		if idsOf(b.At, loc)[Month] == month {
			ids = append(ids, b.Warning)
		}
	}
	slices.Sort(ids)
	return ids
}

func (ps *partnerState) count(month int32) (int64, []string) {
	m := ps.months[month]
	if m == nil {
		return 0, nil
	}
	codes := make([]string, 0, len(m.codes))
	for c := range m.codes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return m.complaints, codes
}

func (ps *partnerState) hasKey(key string) bool {
	return slices.ContainsFunc(ps.decisions, func(d *Decision) bool { return d.Key == key })
}

// ObserveBatch records a batch warning against a partner at time at and
// decides: suspension for SuspendMonths, or Consecutive.SuspendMonths when
// the partner also had batches in the months just before. A warning already
// recorded is ignored (nil); a second batch in a month that already led to a
// suspension is recorded as evidence but decides nothing new. The batch and
// the decision are stored in the journal at once; the decision is carried
// out on the next Tick. It returns the new decisions (none when nothing new
// was decided) or the journal's error, in which case nothing is recorded.
func (s *Sanctions) ObserveBatch(ctx context.Context, partner string, at time.Time, warningID string) ([]Decision, error) {
	if partner == "" || warningID == "" {
		return nil, fmt.Errorf("scoring: batch needs a partner and a warning id: %w", complaint.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.partner(partner)
	if _, seen := ps.batches[warningID]; seen {
		return nil, nil
	}
	month := idsOf(at, s.loc)[Month]
	recs := []complaint.Record{s.record(ps, 0, "batch", at, batchRec{Warning: warningID, At: at})}
	var decided []*Decision
	if len(ps.hasBatchIn(month, s.loc)) == 0 {
		n, codes := ps.count(month)
		d := &Decision{Partner: partner, Action: ActionSuspend, At: at, From: at,
			Evidence: Evidence{Batches: []string{warningID}, Month: monthStart(month, s.loc).Format("2006-01"), Complaints: n, BillingCode: codes}}
		consecutive := true
		var earlier []string
		for i := 1; i < s.pol.Consecutive.Months; i++ {
			b := ps.hasBatchIn(month-int32(i), s.loc)
			if len(b) == 0 {
				consecutive = false
				break
			}
			earlier = append(b, earlier...)
		}
		if consecutive {
			d.Rule, d.Months = RuleConsecutive, s.pol.Consecutive.SuspendMonths
			d.Evidence.Batches = append(earlier, warningID)
			d.Reason = fmt.Sprintf("batches of %s complaints in %d consecutive months (%s): suspend %d months",
				s.pol.Category, s.pol.Consecutive.Months, strings.Join(d.Evidence.Batches, ", "), d.Months)
		} else {
			d.Rule, d.Months = RuleBatch, s.pol.SuspendMonths
			d.Reason = fmt.Sprintf("batch of %s complaints (%s, %d complaints in %s so far): suspend %d months",
				s.pol.Category, warningID, n, d.Evidence.Month, d.Months)
		}
		d.Until = at.In(s.loc).AddDate(0, d.Months, 0)
		d.Key = d.Rule + "/" + warningID
		decided = append(decided, d)
		recs = append(recs, s.record(ps, len(recs), "decision", at, d))
	}
	if err := s.append(ctx, ps, recs); err != nil {
		return nil, err
	}
	ps.batches[warningID] = batchRec{Warning: warningID, At: at}
	out := s.adopt(ps, decided, recs[1:])
	return out, nil
}

// record builds the i-th record of a batch of records for ps.
func (s *Sanctions) record(ps *partnerState, i int, typ string, at time.Time, v any) complaint.Record {
	seq := ps.version + i + 1
	if d, ok := v.(*Decision); ok {
		d.ID = ps.partner + "#" + strconv.Itoa(seq)
	}
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own types always encode
	}
	return complaint.Record{Stream: "sanction/" + ps.partner, Seq: seq, Type: typ, At: at, Data: data}
}

func (s *Sanctions) append(ctx context.Context, ps *partnerState, recs []complaint.Record) error {
	if err := s.j.AppendRecords(ctx, "sanction/"+ps.partner, ps.version, recs); err != nil {
		return fmt.Errorf("scoring: sanctions for %s: %w", ps.partner, err)
	}
	ps.version += len(recs)
	return nil
}

// adopt adds recorded decisions to the state and queues their execution.
func (s *Sanctions) adopt(ps *partnerState, ds []*Decision, _ []complaint.Record) []Decision {
	var out []Decision
	for _, d := range ds {
		s.norm(d)
		ps.decisions = append(ps.decisions, d)
		ps.execs[d.ID] = &Execution{Decision: d.ID, NextAt: d.At}
		out = append(out, *d)
		s.log.Info("scoring: sanction decided", "decision", d.ID, "partner", d.Partner, "action", d.Action, "rule", d.Rule, "until", d.Until)
	}
	return out
}

// Request decides on a branch's request to suspend a partner for
// req.Months. It is refused (ErrRefused, with the reason) when the months
// are outside the policy's range, the partner had fewer than MinComplaints
// complaints in the request's month and the month before, or a batch rule
// already applies in that month. A repeated request from the same branch for
// the same partner and month returns the earlier decision.
func (s *Sanctions) Request(ctx context.Context, req BranchRequest) (Decision, error) {
	r := s.pol.Request
	if req.Months < r.MinMonths || req.Months > r.MaxMonths {
		return Decision{}, fmt.Errorf("%w: %d months is outside %d–%d", ErrRefused, req.Months, r.MinMonths, r.MaxMonths)
	}
	if req.Partner == "" || req.Branch == "" {
		return Decision{}, fmt.Errorf("%w: a request needs a branch and a partner", ErrRefused)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.partner(req.Partner)
	month := idsOf(req.At, s.loc)[Month]
	key := RuleRequest + "/" + req.Branch + "/" + monthStart(month, s.loc).Format("2006-01")
	for _, d := range ps.decisions {
		if d.Key == key {
			return *d, nil
		}
	}
	if b := append(ps.hasBatchIn(month, s.loc), ps.hasBatchIn(month-1, s.loc)...); len(b) > 0 {
		return Decision{}, fmt.Errorf("%w: partner %s had batches (%s): the batch rules apply", ErrRefused, req.Partner, strings.Join(b, ", "))
	}
	n, codes := ps.count(month)
	against := month
	if prev, pcodes := ps.count(month - 1); prev > n {
		n, codes, against = prev, pcodes, month-1
	}
	if n < r.MinComplaints {
		return Decision{}, fmt.Errorf("%w: partner %s had %d complaints, fewer than %d", ErrRefused, req.Partner, n, r.MinComplaints)
	}
	d := &Decision{Partner: req.Partner, Action: ActionSuspend, Rule: RuleRequest, At: req.At, From: req.At,
		Until: req.At.In(s.loc).AddDate(0, req.Months, 0), Months: req.Months, Key: key,
		Reason: fmt.Sprintf("branch %s requests %d months: %d complaints in %s, below the batch threshold. %s",
			req.Branch, req.Months, n, monthStart(against, s.loc).Format("2006-01"), req.Reason),
		Evidence: Evidence{Branch: req.Branch, Month: monthStart(against, s.loc).Format("2006-01"), Complaints: n, BillingCode: codes}}
	d.Reason = strings.TrimSpace(d.Reason)
	rec := s.record(ps, 0, "decision", req.At, d)
	if err := s.append(ctx, ps, []complaint.Record{rec}); err != nil {
		return Decision{}, err
	}
	return s.adopt(ps, []*Decision{d}, nil)[0], nil
}

type evaluation struct {
	Decision string    `json:"decision"`
	At       time.Time `json:"at"`
	Dropped  bool      `json:"dropped"`
	Month    string    `json:"month"`
	N        int64     `json:"complaints"`
	Against  string    `json:"against"`
	AgainstN int64     `json:"against_complaints"`
}

type execRec struct {
	Decision string    `json:"decision"`
	At       time.Time `json:"at"`
	Error    string    `json:"error,omitempty"`
	Next     time.Time `json:"next,omitzero"`
}

// Tick runs the time-driven work at now (it implements kesu.Ticker): for
// every batch suspension whose following month has ended, it compares that
// month's complaints with the batch month's and, without a clear drop,
// decides to take the billing codes offline (dated at the end of the
// following month); then it carries out due decisions through the
// Sanctioner, recording each success, and each failure with its next attempt
// (backoff from Retry.First doubling to Retry.Max). It returns the errors of
// the journal and of the calls joined; failed calls stay queued.
func (s *Sanctions) Tick(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, name := range s.partnerNames() {
		ps := s.partners[name]
		if err := s.evaluate(ctx, ps, now); err != nil {
			errs = append(errs, err)
		}
	}
	for _, name := range s.partnerNames() {
		ps := s.partners[name]
		for _, d := range slices.Clone(ps.decisions) {
			x := ps.execs[d.ID]
			if x == nil || x.Done || now.Before(x.NextAt) || s.exec == nil {
				continue
			}
			if err := s.carryOut(ctx, ps, d, x, now); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Sanctions) partnerNames() []string {
	names := make([]string, 0, len(s.partners))
	for n := range s.partners {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (s *Sanctions) evaluate(ctx context.Context, ps *partnerState, now time.Time) error {
	for _, d := range slices.Clone(ps.decisions) {
		if (d.Rule != RuleBatch && d.Rule != RuleConsecutive) || ps.evaluated[d.ID] {
			continue
		}
		month := idsOf(d.At, s.loc)[Month]
		evalAt := monthStart(month+2, s.loc)
		if now.Before(evalAt) {
			continue
		}
		before, codes := ps.count(month)
		after, _ := ps.count(month + 1)
		ev := evaluation{Decision: d.ID, At: evalAt, Month: monthStart(month+1, s.loc).Format("2006-01"), N: after,
			Against: monthStart(month, s.loc).Format("2006-01"), AgainstN: before}
		ev.Dropped = float64(after) <= (1-s.pol.Offline.Drop)*float64(before)
		recs := []complaint.Record{s.record(ps, 0, "evaluation", evalAt, ev)}
		var decided []*Decision
		if !ev.Dropped {
			for _, c := range codes {
				key := RuleNoDrop + "/" + d.ID + "/" + c
				if ps.hasKey(key) {
					continue
				}
				od := &Decision{Partner: ps.partner, Action: ActionOffline, Rule: RuleNoDrop, BillingCode: c, At: evalAt, From: evalAt, Key: key,
					Reason: fmt.Sprintf("complaints did not clearly drop after %s: %d in %s against %d in %s (a drop of at least %.0f %% was required): take billing code %s offline",
						d.ID, after, ev.Month, before, ev.Against, s.pol.Offline.Drop*100, c),
					Evidence: Evidence{Batches: d.Evidence.Batches, Month: ev.Month, Complaints: after, Against: ev.Against, AgainstN: before, BillingCode: codes}}
				decided = append(decided, od)
				recs = append(recs, s.record(ps, len(recs), "decision", evalAt, od))
			}
		}
		if err := s.append(ctx, ps, recs); err != nil {
			return err
		}
		ps.evaluated[d.ID] = true
		s.adopt(ps, decided, nil)
	}
	return nil
}

func (s *Sanctions) carryOut(ctx context.Context, ps *partnerState, d *Decision, x *Execution, now time.Time) error {
	var err error
	switch d.Action {
	case ActionSuspend:
		err = s.exec.SuspendPartner(ctx, d.Partner, d.Until, d.ID+": "+d.Reason)
	case ActionOffline:
		err = s.exec.OfflineBillingCode(ctx, d.BillingCode, d.Until, d.ID+": "+d.Reason)
	}
	rec := execRec{Decision: d.ID, At: now}
	typ := "executed"
	if err != nil {
		typ = "failed"
		rec.Error = err.Error()
		rec.Next = now.Add(backoff(s.pol.Retry.First, s.pol.Retry.Max, x.Attempts+1))
	}
	if jerr := s.append(ctx, ps, []complaint.Record{s.record(ps, 0, typ, now, rec)}); jerr != nil {
		return errors.Join(err, jerr)
	}
	x.apply(typ, rec, s.loc)
	if err != nil {
		s.log.Warn("scoring: sanction call failed; will retry", "decision", d.ID, "attempt", x.Attempts, "next", x.NextAt, "err", err)
		return fmt.Errorf("scoring: carry out %s: %w", d.ID, err)
	}
	s.log.Info("scoring: sanction carried out", "decision", d.ID)
	return nil
}

// norm puts a decision's times in the policy's zone, so decisions read back
// from the journal equal those made live.
func (s *Sanctions) norm(d *Decision) {
	d.At, d.From = d.At.In(s.loc), d.From.In(s.loc)
	if !d.Until.IsZero() {
		d.Until = d.Until.In(s.loc)
	}
}

func (x *Execution) apply(typ string, r execRec, loc *time.Location) {
	r.At = r.At.In(loc)
	if !r.Next.IsZero() {
		r.Next = r.Next.In(loc)
	}
	x.Attempts++
	if typ == "executed" {
		x.Done, x.DoneAt, x.LastError, x.NextAt = true, r.At, "", time.Time{}
		return
	}
	x.LastError, x.NextAt = r.Error, r.Next
}

func backoff(first, maxD time.Duration, attempt int) time.Duration {
	d := first
	for i := 1; i < attempt && d < maxD; i++ {
		d *= 2
	}
	return min(d, maxD)
}

// Load reads the journal back (batches, decisions, evaluations and
// executions of every partner), replacing what Sanctions knew of them.
// Complaint counts come from the ticket log: replay it with kesu.Rebuild.
func (s *Sanctions) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.j.ScanRecords(ctx, 0, func(r *complaint.Record) error {
		partner, ok := strings.CutPrefix(r.Stream, "sanction/")
		if !ok {
			return nil
		}
		ps := s.partner(partner)
		if r.Seq <= ps.version {
			return nil
		}
		ps.version = r.Seq
		switch r.Type {
		case "batch":
			var b batchRec
			if err := json.Unmarshal(r.Data, &b); err != nil {
				return fmt.Errorf("scoring: journal %s#%d: %w", r.Stream, r.Seq, err)
			}
			ps.batches[b.Warning] = b
		case "decision":
			d := new(Decision)
			if err := json.Unmarshal(r.Data, d); err != nil {
				return fmt.Errorf("scoring: journal %s#%d: %w", r.Stream, r.Seq, err)
			}
			s.norm(d)
			ps.decisions = append(ps.decisions, d)
			ps.execs[d.ID] = &Execution{Decision: d.ID, NextAt: d.At}
		case "evaluation":
			var ev evaluation
			if err := json.Unmarshal(r.Data, &ev); err != nil {
				return fmt.Errorf("scoring: journal %s#%d: %w", r.Stream, r.Seq, err)
			}
			ps.evaluated[ev.Decision] = true
		case "executed", "failed":
			var er execRec
			if err := json.Unmarshal(r.Data, &er); err != nil {
				return fmt.Errorf("scoring: journal %s#%d: %w", r.Stream, r.Seq, err)
			}
			if x := ps.execs[er.Decision]; x != nil {
				x.apply(r.Type, er, s.loc)
			}
		}
		return nil
	})
}

// Decisions returns every decision about a partner ("" for all partners),
// in the order they were made (partners sorted).
func (s *Sanctions) Decisions(partner string) []Decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Decision
	for _, name := range s.partnerNames() {
		if partner != "" && name != partner {
			continue
		}
		for _, d := range s.partners[name].decisions {
			out = append(out, *d)
		}
	}
	return out
}

// Executions returns the execution state of every decision about a partner
// ("" for all), in decision order.
func (s *Sanctions) Executions(partner string) []Execution {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Execution
	for _, name := range s.partnerNames() {
		if partner != "" && name != partner {
			continue
		}
		ps := s.partners[name]
		for _, d := range ps.decisions {
			out = append(out, *ps.execs[d.ID])
		}
	}
	return out
}

// PartnerMonth is a partner's monthly scorecard: complaints of the sanction
// category, by billing code, the batch warnings and the decisions made.
type PartnerMonth struct {
	Partner      string      `json:"partner"`
	Period       Period      `json:"period"`
	Complaints   int64       `json:"complaints"`
	BillingCodes []CodeCount `json:"billing_codes,omitempty"`
	Batches      []string    `json:"batches,omitempty"`
	Decisions    []string    `json:"decisions,omitempty"`
}

// CodeCount is the complaints about one billing code.
type CodeCount struct {
	Code       string `json:"code"`
	Complaints int64  `json:"complaints"`
}

// Month returns a partner's scorecard for month p.
func (s *Sanctions) Month(partner string, p Period) PartnerMonth {
	s.mu.Lock()
	defer s.mu.Unlock()
	pm := PartnerMonth{Partner: partner, Period: p}
	ps := s.partners[partner]
	if ps == nil {
		return pm
	}
	id := periodID(PeriodOf(Month, p.Start, s.loc))
	if m := ps.months[id]; m != nil {
		pm.Complaints = m.complaints
		for c, n := range m.codes {
			pm.BillingCodes = append(pm.BillingCodes, CodeCount{c, n})
		}
		slices.SortFunc(pm.BillingCodes, func(a, b CodeCount) int {
			return cmp.Or(cmp.Compare(b.Complaints, a.Complaints), cmp.Compare(a.Code, b.Code))
		})
	}
	pm.Batches = ps.hasBatchIn(id, s.loc)
	for _, d := range ps.decisions {
		if idsOf(d.At, s.loc)[Month] == id {
			pm.Decisions = append(pm.Decisions, d.ID)
		}
	}
	return pm
}

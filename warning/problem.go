package warning

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// ProblemState is where a root-cause problem stands.
type ProblemState string

// The problem states. A problem closes only after a look-back finds no
// recurrence; a recurrence sends it back to rectifying.
const (
	ProblemOpen       ProblemState = "open"       // cases gathered, analysis under way
	ProblemRectifying ProblemState = "rectifying" // rectification actions under way
	ProblemLookback   ProblemState = "lookback"   // every action verified; watching for recurrence
	ProblemClosed     ProblemState = "closed"
)

// Rectification is one action of a problem's fix (整改措施): an owning
// department, a due date and its verification.
type Rectification struct {
	ID         string    `json:"id"`
	Text       string    `json:"text"`
	Department string    `json:"department"`
	Due        time.Time `json:"due"`
	DoneAt     time.Time `json:"done_at,omitzero"`
	Late       bool      `json:"late,omitempty"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	VerifiedBy string    `json:"verified_by,omitempty"`
}

// Problem is a root cause behind many complaints (投诉溯源 "四有", R30, R22):
// the cases, the value at stake, the analysis and the rectification.
type Problem struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Category string `json:"category,omitempty"`
	Region   string `json:"region,omitempty"`
	// Warnings are the ledger ids of the warnings it came from; Fingerprints
	// their keys, watched for recurrence.
	Warnings     []string        `json:"warnings,omitempty"`
	Fingerprints []string        `json:"fingerprints,omitempty"`
	Cases        []string        `json:"cases,omitempty"` // ticket ids
	Value        complaint.Money `json:"value,omitempty"` // at stake, fen
	Analysis     string          `json:"analysis,omitempty"`
	Actions      []Rectification `json:"actions,omitempty"`
	State        ProblemState    `json:"state"`
	OpenedAt     time.Time       `json:"opened_at"`
	OpenedBy     string          `json:"opened_by,omitempty"`
	// LookbackFrom and LookbackDue bound the look-back before closing.
	LookbackFrom time.Time `json:"lookback_from,omitzero"`
	LookbackDue  time.Time `json:"lookback_due,omitzero"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
	Recurrences  int       `json:"recurrences,omitempty"`
	// LookbackCases counts cases added during the current look-back (a
	// recurrence).
	LookbackCases int `json:"lookback_cases,omitempty"`
	Version       int `json:"version"`
}

// ProblemSpec opens a problem by hand.
type ProblemSpec struct {
	// ID is optional: by default derived from the title and time.
	ID       string
	Title    string
	Category string
	Region   string
	Cases    []string
	Value    complaint.Money
	By       string
}

// Problems is the register of root-cause problems, journaled in streams
// "problem/<id>". It is safe for concurrent use.
type Problems struct {
	mu  sync.Mutex
	rec *recorder
	m   map[string]*Problem
}

type problemData struct {
	Problem *Problem        `json:"problem,omitempty"`
	Cases   []string        `json:"cases,omitempty"`
	Text    string          `json:"text,omitempty"`
	Value   complaint.Money `json:"value,omitempty"`
	By      string          `json:"by,omitempty"`
	Action  *Rectification  `json:"action,omitempty"`
	Due     time.Time       `json:"due,omitzero"`
	Warning string          `json:"warning,omitempty"`
	FP      string          `json:"fingerprint,omitempty"`
}

// LoadProblems reads every "problem/…" record of j (nil: empty, in memory).
func LoadProblems(ctx context.Context, j complaint.Journal) (*Problems, error) {
	ps := &Problems{rec: newRecorder(j), m: map[string]*Problem{}}
	if j == nil {
		return ps, nil
	}
	err := j.ScanRecords(ctx, 0, func(r *complaint.Record) error {
		id, ok := strings.CutPrefix(r.Stream, "problem/")
		if !ok {
			return nil
		}
		var d problemData
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return fmt.Errorf("warning: problem record %s #%d: %w", r.Stream, r.Seq, err)
		}
		p := ps.m[id]
		if p == nil {
			if r.Type != "opened" || d.Problem == nil {
				return fmt.Errorf("warning: problem stream %s starts with %q: %w", r.Stream, r.Type, complaint.ErrInvalid)
			}
			p = &Problem{}
			ps.m[id] = p
		}
		applyProblem(p, r.Type, r.At, &d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

func applyProblem(p *Problem, typ string, at time.Time, d *problemData) {
	p.Version++
	switch typ {
	case "opened":
		v := p.Version
		*p = *cloneProblem(d.Problem)
		p.Version = v
	case "cases":
		for _, c := range d.Cases {
			if !slices.Contains(p.Cases, c) {
				p.Cases = append(p.Cases, c)
				if p.State == ProblemLookback {
					p.LookbackCases++
				}
			}
		}
	case "warning":
		if d.Warning != "" && !slices.Contains(p.Warnings, d.Warning) {
			p.Warnings = append(p.Warnings, d.Warning)
		}
		if d.FP != "" && !slices.Contains(p.Fingerprints, d.FP) {
			p.Fingerprints = append(p.Fingerprints, d.FP)
		}
	case "analysed":
		p.Analysis = d.Text
		if d.Value != 0 {
			p.Value = d.Value
		}
	case "action":
		p.Actions = append(p.Actions, *d.Action)
		p.State = ProblemRectifying
	case "action-done":
		for i := range p.Actions {
			if p.Actions[i].ID == d.Action.ID {
				p.Actions[i].DoneAt = at
				p.Actions[i].Late = at.After(p.Actions[i].Due)
			}
		}
	case "action-verified":
		for i := range p.Actions {
			if p.Actions[i].ID == d.Action.ID {
				p.Actions[i].VerifiedAt, p.Actions[i].VerifiedBy = at, d.By
			}
		}
	case "lookback":
		p.State, p.LookbackFrom, p.LookbackDue, p.LookbackCases = ProblemLookback, at, d.Due, 0
	case "recurred":
		p.State, p.LookbackFrom, p.LookbackDue, p.LookbackCases = ProblemRectifying, time.Time{}, time.Time{}, 0
		p.Recurrences++
	case "closed":
		p.State, p.ClosedAt = ProblemClosed, at
	}
}

func cloneProblem(p *Problem) *Problem {
	c := *p
	c.Warnings, c.Fingerprints, c.Cases = slices.Clone(p.Warnings), slices.Clone(p.Fingerprints), slices.Clone(p.Cases)
	c.Actions = slices.Clone(p.Actions)
	return &c
}

func (ps *Problems) step(ctx context.Context, p *Problem, typ string, at time.Time, d *problemData, now bool) error {
	r := record("problem/"+p.ID, p.Version+1, typ, at, d)
	if now {
		if err := ps.rec.write(ctx, r); err != nil {
			return err
		}
	} else {
		ps.rec.queue(r)
	}
	applyProblem(p, typ, at, d)
	return nil
}

// mergeActions are the EventMerged actions that link cases to problem id.
func mergeActions(id string, cases []string, at time.Time) []Action {
	out := make([]Action, 0, len(cases))
	for _, c := range cases {
		out = append(out, Action{Ticket: c, Event: complaint.Event{Type: complaint.EventMerged, At: at,
			Merge: &complaint.Merge{Problem: id}, Text: "merged into problem " + id}})
	}
	return out
}

// Open opens a problem by hand. It returns the problem and the merge
// actions the engine must apply to link its cases (complaint.EventMerged);
// an error for a missing title (complaint.ErrInvalid), a duplicate id
// (complaint.ErrDuplicate) or the journal's.
func (ps *Problems) Open(ctx context.Context, spec ProblemSpec, now time.Time) (*Problem, []Action, error) {
	if strings.TrimSpace(spec.Title) == "" {
		return nil, nil, &complaint.ValidationError{Fields: []complaint.FieldError{{Path: "title", Message: "required"}}}
	}
	id := spec.ID
	if id == "" {
		id = "P" + warningID("problem|"+spec.Title, now)[1:]
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m[id] != nil {
		return nil, nil, fmt.Errorf("warning: problem %s: %w", id, complaint.ErrDuplicate)
	}
	p := &Problem{ID: id, Title: spec.Title, Category: spec.Category, Region: spec.Region, Cases: slices.Clone(spec.Cases),
		Value: spec.Value, State: ProblemOpen, OpenedAt: now, OpenedBy: spec.By}
	np := &Problem{}
	np.ID = id
	if err := ps.step(ctx, np, "opened", now, &problemData{Problem: p}, true); err != nil {
		return nil, nil, err
	}
	ps.m[id] = np
	return cloneProblem(np), mergeActions(id, np.Cases, now), nil
}

// FromWarning opens a problem from a ledger entry: its title is the
// warning's explanation, its cases the warning's member tickets, its key
// watched for recurrence. Errors as Open, and complaint.ErrNotFound for an
// unknown warning.
func (ps *Problems) FromWarning(ctx context.Context, l *Ledger, warningID, by string, now time.Time) (*Problem, []Action, error) {
	e, err := l.Get(warningID)
	if err != nil {
		return nil, nil, err
	}
	w := e.Warning
	title := string(w.Kind) + " " + w.Key.String() + ": " + w.Explanation
	p, acts, err := ps.Open(ctx, ProblemSpec{ID: "P" + w.ID[1:], Title: title, Category: w.Key.Get("category"),
		Region: w.Key.Get("region"), Cases: w.Evidence.Tickets, By: by}, now)
	if err != nil {
		return nil, nil, err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	np := ps.m[p.ID]
	if err := ps.step(ctx, np, "warning", now, &problemData{Warning: w.ID, FP: w.Fingerprint}, true); err != nil {
		return nil, nil, err
	}
	return cloneProblem(np), acts, nil
}

func (ps *Problems) get(id string) (*Problem, error) {
	p := ps.m[id]
	if p == nil {
		return nil, fmt.Errorf("warning: problem %s: %w", id, complaint.ErrNotFound)
	}
	return p, nil
}

// AddCases adds tickets to a problem and returns the merge actions for the
// engine. Errors: complaint.ErrNotFound, a *TransitionError for a closed
// problem, or the journal's.
func (ps *Problems) AddCases(ctx context.Context, id string, tickets []string, now time.Time) ([]Action, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, err := ps.get(id)
	if err != nil {
		return nil, err
	}
	if p.State == ProblemClosed {
		return nil, &TransitionError{ID: id, State: State(p.State), Action: "add cases"}
	}
	var add []string
	for _, t := range tickets {
		if !slices.Contains(p.Cases, t) && !slices.Contains(add, t) {
			add = append(add, t)
		}
	}
	if len(add) == 0 {
		return nil, nil
	}
	if err := ps.step(ctx, p, "cases", now, &problemData{Cases: add}, true); err != nil {
		return nil, err
	}
	return mergeActions(id, add, now), nil
}

// noteMerged adds a ticket merged into a known problem by the engine.
func (ps *Problems) noteMerged(e *complaint.Event) {
	if e.Merge == nil {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[e.Merge.Problem]
	if p == nil || slices.Contains(p.Cases, e.Ticket) || p.State == ProblemClosed {
		return
	}
	_ = ps.step(context.Background(), p, "cases", e.At, &problemData{Cases: []string{e.Ticket}}, false)
}

// Analyse records the analysis (原因分析) and the value at stake (0 keeps
// the value). Errors: complaint.ErrNotFound, or the journal's.
func (ps *Problems) Analyse(ctx context.Context, id, text string, value complaint.Money, by string, now time.Time) (*Problem, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, err := ps.get(id)
	if err != nil {
		return nil, err
	}
	if err := ps.step(ctx, p, "analysed", now, &problemData{Text: text, Value: value, By: by}, true); err != nil {
		return nil, err
	}
	return cloneProblem(p), nil
}

// AddAction adds a rectification action and returns its id ("A1", "A2"…).
// Department and Due are required (complaint.ErrInvalid).
func (ps *Problems) AddAction(ctx context.Context, id string, r Rectification, by string, now time.Time) (string, error) {
	v := new(complaint.ValidationError)
	if strings.TrimSpace(r.Text) == "" {
		v.Add("action.text", "required")
	}
	if strings.TrimSpace(r.Department) == "" {
		v.Add("action.department", "required")
	}
	if r.Due.IsZero() {
		v.Add("action.due", "required")
	}
	if len(v.Fields) > 0 {
		return "", v
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, err := ps.get(id)
	if err != nil {
		return "", err
	}
	if p.State == ProblemClosed || p.State == ProblemLookback {
		return "", &TransitionError{ID: id, State: State(p.State), Action: "add an action"}
	}
	r.ID = "A" + strconv.Itoa(len(p.Actions)+1)
	r.DoneAt, r.VerifiedAt, r.VerifiedBy, r.Late = time.Time{}, time.Time{}, "", false
	if err := ps.step(ctx, p, "action", now, &problemData{Action: &r, By: by}, true); err != nil {
		return "", err
	}
	return r.ID, nil
}

func (ps *Problems) action(ctx context.Context, id, action, typ, by string, now time.Time) (*Problem, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, err := ps.get(id)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(p.Actions, func(r Rectification) bool { return r.ID == action })
	if i < 0 {
		return nil, fmt.Errorf("warning: problem %s action %s: %w", id, action, complaint.ErrNotFound)
	}
	r := p.Actions[i]
	if (typ == "action-done" && !r.DoneAt.IsZero()) || (typ == "action-verified" && (r.DoneAt.IsZero() || !r.VerifiedAt.IsZero())) {
		return nil, &TransitionError{ID: id + "/" + action, State: State(p.State), Action: typ}
	}
	if err := ps.step(ctx, p, typ, now, &problemData{Action: &Rectification{ID: action}, By: by}, true); err != nil {
		return nil, err
	}
	return cloneProblem(p), nil
}

// CompleteAction records that an action was carried out (late when after
// its due date).
func (ps *Problems) CompleteAction(ctx context.Context, id, action, by string, now time.Time) (*Problem, error) {
	return ps.action(ctx, id, action, "action-done", by, now)
}

// VerifyAction records that a carried-out action was checked.
func (ps *Problems) VerifyAction(ctx context.Context, id, action, by string, now time.Time) (*Problem, error) {
	return ps.action(ctx, id, action, "action-verified", by, now)
}

// RequestClose starts the look-back: the problem closes on a Tick after
// lookback has passed with no recurrence (its warnings' keys not raised
// again, no new case). It needs at least one action and every action
// verified (a *TransitionError otherwise).
func (ps *Problems) RequestClose(ctx context.Context, id string, lookback time.Duration, by string, now time.Time) (*Problem, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, err := ps.get(id)
	if err != nil {
		return nil, err
	}
	ok := len(p.Actions) > 0 && p.State == ProblemRectifying
	for _, r := range p.Actions {
		ok = ok && !r.VerifiedAt.IsZero()
	}
	if !ok {
		return nil, &TransitionError{ID: id, State: State(p.State), Action: "close before every action is verified"}
	}
	if err := ps.step(ctx, p, "lookback", now, &problemData{Due: now.Add(lookback), By: by}, true); err != nil {
		return nil, err
	}
	return cloneProblem(p), nil
}

// tick closes problems whose look-back passed, or sends them back to
// rectifying when their key came back, and writes queued records.
func (ps *Problems) tick(ctx context.Context, now time.Time, l *Ledger) error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, id := range slices.Sorted(mapKeys(ps.m)) {
		p := ps.m[id]
		if p.State != ProblemLookback || p.LookbackDue.After(now) {
			continue
		}
		if l.raisedSince(p.Fingerprints, p.LookbackFrom) || ps.casesSince(p) {
			_ = ps.step(ctx, p, "recurred", now, &problemData{}, false)
		} else {
			_ = ps.step(ctx, p, "closed", now, &problemData{}, false)
		}
	}
	return ps.rec.flushAll(ctx)
}

// casesSince reports whether a case was added during the look-back.
func (ps *Problems) casesSince(p *Problem) bool { return p.LookbackCases > 0 }

// Get returns a copy of problem id, or complaint.ErrNotFound.
func (ps *Problems) Get(id string) (*Problem, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, err := ps.get(id)
	if err != nil {
		return nil, err
	}
	return cloneProblem(p), nil
}

// List returns copies of every problem, sorted by opening time then id.
func (ps *Problems) List() []Problem {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]Problem, 0, len(ps.m))
	for _, p := range ps.m {
		out = append(out, *cloneProblem(p))
	}
	slices.SortFunc(out, func(a, b Problem) int {
		if c := a.OpenedAt.Compare(b.OpenedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// raisedSince reports whether any of the fingerprints was raised (or
// reopened) after t, by an open entry or one in the recent window.
func (l *Ledger) raisedSince(fps []string, t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	after := func(e *Entry) bool {
		return slices.ContainsFunc(e.Raises, func(r time.Time) bool { return r.After(t) })
	}
	for _, fp := range fps {
		if id, ok := l.byFP[fp]; ok && after(l.entries[id]) {
			return true
		}
	}
	for _, e := range l.recent {
		if slices.Contains(fps, e.Warning.Fingerprint) && after(e) {
			return true
		}
	}
	return false
}

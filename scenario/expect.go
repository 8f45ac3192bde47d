package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

func (r *run) expect(st *Step) {
	ex := st.Expect
	step := "expect"
	if ex.Ref != "" {
		step += " " + ex.Ref
	}
	if ex.Ticket != nil {
		r.expectTicket(st.Line, step, ex.Ref, ex.Ticket)
	}
	if len(ex.Warnings) > 0 || len(ex.NoWarnings) > 0 {
		r.expectWarnings(st.Line, step, ex)
	}
	if len(ex.Ledger) > 0 {
		r.expectLedger(step, ex.Ledger)
	}
	if len(ex.KPIs) > 0 {
		r.expectKPIs(step, ex.KPIs)
	}
	if ex.Share != nil {
		r.expectShare(step, ex.Share)
	}
	if len(ex.Sanctions) > 0 {
		r.expectSanctions(step, ex.Sanctions)
	}
}

func (r *run) expectTicket(line int, step, ref string, te *TicketExpect) {
	ids, ok := r.tickets(ref)
	if !ok {
		r.fail(Failure{Line: line, Step: step, Msg: "ticket " + strconv.Quote(ref) + " was not taken in"})
		return
	}
	for i, id := range ids {
		t, err := r.eng.Store().Get(r.ctx, id)
		if err != nil {
			r.fail(Failure{Line: line, Step: step, Msg: err.Error()})
			return
		}
		s := step
		if len(ids) > 1 {
			s = fmt.Sprintf("%s (member %d, %s)", step, i+1, id)
		}
		r.checkTicket(line, s, t, te)
	}
}

func (r *run) checkTicket(line int, step string, t *complaint.Ticket, te *TicketExpect) {
	cmp := func(what, want, got string) {
		if want != got {
			r.fail(Failure{Line: line, Step: step, What: what, Want: quote(want), Got: quote(got)})
		}
	}
	if te.Status != nil {
		cmp("status", string(*te.Status), string(t.Status))
	}
	if te.Tier != nil {
		cmp("tier", string(*te.Tier), string(t.Tier))
	}
	if te.Unit != nil {
		cmp("unit", *te.Unit, t.Unit)
	}
	if te.Queue != nil {
		cmp("queue", *te.Queue, t.Queue)
	}
	if te.Assignee != nil {
		cmp("assignee", *te.Assignee, t.Assignee)
	}
	if te.Route != nil {
		cmp("route", *te.Route, t.Route)
	}
	if te.Handling != nil {
		cmp("handling", string(*te.Handling), string(t.Handling))
	}
	if te.Profile != nil {
		cmp("sla_profile", *te.Profile, t.Deadlines.Profile)
	}
	ints := []struct {
		what string
		want *int
		got  int
	}{{"priority", te.Priority, t.Priority}, {"urges", te.Urges, t.UrgeCount}, {"transfers", te.Transfers, t.TransferCount}, {"reopens", te.Reopens, t.ReopenCount}}
	for _, c := range ints {
		if c.want != nil && *c.want != c.got {
			r.fail(Failure{Line: line, Step: step, What: c.what, Want: strconv.Itoa(*c.want), Got: strconv.Itoa(c.got)})
		}
	}
	bools := []struct {
		what string
		want *bool
		got  bool
	}{{"green", te.Green, t.GreenChannel}, {"centralised", te.Central, t.Centralised}, {"escalated", te.Escalated, t.Escalated}}
	for _, c := range bools {
		if c.want != nil && *c.want != c.got {
			r.fail(Failure{Line: line, Step: step, What: c.what, Want: strconv.FormatBool(*c.want), Got: strconv.FormatBool(c.got)})
		}
	}
	have := tagNames(t)
	for _, name := range te.Tags {
		if !t.HasTag(name) {
			r.fail(Failure{Line: line, Step: step, What: "tags", Want: "tag " + strconv.Quote(name), Got: have})
		}
	}
	for _, name := range te.NoTags {
		if tag, ok := t.Tag(name); ok {
			r.fail(Failure{Line: line, Step: step, What: "no_tags", Want: "no tag " + strconv.Quote(name), Got: fmt.Sprintf("%q set by rule %q", name, tag.Rule)})
		}
	}
	for _, name := range sortedKeys(te.TaggedBy) {
		want := te.TaggedBy[name]
		tag, ok := t.Tag(name)
		switch {
		case !ok:
			r.fail(Failure{Line: line, Step: step, What: "tagged_by." + name, Want: "tag set by rule " + strconv.Quote(want), Got: "no such tag; tags: " + have})
		case tag.Rule != want:
			r.fail(Failure{Line: line, Step: step, What: "tagged_by." + name, Want: quote(want), Got: quote(tag.Rule)})
		}
	}
	for _, name := range deadlineNames {
		want, ok := te.Deadlines[name]
		if !ok {
			continue
		}
		got := deadline(t.Deadlines, name)
		if !got.Equal(want) {
			r.fail(Failure{Line: line, Step: step, What: "deadlines." + name, Want: fmtTime(want.In(r.s.Zone)), Got: fmtTime(got.In(r.s.Zone))})
		}
	}
	for _, name := range te.NoDeadline {
		if got := deadline(t.Deadlines, name); !got.IsZero() {
			r.fail(Failure{Line: line, Step: step, What: "deadlines." + name, Want: "none", Got: fmtTime(got.In(r.s.Zone))})
		}
	}
}

func deadline(d complaint.Deadlines, name string) time.Time {
	switch name {
	case "first_contact":
		return d.FirstContact
	case "reply":
		return d.Reply
	case "resolve":
		return d.Resolve
	case "regulator":
		return d.Regulator
	}
	return time.Time{}
}

func tagNames(t *complaint.Ticket) string {
	if len(t.Tags) == 0 {
		return "no tags"
	}
	parts := make([]string, len(t.Tags))
	for i, tag := range t.Tags {
		parts[i] = tag.Name
		if tag.Rule != "" {
			parts[i] += " (rule " + tag.Rule + ")"
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func quote(s string) string {
	if s == "" {
		return `""`
	}
	return strconv.Quote(s)
}

// expectWarnings matches each expected warning with a distinct raised one.
func (r *run) expectWarnings(line int, step string, ex *Expect) {
	ws := r.warningViews()
	used := make([]bool, len(ws))
	for i, w := range ex.Warnings {
		found := -1
		for j := range ws {
			if !used[j] && matchWarning(w, ws[j]) {
				found = j
				break
			}
		}
		if found < 0 {
			r.fail(Failure{Line: w.Line, Step: step, What: fmt.Sprintf("warnings[%d]", i), Want: describeWant(w), Got: describeWarnings(ws)})
			continue
		}
		used[found] = true
	}
	for _, kind := range ex.NoWarnings {
		var got []WarningView
		for _, w := range ws {
			if w.Kind == kind {
				got = append(got, w)
			}
		}
		if len(got) > 0 {
			r.fail(Failure{Line: line, Step: step, What: "no_warnings", Want: "no " + kind + " warning", Got: describeWarnings(got)})
		}
	}
}

// WarningView is what the runner sees of a warning (the warning package's
// warnings, reduced to what scenarios check).
type WarningView struct {
	ID      string
	Kind    string
	Grade   string
	Key     string
	Members int
	State   string
	// Recurrences counts returns after closure (ledger entries only).
	Recurrences int
}

func matchWarning(w WarningExpect, v WarningView) bool {
	return w.Kind == v.Kind && (w.Grade == "" || w.Grade == v.Grade) && (w.Key == "" || w.Key == v.Key) &&
		(w.Members == nil || *w.Members == v.Members)
}

func describeWant(w WarningExpect) string {
	s := "a " + w.Kind + " warning"
	if w.Grade != "" {
		s += " grade " + w.Grade
	}
	if w.Key != "" {
		s += " key " + strconv.Quote(w.Key)
	}
	if w.Members != nil {
		s += fmt.Sprintf(" with %d members", *w.Members)
	}
	return s
}

func describeWarnings(ws []WarningView) string {
	if len(ws) == 0 {
		return "no warnings"
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%s grade %s key %q members %d (%s", w.Kind, w.Grade, w.Key, w.Members, w.State)
		if w.Recurrences > 0 {
			parts[i] += fmt.Sprintf(", %d recurrences", w.Recurrences)
		}
		parts[i] += ")"
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

func (r *run) expectLedger(step string, ls []LedgerExpect) {
	ws := r.warningViews()
	for i, l := range ls {
		var cands []WarningView
		for _, w := range ws {
			if w.Kind == l.Kind && (l.Key == "" || l.Key == w.Key) {
				cands = append(cands, w)
			}
		}
		what := fmt.Sprintf("ledger[%d]", i)
		switch {
		case len(cands) == 0:
			r.fail(Failure{Line: l.Line, Step: step, What: what, Want: fmt.Sprintf("a %s warning key %q in state %s", l.Kind, l.Key, l.State), Got: describeWarnings(ws)})
		case !anyState(cands, l.State, l.Recurrences):
			want := "state " + l.State
			if l.Recurrences != nil {
				want += fmt.Sprintf(" with %d recurrences", *l.Recurrences)
			}
			r.fail(Failure{Line: l.Line, Step: step, What: what, Want: want, Got: describeWarnings(cands)})
		}
	}
}

func anyState(ws []WarningView, state string, recurrences *int) bool {
	for _, w := range ws {
		if w.State == state && (recurrences == nil || *recurrences == w.Recurrences) {
			return true
		}
	}
	return false
}

// KPIView is what the runner sees of one KPI value.
type KPIView struct {
	Value  float64
	NoData bool
	Status string
}

func (r *run) expectKPIs(step string, ks []KPIExpect) {
	for i, k := range ks {
		what := fmt.Sprintf("kpis[%d] %s", i, k.Name)
		if k.Scope != "" {
			what += " (" + k.Scope + ")"
		}
		v, err := r.kpi(k.Name, k.Scope, k.Period, r.clock.Now())
		if err != nil {
			r.fail(Failure{Line: k.Line, Step: step, What: what, Msg: err.Error()})
			continue
		}
		if k.Value != nil {
			switch {
			case v.NoData:
				r.fail(Failure{Line: k.Line, Step: step, What: what, Want: fmtFloat(*k.Value), Got: "no data"})
			case math.Abs(v.Value-*k.Value) > k.Tolerance:
				want := fmtFloat(*k.Value)
				if k.Tolerance > 0 {
					want += " ± " + fmtFloat(k.Tolerance)
				}
				r.fail(Failure{Line: k.Line, Step: step, What: what, Want: want, Got: fmtFloat(v.Value)})
			}
		}
		if k.Status != "" && k.Status != v.Status {
			r.fail(Failure{Line: k.Line, Step: step, What: what + " status", Want: quote(k.Status), Got: quote(v.Status)})
		}
	}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// SanctionView is what the runner sees of a sanction decision.
type SanctionView struct {
	Partner string
	Action  string
	Months  int
}

func (r *run) expectSanctions(step string, ss []SanctionExpect) {
	var partners []string
	for _, s := range ss {
		partners = append(partners, s.Partner)
	}
	got := r.sanctionViews(partners)
	for i, s := range ss {
		ok := false
		for _, g := range got {
			if g.Partner == s.Partner && (s.Action == "" || s.Action == g.Action) && (s.Months == 0 || s.Months == g.Months) {
				ok = true
				break
			}
		}
		if !ok {
			parts := make([]string, len(got))
			for j, g := range got {
				parts[j] = fmt.Sprintf("%s %s %d months", g.Partner, g.Action, g.Months)
			}
			gs := "no sanctions"
			if len(parts) > 0 {
				gs = "[" + strings.Join(parts, "; ") + "]"
			}
			want := fmt.Sprintf("%s %s", s.Partner, s.Action)
			if s.Months > 0 {
				want += fmt.Sprintf(" %d months", s.Months)
			}
			r.fail(Failure{Line: s.Line, Step: step, What: fmt.Sprintf("sanctions[%d]", i), Want: want, Got: gs})
		}
	}
}

func (r *run) expectShare(step string, se *ShareExpect) {
	if r.stack.Share == nil {
		r.fail(Failure{Line: se.Line, Step: step, What: "share", Msg: "no routing policy: nothing is routed"})
		return
	}
	central, total := r.stack.Share.Counts()
	if se.Decisions != nil && int64(*se.Decisions) != total {
		r.fail(Failure{Line: se.Line, Step: step, What: "share decisions", Want: strconv.Itoa(*se.Decisions), Got: strconv.FormatInt(total, 10)})
	}
	if total == 0 {
		r.fail(Failure{Line: se.Line, Step: step, What: "share", Want: fmtFloat(se.Value), Got: "no data (no routing decisions)"})
		return
	}
	got := r.stack.Share.Ratio()
	if math.Abs(got-se.Value) > se.Tolerance {
		want := fmtFloat(se.Value)
		if se.Tolerance > 0 {
			want += " ± " + fmtFloat(se.Tolerance)
		}
		r.fail(Failure{Line: se.Line, Step: step, What: "share", Want: want, Got: fmt.Sprintf("%s (%d of %d centralised)", fmtFloat(got), central, total)})
	}
}

package scenario

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
	"github.com/kesu-go/kesu/scoring"
	"github.com/kesu-go/kesu/warning"
)

// buildStack wires routing, warnings and scoring from the scenario's policy
// (the defaults of warning and scoring without one). The warning ledger and
// sanction decisions are journaled in the run's store, as in production.
func buildStack(ctx context.Context, s *Scenario, store *complaint.MemStore, dir *complaint.Directory) (*ingest.Stack, error) {
	st, err := ingest.NewStack(ctx, ingest.StackConfig{Policy: s.Policy, Routing: s.routing, Journal: store, Customers: dir})
	if err != nil {
		return nil, err
	}
	for _, o := range s.Outages {
		st.Outages.Put(warning.Outage{ID: o.ID, Area: o.Area, Start: o.Start, End: o.End, Planned: o.Planned,
			Customers: o.Customers, Notified: o.Notified, Important: o.ImportantUsers, Updated: s.Start})
	}
	return st, nil
}

// warningViews returns every warning raised so far: the ledger's entries
// and the firing warnings not yet written to it.
func (r *run) warningViews() []WarningView {
	var out []WarningView
	seen := map[string]bool{}
	for _, e := range r.stack.Monitor.Ledger().Entries() {
		seen[e.Warning.ID] = true
		v := view(&e.Warning, string(e.State))
		v.Recurrences = e.Recurrences
		out = append(out, v)
	}
	for _, w := range r.stack.Monitor.Active() {
		if !seen[w.ID] {
			out = append(out, view(&w, string(warning.StateRaised)))
		}
	}
	return out
}

func view(w *warning.Warning, state string) WarningView {
	return WarningView{ID: w.ID, Kind: string(w.Kind), Grade: w.Grade.String(), Key: w.Key.String(),
		Members: max(w.Evidence.Members, len(w.Evidence.Tickets)), State: state}
}

// kpi reads one KPI: scope is "" (everything) or "dimension=unit"; period
// is "" (the month of now), a period kind ("week", "month"…) containing
// now, or a period ("2025-03", "2025-W10").
func (r *run) kpi(name, scope, period string, now time.Time) (KPIView, error) {
	dim, unit := "all", ""
	if scope != "" {
		var ok bool
		if dim, unit, ok = strings.Cut(scope, "="); !ok {
			return KPIView{}, fmt.Errorf("scope %q: want dimension=unit (dimensions: %s)", scope, strings.Join(r.stack.Book.Dimensions(), ", "))
		}
	}
	loc := r.s.Zone
	p := scoring.PeriodOf(scoring.Month, now, loc)
	if period != "" {
		if k, err := scoring.ParsePeriodKind(period); err == nil {
			p = scoring.PeriodOf(k, now, loc)
		} else if p, err = scoring.ParsePeriod(period, loc); err != nil {
			return KPIView{}, err
		}
	}
	sc, err := r.stack.Book.Scorecard(r.ctx, dim, unit, p, now, name)
	if err != nil {
		return KPIView{}, err
	}
	l, ok := sc.Line(name)
	if !ok {
		return KPIView{}, fmt.Errorf("no KPI %q in the policy", name)
	}
	v := KPIView{Value: l.Value.V, NoData: !l.Value.OK, Status: "no target"}
	if l.Assessment != nil {
		v.Status = l.Assessment.Status.String()
	}
	return v, nil
}

// sanctionViews returns every sanction decision, partner by partner in the
// order the scenario names them.
func (r *run) sanctionViews(partners []string) []SanctionView {
	var out []SanctionView
	for _, p := range slices.Compact(slices.Sorted(slices.Values(partners))) {
		for _, d := range r.stack.Sanctions.Decisions(p) {
			out = append(out, SanctionView{Partner: d.Partner, Action: d.Action, Months: d.Months})
		}
	}
	return out
}

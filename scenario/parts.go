package scenario

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/routing"
)

// ErrNotAvailable is returned (wrapped) for a scenario feature whose kesu
// part is not part of this build yet.
var ErrNotAvailable = errors.New("not available yet")

func notLanded(part string) error {
	return fmt.Errorf("%w: %s has not landed", ErrNotAvailable, part)
}

// parts is what a run wires into its engine from the scenario's policy,
// and the views the expectations read.
type parts struct {
	stages    []kesu.Stage
	guards    []kesu.Guard
	observers []kesu.Observer
	tickers   []kesu.Ticker

	share      *routing.Share // nil without a routing policy
	categories *complaint.Taxonomy

	warnings  func() ([]WarningView, error)
	kpi       func(name, scope, period string, now time.Time) (KPIView, error)
	sanctions func() ([]SanctionView, error)
}

// warningSections and scoringSections are the policy sections each part
// reads.
var (
	warningSections = []string{"warnings", "grades", "ledger"}
	scoringSections = []string{"kpis", "targets", "appraisal", "pay", "sanctions", "reports", "customers"}
)

func buildParts(s *Scenario, clock *Clock, dir *complaint.Directory) (*parts, error) {
	p := &parts{
		warnings: func() ([]WarningView, error) { return nil, notLanded("warning") },
		kpi: func(string, string, string, time.Time) (KPIView, error) {
			return KPIView{}, notLanded("scoring")
		},
		sanctions: func() ([]SanctionView, error) { return nil, notLanded("scoring") },
	}
	if s.Policy == nil {
		return p, nil
	}
	pol := s.routing
	hist, load := routing.NewHistory(), routing.NewWorkload()
	st := routing.NewStage(pol, routing.Options{History: hist, Workload: load})
	p.share = new(routing.Share)
	p.categories = pol.Categories()
	p.stages = append(p.stages, st)
	p.guards = append(p.guards, st.Guard())
	p.observers = append(p.observers, hist, load, p.share)
	p.tickers = append(p.tickers, hist)
	if slices.ContainsFunc(warningSections, s.Policy.Has) || len(s.Outages) > 0 {
		return nil, notLanded("warning")
	}
	if slices.ContainsFunc(scoringSections, s.Policy.Has) {
		return nil, notLanded("scoring")
	}
	return p, nil
}

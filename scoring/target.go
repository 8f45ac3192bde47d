package scoring

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Target is a goal for a KPI (DOMAIN.md R23): "<= 38", ">= 79", "<= -25"
// (on a change KPI, in percent) or "top 9" (rank among the units of the same
// dimension). It applies to scorecards of its Period kind ("" any), its
// Dimension ("" any) and its Unit ("" any); the most specific target wins.
// Target is also the YAML form of an entry of the targets section.
type Target struct {
	KPI       string `yaml:"kpi" json:"kpi"`
	Goal      string `yaml:"target" json:"target"`
	Period    string `yaml:"period,omitempty" json:"period,omitempty"`
	Dimension string `yaml:"dimension,omitempty" json:"dimension,omitempty"`
	Unit      string `yaml:"unit,omitempty" json:"unit,omitempty"`
	// Source says where the target was set: "built-in (R23)" or file:line.
	Source string `yaml:"-" json:"source,omitempty"`

	op     targetOp
	value  float64
	top    int
	period PeriodKind
}

type targetOp uint8

const (
	opAtMost targetOp = iota + 1
	opAtLeast
	opTop
)

// parseGoal parses "<= 38", ">= 79%", "≤ 38", "top 9".
func (t *Target) parseGoal() error {
	s := strings.TrimSpace(t.Goal)
	switch {
	case strings.HasPrefix(s, "<="), strings.HasPrefix(s, "≤"):
		t.op = opAtMost
		s = strings.TrimPrefix(strings.TrimPrefix(s, "<="), "≤")
	case strings.HasPrefix(s, ">="), strings.HasPrefix(s, "≥"):
		t.op = opAtLeast
		s = strings.TrimPrefix(strings.TrimPrefix(s, ">="), "≥")
	case strings.HasPrefix(s, "top"):
		n, err := strconv.Atoi(strings.TrimSpace(s[3:]))
		if err != nil || n < 1 {
			return fmt.Errorf("bad rank goal %q (want e.g. \"top 9\")", t.Goal)
		}
		t.op, t.top = opTop, n
		return nil
	default:
		return fmt.Errorf("bad goal %q (want \"<= 38\", \">= 79\" or \"top 9\")", t.Goal)
	}
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != v {
		return fmt.Errorf("bad goal %q: not a number", t.Goal)
	}
	t.value = v
	return nil
}

func (t *Target) specificity() int {
	n := 0
	if t.Unit != "" {
		n += 4
	}
	if t.Dimension != "" {
		n += 2
	}
	if t.period != 0 {
		n++
	}
	return n
}

func (t *Target) applies(kpi, dim, unit string, k PeriodKind) bool {
	return t.KPI == kpi && (t.Dimension == "" || t.Dimension == dim) && (t.Unit == "" || t.Unit == unit) &&
		(t.period == 0 || t.period == k)
}

// Status is where a KPI stands against its target.
type Status uint8

// The statuses. While a period runs, Met means the projection to its end
// meets the target ("on track") and AtRisk that it does not; once a ceiling
// on a count is already exceeded the status is Missed at once.
const (
	NoData Status = iota
	Met
	AtRisk
	Missed
)

// String returns "no data", "met", "at risk" or "missed".
func (s Status) String() string {
	switch s {
	case Met:
		return "met"
	case AtRisk:
		return "at risk"
	case Missed:
		return "missed"
	}
	return "no data"
}

// MarshalText encodes s as its String form.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Assessment is a KPI's standing against its target.
type Assessment struct {
	Target string `json:"target"` // the goal, e.g. "<= 38"
	Source string `json:"source"` // where the target was set
	Status Status `json:"status"`
	// Rank and Of are set for rank targets: the unit's place among Of units.
	Rank int `json:"rank,omitempty"`
	Of   int `json:"of,omitempty"`
}

// assess rates value (and its projection) against t. ended says whether the
// period is over; cumulative whether the value can only grow (counts and
// per-customer counts).
func assess(t *Target, value, projected Value, ended, cumulative bool) Status {
	if !value.OK {
		return NoData
	}
	p := projected
	if !p.OK || ended {
		p = value
	}
	switch t.op {
	case opAtMost:
		switch {
		case ended && value.V <= t.value:
			return Met
		case ended, cumulative && value.V > t.value:
			return Missed
		case p.V <= t.value:
			return Met
		}
		return AtRisk
	case opAtLeast:
		switch {
		case ended && value.V >= t.value:
			return Met
		case ended:
			return Missed
		case p.V >= t.value:
			return Met
		}
		return AtRisk
	}
	return NoData
}

// SubscriberCounter gives the number of customers of a unit in a period, for
// per-10,000 KPIs, when the policy does not (the Billing adapter implements
// it). dimension is a scorecard dimension ("all", "province", "city"…) and
// unit its value (a region code for region dimensions, "" for all). It
// returns 0 when it does not know. Book calls it only when a scorecard is
// read, never per event, and caches the answer.
type SubscriberCounter interface {
	Subscribers(ctx context.Context, dimension, unit string, p Period) (int64, error)
}

// Base is a customer count for a unit and period, given in the policy
// (section customers, key bases). Period "" applies to every period; a year
// ("2025") to every period inside it; the most specific base wins.
type Base struct {
	Dimension string `yaml:"dimension" json:"dimension"`
	Unit      string `yaml:"unit,omitempty" json:"unit,omitempty"`
	Period    string `yaml:"period,omitempty" json:"period,omitempty"`
	Count     int64  `yaml:"count" json:"count"`
	Source    string `yaml:"-" json:"source,omitempty"`

	period Period
}

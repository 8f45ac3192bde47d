package link

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/scoring"
)

// SubscribersConfig configures Subscribers. The zero value uses the defaults
// written beside each field.
type SubscribersConfig struct {
	// Units maps a scorecard dimension and unit to the billing system's unit
	// codes whose counts are summed for it; ok false means the billing
	// system cannot know it (the answer is 0, "unknown"). Default
	// DefaultUnits.
	Units func(dimension, unit string) (units []string, ok bool)
	// Lookback is how far before a period's start a count may be dated and
	// still be used when the period has none (default 31 days).
	Lookback time.Duration
}

// DefaultUnits is the default SubscribersConfig.Units: dimension "all" sums
// every unit of the billing system, the region dimensions (province, city,
// county, branch) ask for the unit's own code, and any other dimension
// (team, agent, category, partner, ...) is not a customer base and gives 0.
func DefaultUnits(dimension, unit string) ([]string, bool) {
	switch dimension {
	case "all":
		return nil, true
	case "province", "city", "county", "branch":
		if unit == "" {
			return nil, false
		}
		return []string{unit}, true
	}
	return nil, false
}

// SubscriberCounts answers scoring's customer bases from the billing
// system's subscriber counts. Build it with Subscribers. It is safe for
// concurrent use.
//
// The count of a unit in a period is its count at the period's end: the
// count dated at the period's end (the start of the next period, when BOSS
// snapshots are usually taken) or, failing that, the latest one dated before
// it, no earlier than Lookback before the period's start. Several units are
// summed. It is not an average over the period.
type SubscriberCounts struct {
	b     adapters.Billing
	units func(string, string) ([]string, bool)
	back  time.Duration

	mu    sync.Mutex
	cache map[subKey]int64
	calls int
}

type subKey struct {
	dim, unit string
	p         scoring.Period
}

var _ scoring.SubscriberCounter = (*SubscriberCounts)(nil)

// Subscribers returns a scoring.SubscriberCounter over b's SubscriberCounts.
// Answers (known or 0) are cached per dimension, unit and period for the
// life of the value; errors are not cached.
func Subscribers(b adapters.Billing, cfg SubscribersConfig) *SubscriberCounts {
	s := &SubscriberCounts{b: b, units: cfg.Units, back: cfg.Lookback, cache: make(map[subKey]int64)}
	if s.units == nil {
		s.units = DefaultUnits
	}
	if s.back <= 0 {
		s.back = 31 * 24 * time.Hour
	}
	return s
}

// Subscribers returns the customer base of unit in dimension for period p
// (see SubscriberCounts for which count). It returns 0 and no error when the
// billing system cannot know it or has no count for the period. An error
// wraps the adapter's (adapters.IsRetryable tells whether a later read can
// help); scoring.Book shows it as a note on the scorecard.
func (s *SubscriberCounts) Subscribers(ctx context.Context, dimension, unit string, p scoring.Period) (int64, error) {
	if p.IsZero() {
		return 0, fmt.Errorf("link: subscribers of %s %q: zero period", dimension, unit)
	}
	k := subKey{dimension, unit, p}
	s.mu.Lock()
	n, ok := s.cache[k]
	s.mu.Unlock()
	if ok {
		return n, nil
	}
	units, known := s.units(dimension, unit)
	if known {
		var err error
		if n, err = s.fetch(ctx, units, p); err != nil {
			return 0, fmt.Errorf("link: subscribers of %s %q in %s: %w", dimension, unit, p, err)
		}
	}
	s.mu.Lock()
	s.cache[k] = n
	s.mu.Unlock()
	return n, nil
}

// Calls returns how many SubscriberCounts calls went to the billing system.
func (s *SubscriberCounts) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *SubscriberCounts) fetch(ctx context.Context, units []string, p scoring.Period) (int64, error) {
	end := p.End()
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	cs, err := s.b.SubscriberCounts(ctx, adapters.SubscriberQuery{Units: units, From: p.Start.Add(-s.back), To: end})
	if err != nil {
		return 0, err
	}
	// Per unit, the count with the latest date not after the end.
	latest := make(map[string]adapters.SubscriberCount)
	for _, c := range cs {
		if c.Date.After(end) || (len(units) > 0 && !slices.Contains(units, c.Unit)) {
			continue
		}
		if l, ok := latest[c.Unit]; !ok || c.Date.After(l.Date) {
			latest[c.Unit] = c
		}
	}
	var n int64
	for _, c := range latest {
		n += c.Count
	}
	return n, nil
}

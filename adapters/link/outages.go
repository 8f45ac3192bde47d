package link

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/warning"
)

// OutagesConfig configures Outages. The zero value uses the defaults written
// beside each field.
type OutagesConfig struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Back and Ahead bound the time range asked on every poll:
	// [now-Back, now+Ahead] (defaults 7 days and 3 days, so planned outages
	// announced in advance are seen before they start).
	Back, Ahead time.Duration
}

// OutageFeed turns the Outages contract's region and time-range query into
// the polling warning.OutageSource the warning.Monitor calls on Tick. Build
// it with Outages. It is safe for concurrent use.
//
// The contract has no change time, so the feed keeps one: every poll asks
// for the outages overlapping [now-Back, now+Ahead] and stamps each outage
// it has not seen before, or whose fields changed, with the poll's time
// (strictly later than any earlier stamp). warning.Outage.Updated is that
// stamp, and Outages(ctx, since) returns the outages stamped after since,
// oldest stamp first, so the Monitor gets each new or changed outage once
// and a Monitor polling with a zero since gets every outage still in range.
// Outages that left the range are forgotten.
type OutageFeed struct {
	src    adapters.Outages
	region string
	now    func() time.Time
	back   time.Duration
	ahead  time.Duration

	mu    sync.Mutex
	seen  map[string]*seenOutage
	stamp time.Time
}

type seenOutage struct {
	o   warning.Outage
	sig adapters.Outage
}

var _ warning.OutageSource = (*OutageFeed)(nil)

// Outages returns the warning.OutageSource of region's outages (and those
// below it; "" for every region) from o.
func Outages(o adapters.Outages, region string, cfg OutagesConfig) *OutageFeed {
	f := &OutageFeed{src: o, region: region, now: cfg.Now, back: cfg.Back, ahead: cfg.Ahead, seen: make(map[string]*seenOutage)}
	if f.now == nil {
		f.now = time.Now
	}
	if f.back <= 0 {
		f.back = 7 * 24 * time.Hour
	}
	if f.ahead <= 0 {
		f.ahead = 3 * 24 * time.Hour
	}
	return f
}

// Outages implements warning.OutageSource: it polls the adapter and returns
// the outages new or changed after since (see OutageFeed). A failed poll
// returns the adapter's error wrapped (adapters.IsRetryable says whether the
// next poll may succeed) and changes nothing, so nothing is lost: the
// Monitor polls again on its next Tick.
func (f *OutageFeed) Outages(ctx context.Context, since time.Time) ([]warning.Outage, error) {
	now := f.now()
	got, err := f.src.Outages(ctx, adapters.OutageQuery{Region: f.region, From: now.Add(-f.back), To: now.Add(f.ahead)})
	if err != nil {
		return nil, fmt.Errorf("link: outages in %q: %w", f.region, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	stamp := now
	if !stamp.After(f.stamp) {
		stamp = f.stamp.Add(time.Nanosecond)
	}
	inRange := make(map[string]bool, len(got))
	changed := false
	for _, a := range got {
		inRange[a.ID] = true
		s := f.seen[a.ID]
		if s != nil && sameOutage(s.sig, a) {
			continue
		}
		if s == nil {
			s = &seenOutage{}
			f.seen[a.ID] = s
		}
		s.sig = cloneOutage(a)
		s.o = Outage(a)
		s.o.Updated = stamp
		changed = true
	}
	if changed {
		f.stamp = stamp
	}
	for id := range f.seen {
		if !inRange[id] {
			delete(f.seen, id)
		}
	}
	var out []warning.Outage
	for _, s := range f.seen {
		if s.o.Updated.After(since) {
			o := s.o
			o.Important = slices.Clone(o.Important)
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b warning.Outage) int {
		if c := a.Updated.Compare(b.Updated); c != 0 {
			return c
		}
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Outage converts an adapter outage into the warning package's: Area is the
// outage's region code (warning links tickets Under it; the adapter's free
// text Area is not kept), the customer counts become ints, and
// ImportantUsers become Important. Updated is left zero.
func Outage(a adapters.Outage) warning.Outage {
	return warning.Outage{
		ID: a.ID, Area: a.Region, Start: a.Start, End: a.End, Planned: a.Planned,
		Customers: int(a.CustomersAffected), Notified: int(a.CustomersNotified),
		Important: slices.Clone(a.ImportantUsers),
	}
}

func sameOutage(a, b adapters.Outage) bool {
	return a.ID == b.ID && a.Region == b.Region && a.Area == b.Area && a.Start.Equal(b.Start) && a.End.Equal(b.End) &&
		a.Planned == b.Planned && a.CustomersAffected == b.CustomersAffected && a.CustomersNotified == b.CustomersNotified &&
		slices.Equal(a.ImportantUsers, b.ImportantUsers) && a.Cause == b.Cause
}

func cloneOutage(a adapters.Outage) adapters.Outage {
	a.ImportantUsers = slices.Clone(a.ImportantUsers)
	return a
}

package link

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/complaint"
)

// ByID returns a ComplainantSource of the customers ids lists, each with one
// billing account of the customer's own id and no region.
func ByID(ids func(ctx context.Context) ([]string, error)) ComplainantSource {
	return func(ctx context.Context, _ time.Time) ([]Complainant, error) {
		got, err := ids(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Complainant, 0, len(got))
		for _, id := range got {
			out = append(out, Complainant{Customer: id})
		}
		return out, nil
	}
}

// Profiler looks up many customer profiles in one call; adapters.CRM and
// *host.Plugin are Profilers.
type Profiler interface {
	Profiles(ctx context.Context, ids []string) ([]adapters.Profile, error)
}

// FromStore returns a ComplainantSource of the customers of the tickets in
// store received in the year before now whose profile carries
// complaint.FlagProfessional. Profiles come from customers: in one batch
// when it is also a Profiler (as *host.Plugin is), else one lookup per
// customer (never per ticket). A customer's accounts are the distinct
// subscriber numbers of its tickets (its own id when none), its region that
// of its profile or else of its latest ticket. Customers are returned sorted
// by id. An unknown customer is left out; any other lookup error is
// returned, so the check tries again on the next Tick.
func FromStore(store complaint.Store, customers complaint.Customers) ComplainantSource {
	return func(ctx context.Context, now time.Time) ([]Complainant, error) {
		ts, err := store.Find(ctx, complaint.Query{From: now.AddDate(-1, 0, 0), To: now})
		if err != nil {
			return nil, fmt.Errorf("link: professional complainants: %w", err)
		}
		byID := make(map[string]*Complainant)
		for _, t := range ts { // ordered by ReceivedAt: the last region wins
			if t.Customer == "" {
				continue
			}
			c := byID[t.Customer]
			if c == nil {
				c = &Complainant{Customer: t.Customer}
				byID[t.Customer] = c
			}
			if t.Subscriber != "" && !slices.Contains(c.Accounts, t.Subscriber) {
				c.Accounts = append(c.Accounts, t.Subscriber)
			}
			if t.Region != "" {
				c.Region = t.Region
			}
		}
		ids := make([]string, 0, len(byID))
		for id := range byID {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		flagged, err := professionals(ctx, customers, ids)
		if err != nil {
			return nil, fmt.Errorf("link: professional complainants: %w", err)
		}
		var out []Complainant
		for _, id := range ids {
			region, ok := flagged[id]
			if !ok {
				continue
			}
			c := byID[id]
			if region != "" {
				c.Region = region
			}
			slices.Sort(c.Accounts)
			out = append(out, *c)
		}
		return out, nil
	}
}

// professionals returns the region of each flagged customer among ids.
func professionals(ctx context.Context, customers complaint.Customers, ids []string) (map[string]string, error) {
	out := make(map[string]string)
	if p, ok := customers.(Profiler); ok {
		ps, err := p.Profiles(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, pr := range ps {
			if pr.HasFlag(string(complaint.FlagProfessional)) {
				out[pr.ID] = pr.Region
			}
		}
		return out, nil
	}
	for _, id := range ids {
		c, err := customers.Customer(ctx, id)
		if errors.Is(err, complaint.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if c != nil && c.Has(complaint.FlagProfessional) {
			out[id] = c.Region
		}
	}
	return out, nil
}

package host

import (
	"context"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/complaint"
)

var _ complaint.Customers = (*Plugin)(nil)

// Customer returns the customer's profile as a [complaint.Customer], through
// the profile cache, so a Plugin serving CRM is a [complaint.Customers]. An
// unknown customer is (nil, complaint.ErrNotFound); other errors are the
// adapters errors of [Plugin.Profiles] (a down CRM is retryable: the engine
// takes the ticket as "profile pending" and enriches it later).
func (p *Plugin) Customer(ctx context.Context, id string) (*complaint.Customer, error) {
	ps, err := p.Profiles(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, complaint.ErrNotFound
	}
	c := ps[0].Customer()
	return &c, nil
}

// Customers converts profiles with [adapters.Profile.Customer], keeping the order.
func Customers(ps []adapters.Profile) []complaint.Customer {
	out := make([]complaint.Customer, len(ps))
	for i := range ps {
		out[i] = ps[i].Customer()
	}
	return out
}

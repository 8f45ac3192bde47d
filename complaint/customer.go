package complaint

import (
	"context"
	"slices"
	"sync"
)

// Customer is what the engine knows of a customer (DOMAIN.md R7). It usually
// comes from the carrier's CRM through an adapter.
type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Tier is the customer's value tier, e.g. "gold"; free-form.
	Tier  string `json:"tier,omitempty"`
	Flags []Flag `json:"flags,omitempty"`
	// PriorEscalations counts the customer's earlier complaints to a regulator.
	PriorEscalations int `json:"prior_escalations,omitempty"`
	// Owner is the named owner (包保) of a professional complainant.
	Owner  string `json:"owner,omitempty"`
	Region string `json:"region,omitempty"`
	// Pending is true when the profile could not be fetched yet (CRM down):
	// the ticket was taken with what was known and will be enriched later.
	Pending bool `json:"pending,omitempty"`
}

// Has reports whether the customer carries flag f.
func (c *Customer) Has(f Flag) bool {
	if c == nil {
		return false
	}
	return slices.Contains(c.Flags, f)
}

// Customers looks up customer profiles. The CRM adapter implements it; Directory
// is an in-memory implementation. A customer it does not know is returned as
// (nil, ErrNotFound).
type Customers interface {
	Customer(ctx context.Context, id string) (*Customer, error)
}

// Directory is an in-memory Customers. The zero value is empty and ready to
// use; it is safe for concurrent use.
type Directory struct {
	mu sync.RWMutex
	m  map[string]Customer
}

var _ Customers = (*Directory)(nil)

// Put stores (or replaces) a profile.
func (d *Directory) Put(c Customer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = make(map[string]Customer)
	}
	c.Flags = slices.Clone(c.Flags)
	d.m[c.ID] = c
}

// Customer returns a copy of the profile of id, or ErrNotFound.
func (d *Directory) Customer(_ context.Context, id string) (*Customer, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	c, ok := d.m[id]
	if !ok {
		return nil, ErrNotFound
	}
	c.Flags = slices.Clone(c.Flags)
	return &c, nil
}

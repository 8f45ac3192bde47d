package host

import (
	"context"

	"github.com/kesu-go/kesu/adapters"
)

func notImplemented(op, service string) error {
	return &adapters.Error{Code: adapters.NotImplemented, Op: op, Message: "plugin does not serve " + service}
}

// Bills calls the plugin's Billing.Bills; see [adapters.Billing].
func (p *Plugin) Bills(ctx context.Context, q adapters.BillQuery) ([]adapters.Bill, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []adapters.Bill
	err := p.do(ctx, "billing.Bills", func(ctx context.Context, c *conn) (err error) {
		if !c.info.Implements(adapters.ServiceBilling) {
			return notImplemented("billing.Bills", adapters.ServiceBilling)
		}
		out, err = c.billing.Bills(ctx, q)
		return err
	})
	return out, err
}

// Subscriptions calls the plugin's Billing.Subscriptions; see [adapters.Billing].
func (p *Plugin) Subscriptions(ctx context.Context, q adapters.SubscriptionQuery) ([]adapters.Subscription, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []adapters.Subscription
	err := p.do(ctx, "billing.Subscriptions", func(ctx context.Context, c *conn) (err error) {
		if !c.info.Implements(adapters.ServiceBilling) {
			return notImplemented("billing.Subscriptions", adapters.ServiceBilling)
		}
		out, err = c.billing.Subscriptions(ctx, q)
		return err
	})
	return out, err
}

// Adjust calls the plugin's Billing.Adjust; see [adapters.Billing]. It is
// retried like every call: the idempotency key makes a retry of an
// adjustment that was applied before a crash answer with the first result
// (Replayed set) instead of applying it twice.
func (p *Plugin) Adjust(ctx context.Context, a adapters.Adjustment) (adapters.AdjustmentResult, error) {
	if err := a.Validate(); err != nil {
		return adapters.AdjustmentResult{}, err
	}
	var out adapters.AdjustmentResult
	err := p.do(ctx, "billing.Adjust", func(ctx context.Context, c *conn) (err error) {
		if !c.info.Implements(adapters.ServiceBilling) {
			return notImplemented("billing.Adjust", adapters.ServiceBilling)
		}
		out, err = c.billing.Adjust(ctx, a)
		return err
	})
	return out, err
}

// SuspendPartner calls the plugin's Billing.SuspendPartner; see [adapters.Billing].
func (p *Plugin) SuspendPartner(ctx context.Context, s adapters.PartnerSuspension) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return p.do(ctx, "billing.SuspendPartner", func(ctx context.Context, c *conn) error {
		if !c.info.Implements(adapters.ServiceBilling) {
			return notImplemented("billing.SuspendPartner", adapters.ServiceBilling)
		}
		return c.billing.SuspendPartner(ctx, s)
	})
}

// TakeCodeOffline calls the plugin's Billing.TakeCodeOffline; see [adapters.Billing].
func (p *Plugin) TakeCodeOffline(ctx context.Context, o adapters.CodeOffline) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return p.do(ctx, "billing.TakeCodeOffline", func(ctx context.Context, c *conn) error {
		if !c.info.Implements(adapters.ServiceBilling) {
			return notImplemented("billing.TakeCodeOffline", adapters.ServiceBilling)
		}
		return c.billing.TakeCodeOffline(ctx, o)
	})
}

// SubscriberCounts calls the plugin's Billing.SubscriberCounts; see [adapters.Billing].
func (p *Plugin) SubscriberCounts(ctx context.Context, q adapters.SubscriberQuery) ([]adapters.SubscriberCount, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []adapters.SubscriberCount
	err := p.do(ctx, "billing.SubscriberCounts", func(ctx context.Context, c *conn) (err error) {
		if !c.info.Implements(adapters.ServiceBilling) {
			return notImplemented("billing.SubscriberCounts", adapters.ServiceBilling)
		}
		out, err = c.billing.SubscriberCounts(ctx, q)
		return err
	})
	return out, err
}

// Profiles returns the profiles of the known customers among ids, in the
// order asked, as [adapters.CRM] does. It answers from the profile cache
// where it can (unknown ids are cached too) and asks the plugin for the
// rest in batches of Config.BatchSize ids. On error it returns no profiles;
// the batches fetched before the error stay cached.
func (p *Plugin) Profiles(ctx context.Context, ids []string) ([]adapters.Profile, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	now := p.cfg.Now()
	var (
		hits    = make(map[string]cacheEntry, len(ids))
		missing []string
		seen    = make(map[string]bool, len(ids))
	)
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if e, ok := p.cache.get(id, now); ok {
			hits[id] = e
		} else {
			missing = append(missing, id)
		}
	}
	p.mu.Lock()
	p.stats.CacheHits += len(hits)
	p.stats.CacheMisses += len(missing)
	p.mu.Unlock()
	for len(missing) > 0 {
		batch := missing[:min(len(missing), p.cfg.BatchSize)]
		missing = missing[len(batch):]
		var got []adapters.Profile
		err := p.do(ctx, "crm.Profiles", func(ctx context.Context, c *conn) (err error) {
			if !c.info.Implements(adapters.ServiceCRM) {
				return notImplemented("crm.Profiles", adapters.ServiceCRM)
			}
			got, err = c.crm.Profiles(ctx, batch)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, pr := range got {
			hits[pr.ID] = cacheEntry{p: pr, found: true}
			p.cache.put(pr.ID, pr, true, now)
		}
		for _, id := range batch {
			if _, ok := hits[id]; !ok {
				hits[id] = cacheEntry{}
				p.cache.put(id, adapters.Profile{}, false, now)
			}
		}
	}
	out := make([]adapters.Profile, 0, len(ids))
	for _, id := range ids {
		if e := hits[id]; e.found {
			out = append(out, e.p)
		}
	}
	return out, nil
}

// Invalidate drops the cached profiles of ids, so the next lookup asks the plugin.
func (p *Plugin) Invalidate(ids ...string) {
	for _, id := range ids {
		p.cache.invalidate(id)
	}
}

// SetFlag calls the plugin's CRM.SetFlag and drops the customer's cached profile.
func (p *Plugin) SetFlag(ctx context.Context, ch adapters.FlagChange) error {
	if err := ch.Validate(); err != nil {
		return err
	}
	defer p.cache.invalidate(ch.CustomerID)
	return p.do(ctx, "crm.SetFlag", func(ctx context.Context, c *conn) error {
		if !c.info.Implements(adapters.ServiceCRM) {
			return notImplemented("crm.SetFlag", adapters.ServiceCRM)
		}
		return c.crm.SetFlag(ctx, ch)
	})
}

// Contacts calls the plugin's CRM.Contacts; see [adapters.CRM].
func (p *Plugin) Contacts(ctx context.Context, q adapters.ContactQuery) ([]adapters.Contact, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []adapters.Contact
	err := p.do(ctx, "crm.Contacts", func(ctx context.Context, c *conn) (err error) {
		if !c.info.Implements(adapters.ServiceCRM) {
			return notImplemented("crm.Contacts", adapters.ServiceCRM)
		}
		out, err = c.crm.Contacts(ctx, q)
		return err
	})
	return out, err
}

// Surveys calls the plugin's CRM.Surveys; see [adapters.CRM].
func (p *Plugin) Surveys(ctx context.Context, q adapters.SurveyQuery) ([]adapters.SurveyResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []adapters.SurveyResult
	err := p.do(ctx, "crm.Surveys", func(ctx context.Context, c *conn) (err error) {
		if !c.info.Implements(adapters.ServiceCRM) {
			return notImplemented("crm.Surveys", adapters.ServiceCRM)
		}
		out, err = c.crm.Surveys(ctx, q)
		return err
	})
	return out, err
}

// Outages calls the plugin's Outages.Outages; see [adapters.Outages].
func (p *Plugin) Outages(ctx context.Context, q adapters.OutageQuery) ([]adapters.Outage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []adapters.Outage
	err := p.do(ctx, "outages.Outages", func(ctx context.Context, c *conn) (err error) {
		if !c.info.Implements(adapters.ServiceOutages) {
			return notImplemented("outages.Outages", adapters.ServiceOutages)
		}
		out, err = c.outages.Outages(ctx, q)
		return err
	})
	return out, err
}

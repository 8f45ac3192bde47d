package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/adapters"
)

const noSuchID = "kesu-conformance-no-such-id"

func wantCode(what string, err error, code adapters.Code) error {
	if err == nil {
		return fmt.Errorf("%s: got no error, want %s", what, code)
	}
	if got := adapters.CodeOf(err); got != code {
		return fmt.Errorf("%s: got code %s (%v), want %s", what, got, err, code)
	}
	return nil
}

func orderedByTime[T any](what string, s []T, at func(T) time.Time) error {
	for i := 1; i < len(s); i++ {
		if at(s[i]).Before(at(s[i-1])) {
			return fmt.Errorf("%s: entry %d is earlier than entry %d; want oldest first", what, i, i-1)
		}
	}
	return nil
}

func needCustomers(o Options) error {
	if len(o.CustomerIDs) == 0 {
		return errSkip("no Options.CustomerIDs")
	}
	return nil
}

func needAccount(o Options) error {
	if o.Account == "" {
		return errSkip("no Options.Account")
	}
	return nil
}

func needRange(o Options) error {
	if o.From.IsZero() || o.To.IsZero() {
		return errSkip("no Options.From/To")
	}
	return nil
}

var checks = []check{
	{"plugin", "info", func(ctx context.Context, c Conn, o Options) error {
		if c.Info.Name == "" {
			return errors.New("plugin reports no name")
		}
		for _, s := range c.Info.Services {
			if s != adapters.ServiceBilling && s != adapters.ServiceCRM && s != adapters.ServiceOutages {
				return fmt.Errorf("unknown service %q", s)
			}
		}
		return nil
	}},

	// CRM
	{adapters.ServiceCRM, "profiles: empty request", func(ctx context.Context, c Conn, o Options) error {
		ps, err := c.CRM.Profiles(ctx, nil)
		if err != nil {
			return err
		}
		if len(ps) != 0 {
			return fmt.Errorf("got %d profiles for no ids", len(ps))
		}
		return nil
	}},
	{adapters.ServiceCRM, "profiles: unknown ids left out", func(ctx context.Context, c Conn, o Options) error {
		ps, err := c.CRM.Profiles(ctx, []string{noSuchID})
		if err != nil {
			return fmt.Errorf("unknown id must not be an error: %w", err)
		}
		if len(ps) != 0 {
			return fmt.Errorf("got %d profiles for an unknown id", len(ps))
		}
		return nil
	}},
	{adapters.ServiceCRM, "profiles: known ids in order", func(ctx context.Context, c Conn, o Options) error {
		if err := needCustomers(o); err != nil {
			return err
		}
		ids := append([]string{noSuchID}, o.CustomerIDs...)
		ps, err := c.CRM.Profiles(ctx, ids)
		if err != nil {
			return err
		}
		if len(ps) != len(o.CustomerIDs) {
			return fmt.Errorf("got %d profiles, want %d", len(ps), len(o.CustomerIDs))
		}
		for i, p := range ps {
			if p.ID != o.CustomerIDs[i] {
				return fmt.Errorf("profile %d is %q, want %q", i, p.ID, o.CustomerIDs[i])
			}
			for _, f := range p.Flags {
				if f.Name == "" {
					return fmt.Errorf("profile %q has a flag without a name", p.ID)
				}
			}
		}
		return nil
	}},
	{adapters.ServiceCRM, "profiles: batch of 1000", func(ctx context.Context, c Conn, o Options) error {
		if err := needCustomers(o); err != nil {
			return err
		}
		ids := make([]string, 1000)
		want := 0
		for i := range ids {
			if i%2 == 0 {
				ids[i] = o.CustomerIDs[i/2%len(o.CustomerIDs)]
				want++
			} else {
				ids[i] = fmt.Sprintf("%s-%d", noSuchID, i)
			}
		}
		ps, err := c.CRM.Profiles(ctx, ids)
		if err != nil {
			return err
		}
		if len(ps) != want {
			return fmt.Errorf("got %d profiles for %d known ids (repeats included)", len(ps), want)
		}
		return nil
	}},
	{adapters.ServiceCRM, "set flag: invalid", func(ctx context.Context, c Conn, o Options) error {
		return wantCode("SetFlag without customer", c.CRM.SetFlag(ctx, adapters.FlagChange{Flag: adapters.FlagVIP, Reason: "x"}), adapters.InvalidArgument)
	}},
	{adapters.ServiceCRM, "set flag: unknown customer", func(ctx context.Context, c Conn, o Options) error {
		if !o.Writes {
			return errSkip("Options.Writes is off")
		}
		return wantCode("SetFlag on unknown customer", c.CRM.SetFlag(ctx, adapters.FlagChange{CustomerID: noSuchID, Flag: adapters.FlagVIP, Reason: "conformance"}), adapters.NotFound)
	}},
	{adapters.ServiceCRM, "set and clear flag", func(ctx context.Context, c Conn, o Options) error {
		if !o.Writes {
			return errSkip("Options.Writes is off")
		}
		if err := needCustomers(o); err != nil {
			return err
		}
		id, flag := o.CustomerIDs[0], "kesu-conformance"
		has := func() (bool, error) {
			ps, err := c.CRM.Profiles(ctx, []string{id})
			if err != nil || len(ps) != 1 {
				return false, fmt.Errorf("read back profile: %d profiles, %v", len(ps), err)
			}
			return ps[0].HasFlag(flag), nil
		}
		if err := c.CRM.SetFlag(ctx, adapters.FlagChange{CustomerID: id, Flag: flag, Reason: "conformance check", By: "adaptertest"}); err != nil {
			return err
		}
		if ok, err := has(); err != nil || !ok {
			return fmt.Errorf("flag not set after SetFlag (%v)", err)
		}
		if err := c.CRM.SetFlag(ctx, adapters.FlagChange{CustomerID: id, Flag: flag, Clear: true, Reason: "conformance check done", By: "adaptertest"}); err != nil {
			return err
		}
		if ok, err := has(); err != nil || ok {
			return fmt.Errorf("flag still set after clearing (%v)", err)
		}
		return nil
	}},
	{adapters.ServiceCRM, "contacts", func(ctx context.Context, c Conn, o Options) error {
		if err := wantCode("Contacts without customer", func() error { _, err := c.CRM.Contacts(ctx, adapters.ContactQuery{}); return err }(), adapters.InvalidArgument); err != nil {
			return err
		}
		if err := wantCode("Contacts of unknown customer", func() error {
			_, err := c.CRM.Contacts(ctx, adapters.ContactQuery{CustomerID: noSuchID})
			return err
		}(), adapters.NotFound); err != nil {
			return err
		}
		for _, id := range o.CustomerIDs {
			all, err := c.CRM.Contacts(ctx, adapters.ContactQuery{CustomerID: id})
			if err != nil {
				return err
			}
			if err := orderedByTime("contacts of "+id, all, func(x adapters.Contact) time.Time { return x.At }); err != nil {
				return err
			}
			if len(all) == 0 {
				continue
			}
			since := all[len(all)-1].At
			late, err := c.CRM.Contacts(ctx, adapters.ContactQuery{CustomerID: id, Since: since})
			if err != nil {
				return err
			}
			for _, x := range late {
				if x.At.Before(since) {
					return fmt.Errorf("contact %s at %s is before since %s", x.ID, x.At, since)
				}
				if x.CustomerID != "" && x.CustomerID != id {
					return fmt.Errorf("contact %s belongs to %q, asked %q", x.ID, x.CustomerID, id)
				}
			}
		}
		return nil
	}},
	{adapters.ServiceCRM, "surveys", func(ctx context.Context, c Conn, o Options) error {
		if err := wantCode("Surveys without customer", func() error { _, err := c.CRM.Surveys(ctx, adapters.SurveyQuery{}); return err }(), adapters.InvalidArgument); err != nil {
			return err
		}
		if err := wantCode("Surveys of unknown customer", func() error {
			_, err := c.CRM.Surveys(ctx, adapters.SurveyQuery{CustomerID: noSuchID})
			return err
		}(), adapters.NotFound); err != nil {
			return err
		}
		for _, id := range o.CustomerIDs {
			rs, err := c.CRM.Surveys(ctx, adapters.SurveyQuery{CustomerID: id})
			if err != nil {
				return err
			}
			if err := orderedByTime("surveys of "+id, rs, func(x adapters.SurveyResult) time.Time { return x.At }); err != nil {
				return err
			}
			for _, r := range rs {
				if r.Score < 0 || r.Score > 5 {
					return fmt.Errorf("survey %s: score %d out of 0..5", r.ID, r.Score)
				}
			}
		}
		return nil
	}},
	{adapters.ServiceCRM, "not implemented", notImplementedCheck(func(ctx context.Context, c Conn) []error {
		_, e1 := c.CRM.Profiles(ctx, []string{noSuchID})
		_, e2 := c.CRM.Contacts(ctx, adapters.ContactQuery{CustomerID: noSuchID})
		_, e3 := c.CRM.Surveys(ctx, adapters.SurveyQuery{CustomerID: noSuchID})
		e4 := c.CRM.SetFlag(ctx, adapters.FlagChange{CustomerID: noSuchID, Flag: "x", Reason: "x"})
		return []error{e1, e2, e3, e4}
	})},

	// Billing
	{adapters.ServiceBilling, "bills", func(ctx context.Context, c Conn, o Options) error {
		if err := wantCode("Bills with bad period", func() error {
			_, err := c.Billing.Bills(ctx, adapters.BillQuery{Account: "x", Period: "2026-13"})
			return err
		}(), adapters.InvalidArgument); err != nil {
			return err
		}
		if err := wantCode("Bills of unknown account", func() error {
			_, err := c.Billing.Bills(ctx, adapters.BillQuery{Account: noSuchID, Period: "2026-01"})
			return err
		}(), adapters.NotFound); err != nil {
			return err
		}
		if err := needAccount(o); err != nil {
			return err
		}
		if o.Period == "" {
			return errSkip("no Options.Period")
		}
		bills, err := c.Billing.Bills(ctx, adapters.BillQuery{Account: o.Account, Period: o.Period})
		if err != nil {
			return err
		}
		if len(bills) == 0 {
			return fmt.Errorf("no bill for %s in %s", o.Account, o.Period)
		}
		for _, b := range bills {
			var sum int64
			for _, l := range b.Lines {
				sum += l.Amount
			}
			if sum != b.Total {
				return fmt.Errorf("bill %s: total %d, lines sum to %d", b.ID, b.Total, sum)
			}
			if b.Account != o.Account || b.Period != o.Period {
				return fmt.Errorf("bill %s is for %s %s, asked %s %s", b.ID, b.Account, b.Period, o.Account, o.Period)
			}
		}
		return nil
	}},
	{adapters.ServiceBilling, "subscriptions and consent", func(ctx context.Context, c Conn, o Options) error {
		if err := wantCode("Subscriptions of unknown account", func() error {
			_, err := c.Billing.Subscriptions(ctx, adapters.SubscriptionQuery{Account: noSuchID})
			return err
		}(), adapters.NotFound); err != nil {
			return err
		}
		if err := needAccount(o); err != nil {
			return err
		}
		active, err := c.Billing.Subscriptions(ctx, adapters.SubscriptionQuery{Account: o.Account})
		if err != nil {
			return err
		}
		all, err := c.Billing.Subscriptions(ctx, adapters.SubscriptionQuery{Account: o.Account, IncludeInactive: true})
		if err != nil {
			return err
		}
		if len(all) < len(active) {
			return fmt.Errorf("IncludeInactive gave %d subscriptions, fewer than the %d active ones", len(all), len(active))
		}
		for _, s := range active {
			if !s.Active {
				return fmt.Errorf("subscription %s is inactive but IncludeInactive was off", s.ID)
			}
		}
		for _, s := range all {
			for _, cr := range s.Consents {
				if !cr.KeptUntil.IsZero() && cr.KeptUntil.Before(cr.At.AddDate(2, 0, 0)) {
					return fmt.Errorf("subscription %s: consent %s kept until %s, less than two years (R9)", s.ID, cr.ID, cr.KeptUntil.Format(time.DateOnly))
				}
			}
		}
		return nil
	}},
	{adapters.ServiceBilling, "adjust: invalid", func(ctx context.Context, c Conn, o Options) error {
		_, err := c.Billing.Adjust(ctx, adapters.Adjustment{Account: "x", Kind: adapters.Credit, Amount: 1})
		return wantCode("Adjust without idempotency key", err, adapters.InvalidArgument)
	}},
	{adapters.ServiceBilling, "adjust: idempotent", func(ctx context.Context, c Conn, o Options) error {
		if !o.Writes {
			return errSkip("Options.Writes is off")
		}
		if err := needAccount(o); err != nil {
			return err
		}
		a := adapters.Adjustment{IdempotencyKey: fmt.Sprintf("kesu-conformance-%d", time.Now().UnixNano()), Account: o.Account,
			Kind: adapters.Credit, Amount: 1, Reason: "conformance check", RequestedBy: "adaptertest"}
		r1, err := c.Billing.Adjust(ctx, a)
		if err != nil {
			return err
		}
		if r1.Replayed {
			return errors.New("first adjustment reported as replayed")
		}
		r2, err := c.Billing.Adjust(ctx, a)
		if err != nil {
			return err
		}
		if !r2.Replayed || r2.ID != r1.ID {
			return fmt.Errorf("repeat with the same key: id %q replayed %v, want id %q replayed true", r2.ID, r2.Replayed, r1.ID)
		}
		return nil
	}},
	{adapters.ServiceBilling, "sanctions", func(ctx context.Context, c Conn, o Options) error {
		if err := wantCode("SuspendPartner without partner", c.Billing.SuspendPartner(ctx, adapters.PartnerSuspension{Until: time.Now(), Reason: "x"}), adapters.InvalidArgument); err != nil {
			return err
		}
		if err := wantCode("TakeCodeOffline without code", c.Billing.TakeCodeOffline(ctx, adapters.CodeOffline{Until: time.Now(), Reason: "x"}), adapters.InvalidArgument); err != nil {
			return err
		}
		if !o.Writes {
			return nil
		}
		until := time.Now().Add(time.Hour)
		if err := c.Billing.SuspendPartner(ctx, adapters.PartnerSuspension{Partner: "KESU-CONFORMANCE", Until: until, Reason: "conformance check"}); err != nil {
			return err
		}
		return c.Billing.TakeCodeOffline(ctx, adapters.CodeOffline{BillingCode: "KESU-CONFORMANCE", Until: until, Reason: "conformance check"})
	}},
	{adapters.ServiceBilling, "subscriber counts", func(ctx context.Context, c Conn, o Options) error {
		now := time.Now()
		if err := wantCode("SubscriberCounts with from after to", func() error {
			_, err := c.Billing.SubscriberCounts(ctx, adapters.SubscriberQuery{From: now, To: now.Add(-time.Hour)})
			return err
		}(), adapters.InvalidArgument); err != nil {
			return err
		}
		if err := needRange(o); err != nil {
			return err
		}
		counts, err := c.Billing.SubscriberCounts(ctx, adapters.SubscriberQuery{Units: o.Units, From: o.From, To: o.To})
		if err != nil {
			return err
		}
		for i, n := range counts {
			if n.Count < 0 || n.Date.Before(o.From) || n.Date.After(o.To) {
				return fmt.Errorf("count %d (%s %s %d) is negative or outside the range", i, n.Unit, n.Date.Format(time.DateOnly), n.Count)
			}
			if i > 0 && (n.Unit < counts[i-1].Unit || n.Unit == counts[i-1].Unit && n.Date.Before(counts[i-1].Date)) {
				return fmt.Errorf("count %d is out of order; want by unit, then date", i)
			}
		}
		return nil
	}},
	{adapters.ServiceBilling, "not implemented", notImplementedCheck(func(ctx context.Context, c Conn) []error {
		_, e1 := c.Billing.Bills(ctx, adapters.BillQuery{Account: noSuchID, Period: "2026-01"})
		_, e2 := c.Billing.Subscriptions(ctx, adapters.SubscriptionQuery{Account: noSuchID})
		_, e3 := c.Billing.Adjust(ctx, adapters.Adjustment{IdempotencyKey: "k", Account: noSuchID, Kind: adapters.Credit, Amount: 1})
		e4 := c.Billing.SuspendPartner(ctx, adapters.PartnerSuspension{Partner: "p", Until: time.Now(), Reason: "r"})
		e5 := c.Billing.TakeCodeOffline(ctx, adapters.CodeOffline{BillingCode: "c", Until: time.Now(), Reason: "r"})
		_, e6 := c.Billing.SubscriberCounts(ctx, adapters.SubscriberQuery{From: time.Now(), To: time.Now()})
		return []error{e1, e2, e3, e4, e5, e6}
	})},

	// Outages
	{adapters.ServiceOutages, "outages", func(ctx context.Context, c Conn, o Options) error {
		now := time.Now()
		if err := wantCode("Outages with from after to", func() error {
			_, err := c.Outages.Outages(ctx, adapters.OutageQuery{From: now, To: now.Add(-time.Hour)})
			return err
		}(), adapters.InvalidArgument); err != nil {
			return err
		}
		if err := needRange(o); err != nil {
			return err
		}
		os, err := c.Outages.Outages(ctx, adapters.OutageQuery{Region: o.Region, From: o.From, To: o.To})
		if err != nil {
			return err
		}
		if err := orderedByTime("outages", os, func(x adapters.Outage) time.Time { return x.Start }); err != nil {
			return err
		}
		for _, x := range os {
			if x.Start.After(o.To) || (!x.End.IsZero() && x.End.Before(o.From)) {
				return fmt.Errorf("outage %s (%s – %s) does not overlap the range", x.ID, x.Start, x.End)
			}
			if x.CustomersNotified > x.CustomersAffected {
				return fmt.Errorf("outage %s: %d notified of %d affected", x.ID, x.CustomersNotified, x.CustomersAffected)
			}
		}
		return nil
	}},
	{adapters.ServiceOutages, "not implemented", notImplementedCheck(func(ctx context.Context, c Conn) []error {
		_, err := c.Outages.Outages(ctx, adapters.OutageQuery{From: time.Now(), To: time.Now()})
		return []error{err}
	})},
}

func notImplementedCheck(calls func(ctx context.Context, c Conn) []error) func(context.Context, Conn, Options) error {
	return func(ctx context.Context, c Conn, o Options) error {
		for i, err := range calls(ctx, c) {
			if !errors.Is(err, adapters.ErrNotImplemented) {
				return fmt.Errorf("method %d of an unserved contract: got %v, want not implemented", i+1, err)
			}
		}
		return nil
	}
}

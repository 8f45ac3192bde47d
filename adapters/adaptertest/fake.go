package adaptertest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kesu-go/kesu/adapters"
)

// Data is the content of a [Fake]: what a small BOSS, CRM and outage system
// know. It decodes from JSON with the field names of the adapters types.
type Data struct {
	// Accounts lists billing accounts beyond those named by bills and subscriptions.
	Accounts         []string                   `json:"accounts,omitempty"`
	Profiles         []adapters.Profile         `json:"profiles,omitempty"`
	Contacts         []adapters.Contact         `json:"contacts,omitempty"`
	Surveys          []adapters.SurveyResult    `json:"surveys,omitempty"`
	Bills            []adapters.Bill            `json:"bills,omitempty"`
	Subscriptions    []adapters.Subscription    `json:"subscriptions,omitempty"`
	SubscriberCounts []adapters.SubscriberCount `json:"subscriber_counts,omitempty"`
	Outages          []adapters.Outage          `json:"outages,omitempty"`
}

// LoadData decodes Data from JSON, refusing unknown fields.
func LoadData(r io.Reader) (Data, error) {
	var d Data
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Data{}, fmt.Errorf("adaptertest: decode data: %w", err)
	}
	return d, nil
}

// AdjustmentRecord is an adjustment a [Fake] applied and its result.
type AdjustmentRecord struct {
	Adjustment adapters.Adjustment       `json:"adjustment"`
	Result     adapters.AdjustmentResult `json:"result"`
}

// Fake is an in-memory billing system, CRM and outage system: it implements
// [adapters.Billing], [adapters.CRM] and [adapters.Outages] over [Data] and
// keeps the effects of writes (flags, adjustments, suspensions, offline
// codes) in memory. It follows every rule of the contracts, so it passes the
// conformance suite. Use [NewFake]; a Fake is safe for concurrent use.
type Fake struct {
	now func() time.Time

	// OnAdjust, if set, is called with each new adjustment before the Fake
	// records it; an error fails the adjustment. Plugins use it to journal
	// adjustments so that idempotency survives a restart. Set it before use.
	OnAdjust func(AdjustmentRecord) error

	mu          sync.Mutex
	profiles    map[string]*adapters.Profile
	accounts    map[string]bool
	data        Data
	adjustments map[string]AdjustmentRecord
	suspensions map[string]adapters.PartnerSuspension
	offline     map[string]adapters.CodeOffline
}

var (
	_ adapters.Billing = (*Fake)(nil)
	_ adapters.CRM     = (*Fake)(nil)
	_ adapters.Outages = (*Fake)(nil)
)

// NewFake returns a Fake holding d (which it takes over; do not change d
// after). now gives the time of writes; nil means time.Now.
func NewFake(d Data, now func() time.Time) *Fake {
	if now == nil {
		now = time.Now
	}
	f := &Fake{
		now: now, data: d,
		profiles:    make(map[string]*adapters.Profile, len(d.Profiles)),
		accounts:    make(map[string]bool),
		adjustments: make(map[string]AdjustmentRecord),
		suspensions: make(map[string]adapters.PartnerSuspension),
		offline:     make(map[string]adapters.CodeOffline),
	}
	for i := range d.Profiles {
		f.profiles[d.Profiles[i].ID] = &d.Profiles[i]
	}
	for _, a := range d.Accounts {
		f.accounts[a] = true
	}
	for _, b := range d.Bills {
		f.accounts[b.Account] = true
	}
	for _, s := range d.Subscriptions {
		f.accounts[s.Account] = true
	}
	sortByTime(d.Contacts, func(c adapters.Contact) time.Time { return c.At })
	sortByTime(d.Surveys, func(s adapters.SurveyResult) time.Time { return s.At })
	sortByTime(d.Outages, func(o adapters.Outage) time.Time { return o.Start })
	slices.SortStableFunc(d.SubscriberCounts, func(a, b adapters.SubscriberCount) int {
		return cmp.Or(strings.Compare(a.Unit, b.Unit), a.Date.Compare(b.Date))
	})
	return f
}

func sortByTime[T any](s []T, at func(T) time.Time) {
	slices.SortStableFunc(s, func(a, b T) int { return at(a).Compare(at(b)) })
}

func notFound(op, format string, args ...any) error {
	return &adapters.Error{Code: adapters.NotFound, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Profiles returns the known profiles among ids, in the order asked.
func (f *Fake) Profiles(ctx context.Context, ids []string) ([]adapters.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]adapters.Profile, 0, len(ids))
	for _, id := range ids {
		if p, ok := f.profiles[id]; ok {
			cp := *p
			cp.Flags = slices.Clone(p.Flags)
			out = append(out, cp)
		}
	}
	return out, nil
}

// SetFlag sets or clears a flag on a known customer.
func (f *Fake) SetFlag(ctx context.Context, c adapters.FlagChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.profiles[c.CustomerID]
	if !ok {
		return notFound("crm.SetFlag", "no customer %q", c.CustomerID)
	}
	p.Flags = slices.DeleteFunc(p.Flags, func(fl adapters.Flag) bool { return fl.Name == c.Flag })
	if !c.Clear {
		p.Flags = append(p.Flags, adapters.Flag{Name: c.Flag, Reason: c.Reason, SetBy: c.By, SetAt: f.now().UTC()})
	}
	p.UpdatedAt = f.now().UTC()
	return nil
}

// Contacts returns the customer's contacts since q.Since, oldest first.
func (f *Fake) Contacts(ctx context.Context, q adapters.ContactQuery) ([]adapters.Contact, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.profiles[q.CustomerID]; !ok {
		return nil, notFound("crm.Contacts", "no customer %q", q.CustomerID)
	}
	var out []adapters.Contact
	for _, c := range f.data.Contacts {
		if c.CustomerID == q.CustomerID && !c.At.Before(q.Since) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Surveys returns the customer's survey results since q.Since, oldest first.
func (f *Fake) Surveys(ctx context.Context, q adapters.SurveyQuery) ([]adapters.SurveyResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.profiles[q.CustomerID]; !ok {
		return nil, notFound("crm.Surveys", "no customer %q", q.CustomerID)
	}
	var out []adapters.SurveyResult
	for _, s := range f.data.Surveys {
		if s.CustomerID == q.CustomerID && !s.At.Before(q.Since) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Bills returns the account's bills for the period.
func (f *Fake) Bills(ctx context.Context, q adapters.BillQuery) ([]adapters.Bill, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.accounts[q.Account] {
		return nil, notFound("billing.Bills", "no account %q", q.Account)
	}
	var out []adapters.Bill
	for _, b := range f.data.Bills {
		if b.Account == q.Account && b.Period == q.Period {
			out = append(out, b)
		}
	}
	return out, nil
}

// Subscriptions returns the account's subscriptions, active ones only unless
// q.IncludeInactive.
func (f *Fake) Subscriptions(ctx context.Context, q adapters.SubscriptionQuery) ([]adapters.Subscription, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.accounts[q.Account] {
		return nil, notFound("billing.Subscriptions", "no account %q", q.Account)
	}
	var out []adapters.Subscription
	for _, s := range f.data.Subscriptions {
		if s.Account == q.Account && (s.Active || q.IncludeInactive) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Adjust applies an adjustment once per idempotency key.
func (f *Fake) Adjust(ctx context.Context, a adapters.Adjustment) (adapters.AdjustmentResult, error) {
	if err := a.Validate(); err != nil {
		return adapters.AdjustmentResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.adjustments[a.IdempotencyKey]; ok {
		if r.Adjustment != a {
			return adapters.AdjustmentResult{}, &adapters.Error{Code: adapters.AlreadyExists, Op: "billing.Adjust",
				Message: fmt.Sprintf("idempotency key %q was used for a different adjustment", a.IdempotencyKey)}
		}
		res := r.Result
		res.Replayed = true
		return res, nil
	}
	if !f.accounts[a.Account] {
		return adapters.AdjustmentResult{}, notFound("billing.Adjust", "no account %q", a.Account)
	}
	rec := AdjustmentRecord{Adjustment: a, Result: adapters.AdjustmentResult{
		ID: fmt.Sprintf("ADJ-%06d", len(f.adjustments)+1), At: f.now().UTC()}}
	if f.OnAdjust != nil {
		if err := f.OnAdjust(rec); err != nil {
			return adapters.AdjustmentResult{}, err
		}
	}
	f.adjustments[a.IdempotencyKey] = rec
	return rec.Result, nil
}

// Restore records adjustments applied earlier (read back from a journal)
// without calling OnAdjust.
func (f *Fake) Restore(recs []AdjustmentRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		f.adjustments[r.Adjustment.IdempotencyKey] = r
	}
}

// Adjustments returns the applied adjustments ordered by id.
func (f *Fake) Adjustments() []AdjustmentRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]AdjustmentRecord, 0, len(f.adjustments))
	for _, r := range f.adjustments {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b AdjustmentRecord) int { return strings.Compare(a.Result.ID, b.Result.ID) })
	return out
}

// SuspendPartner records the suspension, replacing an earlier one.
func (f *Fake) SuspendPartner(ctx context.Context, s adapters.PartnerSuspension) error {
	if err := s.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.suspensions[s.Partner] = s
	return nil
}

// Suspension returns the partner's current suspension, if any.
func (f *Fake) Suspension(partner string) (adapters.PartnerSuspension, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.suspensions[partner]
	return s, ok
}

// TakeCodeOffline records the offline billing code, replacing an earlier record.
func (f *Fake) TakeCodeOffline(ctx context.Context, o adapters.CodeOffline) error {
	if err := o.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offline[o.BillingCode] = o
	return nil
}

// Offline returns the record of an offline billing code, if any.
func (f *Fake) Offline(code string) (adapters.CodeOffline, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.offline[code]
	return o, ok
}

// SubscriberCounts returns the counts of the units (all when none are
// named) with dates in [q.From, q.To].
func (f *Fake) SubscriberCounts(ctx context.Context, q adapters.SubscriberQuery) ([]adapters.SubscriberCount, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []adapters.SubscriberCount
	for _, c := range f.data.SubscriberCounts {
		if (len(q.Units) == 0 || slices.Contains(q.Units, c.Unit)) && !c.Date.Before(q.From) && !c.Date.After(q.To) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Outages returns the outages in q.Region (by region-code prefix) that
// overlap [q.From, q.To]; an outage with no end is still going on.
func (f *Fake) Outages(ctx context.Context, q adapters.OutageQuery) ([]adapters.Outage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []adapters.Outage
	for _, o := range f.data.Outages {
		if !strings.HasPrefix(o.Region, q.Region) || o.Start.After(q.To) || (!o.End.IsZero() && o.End.Before(q.From)) {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

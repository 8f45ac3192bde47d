package adapters

import "context"

// Billing is the contract of a carrier's billing system (BOSS, R31).
// Implementations must be safe for concurrent use. Every method returns an
// *[Error] (or an error wrapping one) on failure; a missing account is
// [NotFound], a malformed request [InvalidArgument].
type Billing interface {
	// Bills returns the account's bills for the period, oldest first.
	Bills(ctx context.Context, q BillQuery) ([]Bill, error)
	// Subscriptions returns the account's value-added subscriptions with
	// their consent records.
	Subscriptions(ctx context.Context, q SubscriptionQuery) ([]Subscription, error)
	// Adjust credits or refunds an account. It applies one idempotency key
	// once: a repeat returns the first result with Replayed set.
	Adjust(ctx context.Context, a Adjustment) (AdjustmentResult, error)
	// SuspendPartner suspends a partner's business until s.Until. Repeating
	// it replaces the end time.
	SuspendPartner(ctx context.Context, s PartnerSuspension) error
	// TakeCodeOffline takes a billing code offline until o.Until. Repeating
	// it replaces the end time.
	TakeCodeOffline(ctx context.Context, o CodeOffline) error
	// SubscriberCounts returns subscriber counts per unit and date, ordered
	// by unit, then date.
	SubscriberCounts(ctx context.Context, q SubscriberQuery) ([]SubscriberCount, error)
}

// CRM is the contract of a CRM and call-centre system (R32).
// Implementations must be safe for concurrent use.
type CRM interface {
	// Profiles returns the profiles of the given customers in one call, in
	// the order asked. Unknown ids are left out; they are not an error.
	Profiles(ctx context.Context, ids []string) ([]Profile, error)
	// SetFlag sets or clears a flag on a customer. An unknown customer is [NotFound].
	SetFlag(ctx context.Context, c FlagChange) error
	// Contacts returns the customer's contacts on every channel since
	// q.Since, oldest first. An unknown customer is [NotFound].
	Contacts(ctx context.Context, q ContactQuery) ([]Contact, error)
	// Surveys returns the customer's satisfaction survey results since
	// q.Since, oldest first. An unknown customer is [NotFound].
	Surveys(ctx context.Context, q SurveyQuery) ([]SurveyResult, error)
}

// Outages is the contract of an outage and network-monitoring system (R33).
// Implementations must be safe for concurrent use.
type Outages interface {
	// Outages returns the outages in q.Region (and below) that overlap
	// [q.From, q.To], ordered by start time.
	Outages(ctx context.Context, q OutageQuery) ([]Outage, error)
}

// UnimplementedBilling implements [Billing] with every method returning an
// error with code [NotImplemented]. Embed it to implement part of the
// contract and to keep compiling when methods are added.
type UnimplementedBilling struct{}

func notImpl(op string) error {
	return &Error{Code: NotImplemented, Op: op, Message: "not implemented by this plugin"}
}

// Bills returns a [NotImplemented] error.
func (UnimplementedBilling) Bills(context.Context, BillQuery) ([]Bill, error) {
	return nil, notImpl("billing.Bills")
}

// Subscriptions returns a [NotImplemented] error.
func (UnimplementedBilling) Subscriptions(context.Context, SubscriptionQuery) ([]Subscription, error) {
	return nil, notImpl("billing.Subscriptions")
}

// Adjust returns a [NotImplemented] error.
func (UnimplementedBilling) Adjust(context.Context, Adjustment) (AdjustmentResult, error) {
	return AdjustmentResult{}, notImpl("billing.Adjust")
}

// SuspendPartner returns a [NotImplemented] error.
func (UnimplementedBilling) SuspendPartner(context.Context, PartnerSuspension) error {
	return notImpl("billing.SuspendPartner")
}

// TakeCodeOffline returns a [NotImplemented] error.
func (UnimplementedBilling) TakeCodeOffline(context.Context, CodeOffline) error {
	return notImpl("billing.TakeCodeOffline")
}

// SubscriberCounts returns a [NotImplemented] error.
func (UnimplementedBilling) SubscriberCounts(context.Context, SubscriberQuery) ([]SubscriberCount, error) {
	return nil, notImpl("billing.SubscriberCounts")
}

// UnimplementedCRM implements [CRM] with every method returning an error
// with code [NotImplemented].
type UnimplementedCRM struct{}

// Profiles returns a [NotImplemented] error.
func (UnimplementedCRM) Profiles(context.Context, []string) ([]Profile, error) {
	return nil, notImpl("crm.Profiles")
}

// SetFlag returns a [NotImplemented] error.
func (UnimplementedCRM) SetFlag(context.Context, FlagChange) error {
	return notImpl("crm.SetFlag")
}

// Contacts returns a [NotImplemented] error.
func (UnimplementedCRM) Contacts(context.Context, ContactQuery) ([]Contact, error) {
	return nil, notImpl("crm.Contacts")
}

// Surveys returns a [NotImplemented] error.
func (UnimplementedCRM) Surveys(context.Context, SurveyQuery) ([]SurveyResult, error) {
	return nil, notImpl("crm.Surveys")
}

// UnimplementedOutages implements [Outages] returning a [NotImplemented] error.
type UnimplementedOutages struct{}

// Outages returns a [NotImplemented] error.
func (UnimplementedOutages) Outages(context.Context, OutageQuery) ([]Outage, error) {
	return nil, notImpl("outages.Outages")
}

var (
	_ Billing = UnimplementedBilling{}
	_ CRM     = UnimplementedCRM{}
	_ Outages = UnimplementedOutages{}
)

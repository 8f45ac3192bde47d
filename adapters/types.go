package adapters

import "time"

// Amounts of money in this package are int64 counts of the currency's
// smallest unit (fen for CNY): 1234 is 12.34 yuan.

// Flag names a plugin and kesu agree on (DOMAIN.md R7). A CRM may use other
// names too; kesu passes them through.
const (
	FlagVIP                     = "vip"
	FlagProfessionalComplainant = "professional-complainant"
	FlagSensitive               = "sensitive"
	FlagImportantUser           = "important-user"
	FlagPriorEscalation         = "prior-escalation"
	FlagRepeatCaller            = "repeat-caller"
	FlagEnterpriseSupervision   = FlagProfessionalComplainant
)

// Profile is a customer as the CRM knows it. The zero value is an empty
// profile with no flags.
type Profile struct {
	// ID is the customer id, the key of Profiles lookups.
	ID string `json:"id"`
	// Name is the customer's display name.
	Name string `json:"name,omitempty"`
	// Phone is the service number or contact number.
	Phone string `json:"phone,omitempty"`
	// Region is the region code of the customer's smallest unit (branch or
	// supply station).
	Region string `json:"region,omitempty"`
	// Tier is the customer's tier, such as "gold" or "vip".
	Tier string `json:"tier,omitempty"`
	// Flags are the flags set on the customer.
	Flags []Flag `json:"flags,omitempty"`
	// PriorEscalations counts the customer's earlier escalations to a regulator.
	PriorEscalations int `json:"prior_escalations,omitempty"`
	// Owner is the named owner (包保) of a professional complainant, if any.
	Owner string `json:"owner,omitempty"`
	// UpdatedAt is when the CRM last changed the profile.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// HasFlag reports whether the profile carries the named flag.
func (p Profile) HasFlag(name string) bool {
	for _, f := range p.Flags {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Flag is one flag on a customer, such as [FlagProfessionalComplainant].
type Flag struct {
	// Name is the flag's name.
	Name string `json:"name"`
	// Reason says why it was set.
	Reason string `json:"reason,omitempty"`
	// SetBy names who set it.
	SetBy string `json:"set_by,omitempty"`
	// SetAt is when it was set.
	SetAt time.Time `json:"set_at,omitzero"`
}

// FlagChange asks the CRM to set or clear a flag on a customer.
type FlagChange struct {
	// CustomerID is the customer; required.
	CustomerID string `json:"customer_id"`
	// Flag is the flag's name; required.
	Flag string `json:"flag"`
	// Clear clears the flag instead of setting it.
	Clear bool `json:"clear,omitempty"`
	// Reason says why; required.
	Reason string `json:"reason"`
	// By names the person or process making the change.
	By string `json:"by,omitempty"`
}

// ContactQuery selects a customer's contact history.
type ContactQuery struct {
	// CustomerID is the customer; required.
	CustomerID string `json:"customer_id"`
	// Since is the earliest contact time to return; zero means all.
	Since time.Time `json:"since,omitzero"`
}

// Contact is one contact of a customer with the carrier on any channel
// (hotline call, app, store visit, ...).
type Contact struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	Channel    string    `json:"channel"`
	At         time.Time `json:"at"`
	Summary    string    `json:"summary,omitempty"`
	Agent      string    `json:"agent,omitempty"`
	TicketID   string    `json:"ticket_id,omitempty"`
}

// SurveyQuery selects a customer's satisfaction survey results.
type SurveyQuery struct {
	// CustomerID is the customer; required.
	CustomerID string `json:"customer_id"`
	// Since is the earliest survey time to return; zero means all.
	Since time.Time `json:"since,omitzero"`
}

// SurveyResult is one satisfaction survey (return visit, 回访) answer.
type SurveyResult struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	TicketID   string    `json:"ticket_id,omitempty"`
	At         time.Time `json:"at"`
	Satisfied  bool      `json:"satisfied"`
	// Score is the score given, 1 (worst) to 5 (best), or 0 if none.
	Score   int    `json:"score,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// BillQuery selects an account's bills for one billing period.
type BillQuery struct {
	// Account is the billing account; required.
	Account string `json:"account"`
	// Period is the billing period as "2006-01"; required.
	Period string `json:"period"`
}

// Bill is an account's bill for one period. Total equals the sum of the
// lines' amounts.
type Bill struct {
	ID       string       `json:"id"`
	Account  string       `json:"account"`
	Period   string       `json:"period"`
	Total    int64        `json:"total"`
	Lines    []ChargeLine `json:"lines,omitempty"`
	IssuedAt time.Time    `json:"issued_at,omitzero"`
}

// ChargeLine is one charge on a bill. Value-added services carry the partner
// (SP) code and the billing code the charge was made under.
type ChargeLine struct {
	ID          string    `json:"id"`
	Description string    `json:"description,omitempty"`
	Amount      int64     `json:"amount"`
	BillingCode string    `json:"billing_code,omitempty"`
	Partner     string    `json:"partner,omitempty"`
	Product     string    `json:"product,omitempty"`
	At          time.Time `json:"at,omitzero"`
}

// SubscriptionQuery selects an account's value-added subscriptions.
type SubscriptionQuery struct {
	// Account is the billing account; required.
	Account string `json:"account"`
	// IncludeInactive also returns ended subscriptions.
	IncludeInactive bool `json:"include_inactive,omitempty"`
}

// Subscription is a value-added service (VAS) an account is subscribed to,
// with the consent records that prove the customer agreed (R9, R29).
type Subscription struct {
	ID          string          `json:"id"`
	Account     string          `json:"account"`
	Product     string          `json:"product"`
	Partner     string          `json:"partner,omitempty"`
	BillingCode string          `json:"billing_code,omitempty"`
	Channel     string          `json:"channel,omitempty"`
	MonthlyFee  int64           `json:"monthly_fee,omitempty"`
	Start       time.Time       `json:"start"`
	End         time.Time       `json:"end,omitzero"`
	Active      bool            `json:"active"`
	Consents    []ConsentRecord `json:"consents,omitempty"`
}

// ConsentRecord is the evidence that a customer agreed to a sale: a recording
// or a confirmation, kept at least two years (R9).
type ConsentRecord struct {
	ID           string    `json:"id"`
	Channel      string    `json:"channel"`
	At           time.Time `json:"at"`
	RecordingRef string    `json:"recording_ref,omitempty"`
	KeptUntil    time.Time `json:"kept_until,omitzero"`
}

// AdjustmentKind says whether an adjustment credits the account or refunds money.
type AdjustmentKind uint8

// The adjustment kinds.
const (
	// Credit credits the amount to the account balance.
	Credit AdjustmentKind = iota + 1
	// Refund pays the amount back to the customer.
	Refund
)

// String returns "credit", "refund" or "unspecified".
func (k AdjustmentKind) String() string {
	switch k {
	case Credit:
		return "credit"
	case Refund:
		return "refund"
	}
	return "unspecified"
}

// Adjustment asks the billing system to credit or refund an account. The
// IdempotencyKey makes it safe to retry: the billing system applies one key
// once and answers a repeat with the first result.
type Adjustment struct {
	// IdempotencyKey identifies the adjustment; required.
	IdempotencyKey string `json:"idempotency_key"`
	// Account is the billing account; required.
	Account string `json:"account"`
	// Kind is Credit or Refund; required.
	Kind AdjustmentKind `json:"kind"`
	// Amount is positive, in the smallest currency unit; required.
	Amount int64 `json:"amount"`
	// BillingCode is the charge being adjusted, if any.
	BillingCode string `json:"billing_code,omitempty"`
	// Reason says why.
	Reason string `json:"reason,omitempty"`
	// TicketID is the complaint ticket behind the adjustment.
	TicketID string `json:"ticket_id,omitempty"`
	// RequestedBy names the agent or process.
	RequestedBy string `json:"requested_by,omitempty"`
}

// AdjustmentResult is the billing system's record of an applied adjustment.
type AdjustmentResult struct {
	// ID is the billing system's id for the adjustment.
	ID string `json:"id"`
	// At is when it was applied.
	At time.Time `json:"at"`
	// Replayed is true when the idempotency key had been applied before and
	// this is the first result again.
	Replayed bool `json:"replayed,omitempty"`
}

// PartnerSuspension suspends a value-added partner's (SP's) business until a
// time (R27).
type PartnerSuspension struct {
	// Partner is the partner code; required.
	Partner string `json:"partner"`
	// Until is when the suspension ends; required.
	Until time.Time `json:"until"`
	// Reason says why; required.
	Reason string `json:"reason"`
	// Reference points at the decision, such as a warning or problem id.
	Reference string `json:"reference,omitempty"`
}

// CodeOffline takes a billing code offline until a time (R27).
type CodeOffline struct {
	// BillingCode is the code; required.
	BillingCode string `json:"billing_code"`
	// Partner is the partner the code belongs to, if known.
	Partner string `json:"partner,omitempty"`
	// Until is when the code may come back; required.
	Until time.Time `json:"until"`
	// Reason says why; required.
	Reason string `json:"reason"`
	// Reference points at the decision, such as a warning or problem id.
	Reference string `json:"reference,omitempty"`
}

// SubscriberQuery selects subscriber counts for units over a date range
// (inclusive), for the per-10,000-customers KPIs.
type SubscriberQuery struct {
	// Units are the region or unit codes; empty means every unit.
	Units []string `json:"units,omitempty"`
	// From and To bound the dates, inclusive; From must not be after To.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// SubscriberCount is the number of subscribers of a unit on a date.
type SubscriberCount struct {
	Unit  string    `json:"unit"`
	Date  time.Time `json:"date"`
	Count int64     `json:"count"`
}

// OutageQuery selects outages in a region that overlap a time range.
type OutageQuery struct {
	// Region is a region code; outages in it and below it match. Empty means all.
	Region string `json:"region,omitempty"`
	// From and To bound the range; an outage overlapping it matches. From
	// must not be after To.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Outage is a power or network outage: where, when, planned or not, and who
// was affected and told (R19, R33).
type Outage struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	// Area describes the affected area (lines, streets, cells).
	Area  string    `json:"area,omitempty"`
	Start time.Time `json:"start"`
	// End is zero while the outage goes on.
	End     time.Time `json:"end,omitzero"`
	Planned bool      `json:"planned"`
	// CustomersAffected and CustomersNotified count customers; notified ones
	// were told in advance (停电通知到位率 = notified / affected).
	CustomersAffected int64 `json:"customers_affected"`
	CustomersNotified int64 `json:"customers_notified"`
	// ImportantUsers are the ids of important users (hospitals, ...) affected.
	ImportantUsers []string `json:"important_users,omitempty"`
	Cause          string   `json:"cause,omitempty"`
}

// Info describes a plugin: its name, version and the contracts it implements.
type Info struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Services lists the implemented contracts among [ServiceBilling],
	// [ServiceCRM] and [ServiceOutages].
	Services []string `json:"services"`
}

// Implements reports whether the plugin serves the named contract.
func (i Info) Implements(service string) bool {
	for _, s := range i.Services {
		if s == service {
			return true
		}
	}
	return false
}

// The contract names used in [Info.Services] and as go-plugin plugin names.
const (
	ServiceBilling = "billing"
	ServiceCRM     = "crm"
	ServiceOutages = "outages"
)

package adapters

import "time"

func invalid(op, format string, args ...any) error {
	e := Errorf(InvalidArgument, format, args...).(*Error)
	e.Op = op
	return e
}

// Validate reports an [InvalidArgument] error naming the field when the query
// lacks the account or the period is not "2006-01".
func (q BillQuery) Validate() error {
	if q.Account == "" {
		return invalid("billing.Bills", "account is required")
	}
	if _, err := time.Parse("2006-01", q.Period); err != nil || len(q.Period) != 7 {
		return invalid("billing.Bills", "period %q is not YYYY-MM", q.Period)
	}
	return nil
}

// Validate reports an [InvalidArgument] error when the account is missing.
func (q SubscriptionQuery) Validate() error {
	if q.Account == "" {
		return invalid("billing.Subscriptions", "account is required")
	}
	return nil
}

// Validate reports an [InvalidArgument] error naming the first missing or
// malformed field.
func (a Adjustment) Validate() error {
	switch {
	case a.IdempotencyKey == "":
		return invalid("billing.Adjust", "idempotency_key is required")
	case a.Account == "":
		return invalid("billing.Adjust", "account is required")
	case a.Kind != Credit && a.Kind != Refund:
		return invalid("billing.Adjust", "kind must be credit or refund")
	case a.Amount <= 0:
		return invalid("billing.Adjust", "amount must be positive, got %d", a.Amount)
	}
	return nil
}

// Validate reports an [InvalidArgument] error naming the first missing field.
func (s PartnerSuspension) Validate() error {
	switch {
	case s.Partner == "":
		return invalid("billing.SuspendPartner", "partner is required")
	case s.Until.IsZero():
		return invalid("billing.SuspendPartner", "until is required")
	case s.Reason == "":
		return invalid("billing.SuspendPartner", "reason is required")
	}
	return nil
}

// Validate reports an [InvalidArgument] error naming the first missing field.
func (o CodeOffline) Validate() error {
	switch {
	case o.BillingCode == "":
		return invalid("billing.TakeCodeOffline", "billing_code is required")
	case o.Until.IsZero():
		return invalid("billing.TakeCodeOffline", "until is required")
	case o.Reason == "":
		return invalid("billing.TakeCodeOffline", "reason is required")
	}
	return nil
}

// Validate reports an [InvalidArgument] error when the range is missing or
// From is after To.
func (q SubscriberQuery) Validate() error {
	if q.From.IsZero() || q.To.IsZero() {
		return invalid("billing.SubscriberCounts", "from and to are required")
	}
	if q.From.After(q.To) {
		return invalid("billing.SubscriberCounts", "from %s is after to %s", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
	}
	return nil
}

// Validate reports an [InvalidArgument] error naming the first missing field.
func (c FlagChange) Validate() error {
	switch {
	case c.CustomerID == "":
		return invalid("crm.SetFlag", "customer_id is required")
	case c.Flag == "":
		return invalid("crm.SetFlag", "flag is required")
	case c.Reason == "":
		return invalid("crm.SetFlag", "reason is required")
	}
	return nil
}

// Validate reports an [InvalidArgument] error when the customer is missing.
func (q ContactQuery) Validate() error {
	if q.CustomerID == "" {
		return invalid("crm.Contacts", "customer_id is required")
	}
	return nil
}

// Validate reports an [InvalidArgument] error when the customer is missing.
func (q SurveyQuery) Validate() error {
	if q.CustomerID == "" {
		return invalid("crm.Surveys", "customer_id is required")
	}
	return nil
}

// Validate reports an [InvalidArgument] error when the range is missing or
// From is after To.
func (q OutageQuery) Validate() error {
	if q.From.IsZero() || q.To.IsZero() {
		return invalid("outages.Outages", "from and to are required")
	}
	if q.From.After(q.To) {
		return invalid("outages.Outages", "from is after to")
	}
	return nil
}

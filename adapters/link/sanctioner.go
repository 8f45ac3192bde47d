package link

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/scoring"
)

// Indefinitely is the end time sent to the billing system for a sanction
// scoring decided without an end (a zero until): the Billing contract needs
// one, so "until further notice" becomes the last day of year 9999.
var Indefinitely = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// BillingSanctioner carries out scoring.Sanctions decisions through an
// adapters.Billing (R27). Build it with Sanctioner. It keeps no state and is
// safe for concurrent use when the Billing is.
type BillingSanctioner struct {
	b adapters.Billing
}

var _ scoring.Sanctioner = (*BillingSanctioner)(nil)

// Sanctioner returns the scoring.Sanctioner that suspends partners with
// Billing.SuspendPartner and takes billing codes offline with
// Billing.TakeCodeOffline, keeping the decision's reason.
func Sanctioner(b adapters.Billing) *BillingSanctioner {
	return &BillingSanctioner{b: b}
}

// SuspendPartner suspends the partner until until (Indefinitely when zero).
// The reason is passed on unchanged; when it starts with the decision id as
// scoring.Sanctions writes it ("SP-7001#1: ..."), the id is also sent as the
// suspension's Reference. The error wraps the adapter's, so
// adapters.IsRetryable and errors.Is with the adapters sentinels still tell a
// billing system that is down (retry) from a refused request (will not help);
// scoring.Sanctions retries both with backoff and logs the error.
func (s *BillingSanctioner) SuspendPartner(ctx context.Context, partner string, until time.Time, reason string) error {
	err := s.b.SuspendPartner(ctx, adapters.PartnerSuspension{
		Partner: partner, Until: endOf(until), Reason: reason, Reference: reference(reason),
	})
	if err != nil {
		return fmt.Errorf("link: suspend partner %s: %w", partner, err)
	}
	return nil
}

// OfflineBillingCode takes the billing code offline until until
// (Indefinitely when zero), as SuspendPartner does for a partner.
func (s *BillingSanctioner) OfflineBillingCode(ctx context.Context, code string, until time.Time, reason string) error {
	err := s.b.TakeCodeOffline(ctx, adapters.CodeOffline{
		BillingCode: code, Until: endOf(until), Reason: reason, Reference: reference(reason),
	})
	if err != nil {
		return fmt.Errorf("link: take billing code %s offline: %w", code, err)
	}
	return nil
}

func endOf(until time.Time) time.Time {
	if until.IsZero() {
		return Indefinitely
	}
	return until
}

// reference returns the decision id at the head of a reason written as
// "<id>: <text>", or "".
func reference(reason string) string {
	id, _, ok := strings.Cut(reason, ": ")
	if !ok || id == "" || strings.ContainsAny(id, " \t\n") {
		return ""
	}
	return id
}

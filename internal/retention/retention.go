// Package retention holds the personal-data retention policy (DOMAIN.md R9)
// shared by the durable stores: which closed tickets and journal records are
// due, how their personal data is masked, and what a run reports. The stores
// (sqlite, postgres) apply it in their Retain methods and re-export Policy
// and Report under their own names.
//
// Masking keeps the event log foldable: a masked field that held something
// becomes Masked ("***"), so every event still validates, a ticket is still
// the fold of its events, and projections rebuilt from the log still count
// the ticket; only the person behind it is gone.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// Masked replaces a non-empty personal field (customer id, subscriber
// number, text).
const Masked = "***"

// MinConsentYears is the shortest time consent records are kept (R9: at
// least two years).
const MinConsentYears = 2

// Policy says what Retain masks. The zero value is invalid: Years must be
// at least 1. A Policy is a value; it is safe to share between goroutines.
type Policy struct {
	// Years: tickets closed more than this many years before now have their
	// personal data (customer id, subscriber number, texts) masked.
	Years int `yaml:"years"`
	// ConsentTags: a ticket carrying any of these tags holds a consent
	// record (a recorded sales confirmation, R9, R29). It is kept for
	// max(Years, ConsentYears) years after closing.
	ConsentTags []string `yaml:"consent_tags"`
	// ConsentYears is how long consent records are kept; values below
	// MinConsentYears (including 0) mean MinConsentYears.
	ConsentYears int `yaml:"consent_years"`
	// RecordTypes are journal record types whose Data holds personal data:
	// the Data of such a record older than Years is removed.
	RecordTypes []string `yaml:"record_types"`
	// ConsentRecordTypes are journal record types that are consent records:
	// their Data is removed only after max(Years, ConsentYears) years.
	ConsentRecordTypes []string `yaml:"consent_record_types"`
}

// Validate reports a *complaint.ValidationError naming the bad field, or nil.
func (p *Policy) Validate() error {
	v := new(complaint.ValidationError)
	if p.Years < 1 {
		v.Add("retention.years", "must be at least 1, got %d", p.Years)
	}
	if p.ConsentYears < 0 {
		v.Add("retention.consent_years", "must not be negative, got %d", p.ConsentYears)
	}
	for i, s := range p.ConsentTags {
		if s == "" {
			v.Add(fmt.Sprintf("retention.consent_tags[%d]", i), "empty")
		}
	}
	for i, s := range p.RecordTypes {
		if s == "" {
			v.Add(fmt.Sprintf("retention.record_types[%d]", i), "empty")
		}
	}
	for i, s := range p.ConsentRecordTypes {
		if s == "" {
			v.Add(fmt.Sprintf("retention.consent_record_types[%d]", i), "empty")
		}
	}
	return v.Err()
}

// Cutoffs returns the closing time before which ordinary tickets are due
// and the one before which consent tickets are due, both relative to now.
func (p *Policy) Cutoffs(now time.Time) (cutoff, consent time.Time) {
	cy := max(p.ConsentYears, MinConsentYears, p.Years)
	return now.AddDate(-p.Years, 0, 0), now.AddDate(-cy, 0, 0)
}

// Consent reports whether t holds a consent record (carries a ConsentTags tag).
func (p *Policy) Consent(t *complaint.Ticket) bool {
	for _, name := range p.ConsentTags {
		if t.HasTag(name) {
			return true
		}
	}
	return false
}

// Due reports whether t's personal data is due for masking at now: t is
// closed, not yet masked, and closed before the cutoff that applies to it.
// kept is true when t is a consent ticket that would be due but for the
// longer consent period.
func (p *Policy) Due(t *complaint.Ticket, now time.Time) (due, kept bool) {
	if t.Status != complaint.StatusClosed || t.ClosedAt.IsZero() || IsMasked(t) {
		return false, false
	}
	cutoff, consent := p.Cutoffs(now)
	if !t.ClosedAt.Before(cutoff) {
		return false, false
	}
	if p.Consent(t) && !t.ClosedAt.Before(consent) {
		return false, true
	}
	return true, false
}

// RecordDue reports whether the Data of journal record r is due for
// removal at now.
func (p *Policy) RecordDue(r *complaint.Record, now time.Time) bool {
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return false
	}
	cutoff, consent := p.Cutoffs(now)
	switch {
	case slices.Contains(p.ConsentRecordTypes, r.Type):
		return r.At.Before(consent)
	case slices.Contains(p.RecordTypes, r.Type):
		return r.At.Before(cutoff)
	}
	return false
}

// RecordTypesDue returns the record types Retain must look at, sorted.
func (p *Policy) RecordTypesDue() []string {
	out := slices.Concat(p.RecordTypes, p.ConsentRecordTypes)
	slices.Sort(out)
	return slices.Compact(out)
}

// IsMasked reports whether t's personal data has been masked already.
func IsMasked(t *complaint.Ticket) bool {
	return (t.Customer == "" || t.Customer == Masked) &&
		(t.Subscriber == "" || t.Subscriber == Masked) &&
		(t.Text == "" || t.Text == Masked) &&
		(t.Customer != "" || t.Subscriber != "" || t.Text != "")
}

func mask(s *string) {
	if *s != "" {
		*s = Masked
	}
}

// MaskTicket masks the personal fields of a ticket snapshot in place.
func MaskTicket(t *complaint.Ticket) {
	mask(&t.Customer)
	mask(&t.Subscriber)
	mask(&t.Text)
}

// MaskEvent masks the personal fields of an event in place: its text, the
// intake's customer, subscriber and text, and a customer actor's id. It
// reports whether anything changed.
func MaskEvent(e *complaint.Event) bool {
	changed := false
	m := func(s *string) {
		if *s != "" && *s != Masked {
			*s = Masked
			changed = true
		}
	}
	m(&e.Text)
	if e.Intake != nil {
		m(&e.Intake.Customer)
		m(&e.Intake.Subscriber)
		m(&e.Intake.Text)
	}
	if e.Actor.Kind == complaint.ActorCustomer {
		m(&e.Actor.ID)
	}
	return changed
}

// Report says what one Retain run did.
type Report struct {
	// Cutoff and ConsentCutoff are the closing times before which ordinary
	// and consent tickets were due.
	Cutoff, ConsentCutoff time.Time
	// Masked lists the tickets whose personal data was masked, by id.
	Masked []string
	// Events is how many events were rewritten.
	Events int
	// Kept lists consent tickets past Cutoff kept until ConsentCutoff, by id.
	Kept []string
	// Records is how many journal records had their Data removed.
	Records int
}

// Log writes the report to l: one line per masked ticket (the audit trail
// of the operation) and a summary. A nil l logs nothing.
func (r *Report) Log(ctx context.Context, l *slog.Logger, store string) {
	if l == nil {
		return
	}
	for _, id := range r.Masked {
		l.InfoContext(ctx, store+": retention: masked personal data", "ticket", id)
	}
	l.InfoContext(ctx, store+": retention done", "cutoff", r.Cutoff, "consent_cutoff", r.ConsentCutoff,
		"tickets", len(r.Masked), "events", r.Events, "consent_kept", len(r.Kept), "records", r.Records)
}

// Store is what Run needs of a durable store; each store implements it
// with its own SQL (on an unexported adapter).
type Store interface {
	// DueTickets returns the ids, sorted, of the tickets closed before
	// cutoff and not masked yet.
	DueTickets(ctx context.Context, cutoff time.Time) ([]string, error)
	// RetainTicket masks ticket id if p says it is due at now, in one
	// transaction. events is how many events were rewritten, or -1 when
	// the ticket was not masked; kept reports a consent ticket kept for
	// the longer consent period.
	RetainTicket(ctx context.Context, p *Policy, id string, now time.Time) (events int, kept bool, err error)
	// RetainRecords removes the Data of the journal records of the given
	// types that p says is due at now and returns how many it changed.
	RetainRecords(ctx context.Context, p *Policy, types []string, now time.Time) (int, error)
}

// Run is a store's Retain: it validates policy (a *complaint.ValidationError
// when invalid), masks every due ticket through s, removes the due journal
// record data and returns the report. It logs each masked ticket, the
// records changed and a summary to l (nil: no logs), prefixed with name,
// also when it stops at an error; the report then says what was done.
func Run(ctx context.Context, s Store, policy Policy, now time.Time, l *slog.Logger, name string) (Report, error) {
	var rep Report
	if err := policy.Validate(); err != nil {
		return rep, err
	}
	rep.Cutoff, rep.ConsentCutoff = policy.Cutoffs(now)
	ids, err := s.DueTickets(ctx, rep.Cutoff)
	if err != nil {
		return rep, err
	}
	for _, id := range ids {
		n, kept, err := s.RetainTicket(ctx, &policy, id, now)
		if err != nil {
			rep.Log(ctx, l, name)
			return rep, err
		}
		switch {
		case kept:
			rep.Kept = append(rep.Kept, id)
		case n >= 0:
			rep.Masked = append(rep.Masked, id)
			rep.Events += n
		}
	}
	if types := policy.RecordTypesDue(); len(types) > 0 {
		n, err := s.RetainRecords(ctx, &policy, types, now)
		rep.Records = n
		if err != nil {
			rep.Log(ctx, l, name)
			return rep, err
		}
		if n > 0 && l != nil {
			l.InfoContext(ctx, name+": retention: removed record data", "records", n, "types", types)
		}
	}
	rep.Log(ctx, l, name)
	return rep, nil
}

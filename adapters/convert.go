package adapters

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kesu-go/kesu/adapters/internal/pb"
)

// Conversions between the contract types and the generated protobuf
// messages. Encoding cannot fail; decoding checks what protobuf cannot (valid
// timestamps, non-negative counts) and reports the first problem, so that a
// garbage answer becomes an [Internal] error instead of bad data.

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// decoder remembers the first decoding error.
type decoder struct{ err error }

func (d *decoder) time(field string, p *timestamppb.Timestamp) time.Time {
	if p == nil {
		return time.Time{}
	}
	if err := p.CheckValid(); err != nil {
		d.fail("%s: %v", field, err)
		return time.Time{}
	}
	return p.AsTime()
}

func (d *decoder) nonNeg(field string, v int64) int64 {
	if v < 0 {
		d.fail("%s: negative value %d", field, v)
	}
	return v
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

// --- CRM ---

func profileToPB(p *Profile) *pb.Profile {
	m := &pb.Profile{
		Id: p.ID, Name: p.Name, Phone: p.Phone, Region: p.Region, Tier: p.Tier,
		PriorEscalations: int32(p.PriorEscalations), Owner: p.Owner, UpdatedAt: ts(p.UpdatedAt),
	}
	if len(p.Flags) > 0 {
		m.Flags = make([]*pb.Flag, len(p.Flags))
		for i := range p.Flags {
			f := &p.Flags[i]
			m.Flags[i] = &pb.Flag{Name: f.Name, Reason: f.Reason, SetBy: f.SetBy, SetAt: ts(f.SetAt)}
		}
	}
	return m
}

func (d *decoder) profile(m *pb.Profile) Profile {
	if m == nil {
		d.fail("profile: nil entry")
		return Profile{}
	}
	if m.GetId() == "" {
		d.fail("profile: empty id")
	}
	if m.GetPriorEscalations() < 0 {
		d.fail("profile %s: negative prior_escalations", m.GetId())
	}
	p := Profile{
		ID: m.GetId(), Name: m.GetName(), Phone: m.GetPhone(), Region: m.GetRegion(), Tier: m.GetTier(),
		PriorEscalations: int(m.GetPriorEscalations()), Owner: m.GetOwner(),
		UpdatedAt: d.time("profile.updated_at", m.GetUpdatedAt()),
	}
	if fs := m.GetFlags(); len(fs) > 0 {
		p.Flags = make([]Flag, len(fs))
		for i, f := range fs {
			if f.GetName() == "" {
				d.fail("profile %s: flag without a name", m.GetId())
			}
			p.Flags[i] = Flag{Name: f.GetName(), Reason: f.GetReason(), SetBy: f.GetSetBy(), SetAt: d.time("flag.set_at", f.GetSetAt())}
		}
	}
	return p
}

func decodeProfiles(ms []*pb.Profile) ([]Profile, error) {
	var d decoder
	out := make([]Profile, len(ms))
	for i, m := range ms {
		out[i] = d.profile(m)
	}
	return out, d.err
}

func contactToPB(c *Contact) *pb.Contact {
	return &pb.Contact{Id: c.ID, CustomerId: c.CustomerID, Channel: c.Channel, At: ts(c.At), Summary: c.Summary, Agent: c.Agent, TicketId: c.TicketID}
}

func decodeContacts(ms []*pb.Contact) ([]Contact, error) {
	var d decoder
	out := make([]Contact, len(ms))
	for i, m := range ms {
		out[i] = Contact{ID: m.GetId(), CustomerID: m.GetCustomerId(), Channel: m.GetChannel(), At: d.time("contact.at", m.GetAt()),
			Summary: m.GetSummary(), Agent: m.GetAgent(), TicketID: m.GetTicketId()}
	}
	return out, d.err
}

func surveyToPB(s *SurveyResult) *pb.SurveyResult {
	return &pb.SurveyResult{Id: s.ID, CustomerId: s.CustomerID, TicketId: s.TicketID, At: ts(s.At), Satisfied: s.Satisfied, Score: int32(s.Score), Comment: s.Comment}
}

func decodeSurveys(ms []*pb.SurveyResult) ([]SurveyResult, error) {
	var d decoder
	out := make([]SurveyResult, len(ms))
	for i, m := range ms {
		if m.GetScore() < 0 || m.GetScore() > 5 {
			d.fail("survey %s: score %d out of 0..5", m.GetId(), m.GetScore())
		}
		out[i] = SurveyResult{ID: m.GetId(), CustomerID: m.GetCustomerId(), TicketID: m.GetTicketId(), At: d.time("survey.at", m.GetAt()),
			Satisfied: m.GetSatisfied(), Score: int(m.GetScore()), Comment: m.GetComment()}
	}
	return out, d.err
}

// --- Billing ---

func billToPB(b *Bill) *pb.Bill {
	m := &pb.Bill{Id: b.ID, Account: b.Account, Period: b.Period, Total: b.Total, IssuedAt: ts(b.IssuedAt)}
	m.Lines = make([]*pb.ChargeLine, len(b.Lines))
	for i := range b.Lines {
		l := &b.Lines[i]
		m.Lines[i] = &pb.ChargeLine{Id: l.ID, Description: l.Description, Amount: l.Amount, BillingCode: l.BillingCode, Partner: l.Partner, Product: l.Product, At: ts(l.At)}
	}
	return m
}

func decodeBills(ms []*pb.Bill) ([]Bill, error) {
	var d decoder
	out := make([]Bill, len(ms))
	for i, m := range ms {
		b := Bill{ID: m.GetId(), Account: m.GetAccount(), Period: m.GetPeriod(), Total: m.GetTotal(), IssuedAt: d.time("bill.issued_at", m.GetIssuedAt())}
		if ls := m.GetLines(); len(ls) > 0 {
			b.Lines = make([]ChargeLine, len(ls))
			for j, l := range ls {
				b.Lines[j] = ChargeLine{ID: l.GetId(), Description: l.GetDescription(), Amount: l.GetAmount(), BillingCode: l.GetBillingCode(),
					Partner: l.GetPartner(), Product: l.GetProduct(), At: d.time("charge_line.at", l.GetAt())}
			}
		}
		out[i] = b
	}
	return out, d.err
}

func subscriptionToPB(s *Subscription) *pb.Subscription {
	m := &pb.Subscription{Id: s.ID, Account: s.Account, Product: s.Product, Partner: s.Partner, BillingCode: s.BillingCode,
		Channel: s.Channel, MonthlyFee: s.MonthlyFee, Start: ts(s.Start), End: ts(s.End), Active: s.Active}
	if len(s.Consents) > 0 {
		m.Consents = make([]*pb.ConsentRecord, len(s.Consents))
		for i := range s.Consents {
			c := &s.Consents[i]
			m.Consents[i] = &pb.ConsentRecord{Id: c.ID, Channel: c.Channel, At: ts(c.At), RecordingRef: c.RecordingRef, KeptUntil: ts(c.KeptUntil)}
		}
	}
	return m
}

func decodeSubscriptions(ms []*pb.Subscription) ([]Subscription, error) {
	var d decoder
	out := make([]Subscription, len(ms))
	for i, m := range ms {
		s := Subscription{ID: m.GetId(), Account: m.GetAccount(), Product: m.GetProduct(), Partner: m.GetPartner(), BillingCode: m.GetBillingCode(),
			Channel: m.GetChannel(), MonthlyFee: d.nonNeg("subscription.monthly_fee", m.GetMonthlyFee()),
			Start: d.time("subscription.start", m.GetStart()), End: d.time("subscription.end", m.GetEnd()), Active: m.GetActive()}
		if cs := m.GetConsents(); len(cs) > 0 {
			s.Consents = make([]ConsentRecord, len(cs))
			for j, c := range cs {
				s.Consents[j] = ConsentRecord{ID: c.GetId(), Channel: c.GetChannel(), At: d.time("consent.at", c.GetAt()),
					RecordingRef: c.GetRecordingRef(), KeptUntil: d.time("consent.kept_until", c.GetKeptUntil())}
			}
		}
		out[i] = s
	}
	return out, d.err
}

func adjustmentToPB(a *Adjustment) *pb.AdjustRequest {
	return &pb.AdjustRequest{IdempotencyKey: a.IdempotencyKey, Account: a.Account, Kind: pb.AdjustmentKind(a.Kind), Amount: a.Amount,
		BillingCode: a.BillingCode, Reason: a.Reason, TicketId: a.TicketID, RequestedBy: a.RequestedBy}
}

func decodeAdjustment(m *pb.AdjustRequest) Adjustment {
	k := AdjustmentKind(0)
	if v := m.GetKind(); v == pb.AdjustmentKind_ADJUSTMENT_KIND_CREDIT || v == pb.AdjustmentKind_ADJUSTMENT_KIND_REFUND {
		k = AdjustmentKind(v)
	}
	return Adjustment{IdempotencyKey: m.GetIdempotencyKey(), Account: m.GetAccount(), Kind: k, Amount: m.GetAmount(),
		BillingCode: m.GetBillingCode(), Reason: m.GetReason(), TicketID: m.GetTicketId(), RequestedBy: m.GetRequestedBy()}
}

func decodeCounts(ms []*pb.SubscriberCount) ([]SubscriberCount, error) {
	var d decoder
	out := make([]SubscriberCount, len(ms))
	for i, m := range ms {
		out[i] = SubscriberCount{Unit: m.GetUnit(), Date: d.time("subscriber_count.date", m.GetDate()), Count: d.nonNeg("subscriber_count.count", m.GetCount())}
	}
	return out, d.err
}

// --- Outages ---

func outageToPB(o *Outage) *pb.Outage {
	return &pb.Outage{Id: o.ID, Region: o.Region, Area: o.Area, Start: ts(o.Start), End: ts(o.End), Planned: o.Planned,
		CustomersAffected: o.CustomersAffected, CustomersNotified: o.CustomersNotified, ImportantUsers: o.ImportantUsers, Cause: o.Cause}
}

func decodeOutages(ms []*pb.Outage) ([]Outage, error) {
	var d decoder
	out := make([]Outage, len(ms))
	for i, m := range ms {
		o := Outage{ID: m.GetId(), Region: m.GetRegion(), Area: m.GetArea(), Start: d.time("outage.start", m.GetStart()), End: d.time("outage.end", m.GetEnd()),
			Planned: m.GetPlanned(), CustomersAffected: d.nonNeg("outage.customers_affected", m.GetCustomersAffected()),
			CustomersNotified: d.nonNeg("outage.customers_notified", m.GetCustomersNotified()), ImportantUsers: m.GetImportantUsers(), Cause: m.GetCause()}
		if o.CustomersNotified > o.CustomersAffected {
			d.fail("outage %s: customers_notified %d > customers_affected %d", o.ID, o.CustomersNotified, o.CustomersAffected)
		}
		if !o.End.IsZero() && o.End.Before(o.Start) {
			d.fail("outage %s: end before start", o.ID)
		}
		out[i] = o
	}
	return out, d.err
}

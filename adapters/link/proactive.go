package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/complaint"
)

// The rules a proactive-check Finding names.
const (
	// RuleNoConsent: a value-added subscription live in the period has no
	// consent record at all (R9, R29).
	RuleNoConsent = "proactive/vas-no-consent"
	// RuleConsentExpired: the subscription's consent records are no longer
	// kept (every KeptUntil is before the check).
	RuleConsentExpired = "proactive/vas-consent-expired"
	// RuleConsentShort: the consent record is to be kept less than the two
	// years R9 asks for (KeptUntil before its time plus two years).
	RuleConsentShort = "proactive/vas-consent-retention"
	// RuleChargeWithoutSubscription: a charge line from a partner or billing
	// code the account had no subscription for when it was charged.
	RuleChargeWithoutSubscription = "proactive/vas-charge-without-subscription"
	// RuleBillAnomaly: the bill's total is more than ProactiveConfig.Rise
	// percent above the average of the account's previous bills.
	RuleBillAnomaly = "proactive/bill-anomaly"
)

// ConsentRetention is how long R9 asks consent records to be kept.
const ConsentRetention = 2 // years

// StreamPrefix is the prefix of the journal streams of proactive checks:
// the check of billing period P is recorded once, in stream
// "proactive/P" (P as "2006-01").
const StreamPrefix = "proactive/"

// Complainant is a customer whose bills the proactive check reads.
type Complainant struct {
	// Customer is the customer id; required.
	Customer string `json:"customer"`
	// Accounts are the customer's billing accounts; empty means one account
	// with the customer's id.
	Accounts []string `json:"accounts,omitempty"`
	// Region is the customer's region code, copied into findings (and the
	// tickets made from them); may be empty.
	Region string `json:"region,omitempty"`
}

// ComplainantSource lists the professional complainants to check at now.
// ByID and FromStore make one; any func will do.
type ComplainantSource func(ctx context.Context, now time.Time) ([]Complainant, error)

// Finding is one thing the proactive check found, with its evidence.
type Finding struct {
	// Rule is one of the Rule constants.
	Rule     string `json:"rule"`
	Customer string `json:"customer"`
	Account  string `json:"account"`
	Region   string `json:"region,omitempty"`
	// Period is the billing period checked, "2006-01".
	Period string `json:"period"`
	// Bill and Line are the bill and charge line concerned, if any;
	// Subscription the subscription.
	Bill         string `json:"bill,omitempty"`
	Line         string `json:"line,omitempty"`
	Subscription string `json:"subscription,omitempty"`
	Partner      string `json:"partner,omitempty"`
	BillingCode  string `json:"billing_code,omitempty"`
	Product      string `json:"product,omitempty"`
	// Amount is the line's amount or the bill's total (fen); Baseline the
	// average of the previous bills for RuleBillAnomaly.
	Amount   int64 `json:"amount,omitempty"`
	Baseline int64 `json:"baseline,omitempty"`
	// Reason is a sentence saying what was found and why it matters.
	Reason string `json:"reason"`
}

// ExternalID returns a stable id for the finding, usable as a ticket's
// external id so that taking the same finding twice makes one ticket:
// "proactive/<period>/<account>/<rule>/<subject>".
func (f Finding) ExternalID() string {
	subject := f.Line
	if subject == "" {
		subject = f.Subscription
	}
	if subject == "" {
		subject = f.Bill
	}
	return StreamPrefix + f.Period + "/" + f.Account + "/" + strings.TrimPrefix(f.Rule, StreamPrefix) + "/" + subject
}

// Intake returns the ticket a finding becomes: a complaint raised on the
// customer's behalf by the account manager (channel account-manager),
// category vas.unaware for the subscription findings and billing.dispute
// for a bill anomaly, with the evidence as text and ExternalID as the
// external id.
func (f Finding) Intake() complaint.Intake {
	cat := complaint.CatVASUnaware
	if f.Rule == RuleBillAnomaly {
		cat = complaint.CatBillingDispute
	}
	return complaint.Intake{
		ExternalID: f.ExternalID(), Kind: complaint.KindComplaint, Channel: complaint.ChannelAccountManager,
		Category: cat, Region: f.Region, Customer: f.Customer, Subscriber: f.Account,
		Product: f.Product, Partner: f.Partner, BillingCode: f.BillingCode,
		Text: "主动核查 proactive check (" + f.Rule + "): " + f.Reason,
	}
}

// Run is the record of one monthly check, kept in the journal.
type Run struct {
	// Period is the billing period checked, "2006-01".
	Period string    `json:"period"`
	At     time.Time `json:"at"`
	// Customers and Accounts count what was checked.
	Customers int       `json:"customers"`
	Accounts  int       `json:"accounts"`
	Findings  []Finding `json:"findings,omitempty"`
	// Notes say what could not be checked and why (an unknown account).
	Notes []string `json:"notes,omitempty"`
}

// Intaker takes a ticket in; *kesu.Engine is one.
type Intaker interface {
	Intake(ctx context.Context, in complaint.Intake) (*complaint.Ticket, error)
}

// Tickets returns a ProactiveConfig.Report that takes every finding in as a
// ticket through e (see Finding.Intake). It is idempotent: a finding taken
// before returns its ticket again. It stops at the first error.
func Tickets(e Intaker) func(ctx context.Context, fs []Finding) error {
	return func(ctx context.Context, fs []Finding) error {
		for _, f := range fs {
			if _, err := e.Intake(ctx, f.Intake()); err != nil {
				return fmt.Errorf("link: ticket for %s: %w", f.ExternalID(), err)
			}
		}
		return nil
	}
}

// ProactiveConfig configures NewProactiveCheck.
type ProactiveConfig struct {
	// Billing is read for bills and subscriptions; required.
	Billing adapters.Billing
	// Journal remembers the months done; required.
	Journal complaint.Journal
	// Complainants lists the customers to check; required.
	Complainants ComplainantSource
	// Report, if set, receives every finding of a month once all customers
	// were checked (Tickets makes one that opens tickets). An error is
	// retried on the next Tick; the month is recorded as done only after
	// Report succeeded, so it must be idempotent.
	Report func(ctx context.Context, fs []Finding) error
	// Zone is the policy's time zone, which says when a month begins;
	// default Asia/Shanghai.
	Zone *time.Location
	// Day is the day of the month from which the previous month is checked
	// (default 1: on the first Tick of the month).
	Day int
	// History is how many earlier months' bills make the baseline of the
	// anomaly rule (default 3); Rise is how many percent above their average
	// a total must be to be an anomaly (default 50), and MinRise the least
	// rise in fen (default 0).
	History int
	Rise    float64
	MinRise int64
	// Logger receives logs; default discards them.
	Logger *slog.Logger
}

// ProactiveCheck is the monthly proactive check of professional
// complainants' bills (DOMAIN.md R29) as a kesu.Ticker. Build it with
// NewProactiveCheck. It is safe for concurrent use; Ticks are serialised.
type ProactiveCheck struct {
	cfg ProactiveConfig
	log *slog.Logger

	mu sync.Mutex
	// done holds the periods known to be recorded in the journal.
	done map[string]bool
	// cur is the run in progress (customers done so far) for cur.Period.
	cur     *Run
	checked map[string]bool
}

// NewProactiveCheck returns a ProactiveCheck. It fails when Billing,
// Journal or Complainants is missing or a number is negative.
func NewProactiveCheck(cfg ProactiveConfig) (*ProactiveCheck, error) {
	switch {
	case cfg.Billing == nil:
		return nil, errors.New("link: proactive check: Billing is required")
	case cfg.Journal == nil:
		return nil, errors.New("link: proactive check: Journal is required")
	case cfg.Complainants == nil:
		return nil, errors.New("link: proactive check: Complainants is required")
	case cfg.Day < 0 || cfg.Day > 28:
		return nil, fmt.Errorf("link: proactive check: Day %d: want 1..28", cfg.Day)
	case cfg.History < 0 || cfg.Rise < 0 || cfg.MinRise < 0:
		return nil, errors.New("link: proactive check: History, Rise and MinRise must not be negative")
	}
	if cfg.Zone == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		cfg.Zone = loc
	}
	if cfg.Day == 0 {
		cfg.Day = 1
	}
	if cfg.History == 0 {
		cfg.History = 3
	}
	if cfg.Rise == 0 {
		cfg.Rise = 50
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ProactiveCheck{cfg: cfg, log: log, done: make(map[string]bool)}, nil
}

// PeriodAt returns the billing period the check run at now covers: the
// calendar month before now's, in the zone, as "2006-01".
func (c *ProactiveCheck) PeriodAt(now time.Time) string {
	t := now.In(c.cfg.Zone)
	return time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, c.cfg.Zone).Format("2006-01")
}

// Tick implements kesu.Ticker. From day Day of a month (in the zone) it
// checks the previous month once: it lists the complainants, reads each
// account's bills for that month and the History months before, and its
// subscriptions (inactive ones too), and derives the findings. A customer
// whose calls fail stays to be checked on the next Tick (the others are not
// asked again); when every customer is checked it hands the findings to
// Report and records the Run in the journal stream "proactive/<period>",
// after which the month is done, across restarts too. A month the check
// did not run in (the engine was down all month) is not caught up. An
// unknown account (adapters.NotFound) is noted in the Run, not retried.
// Tick returns the errors of the calls joined; nothing is lost.
func (c *ProactiveCheck) Tick(ctx context.Context, now time.Time) error {
	if now.In(c.cfg.Zone).Day() < c.cfg.Day {
		return nil
	}
	period := c.PeriodAt(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done[period] {
		return nil
	}
	stream := StreamPrefix + period
	recs, err := c.cfg.Journal.Records(ctx, stream)
	if err != nil {
		return fmt.Errorf("link: proactive check %s: read journal: %w", period, err)
	}
	if len(recs) > 0 {
		c.done[period] = true
		c.cur, c.checked = nil, nil
		return nil
	}
	if c.cur == nil || c.cur.Period != period {
		c.cur, c.checked = &Run{Period: period}, make(map[string]bool)
	}
	run := c.cur
	cs, err := c.cfg.Complainants(ctx, now)
	if err != nil {
		return fmt.Errorf("link: proactive check %s: list complainants: %w", period, err)
	}
	var errs []error
	for _, cu := range cs {
		if cu.Customer == "" || c.checked[cu.Customer] {
			continue
		}
		fs, notes, n, err := c.checkCustomer(ctx, cu, period, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.checked[cu.Customer] = true
		run.Customers++
		run.Accounts += n
		run.Findings = append(run.Findings, fs...)
		run.Notes = append(run.Notes, notes...)
	}
	if len(errs) > 0 {
		c.log.Warn("link: proactive check incomplete; will retry on the next tick", "period", period, "checked", run.Customers, "failed", len(errs))
		return errors.Join(errs...)
	}
	if c.cfg.Report != nil && len(run.Findings) > 0 {
		if err := c.cfg.Report(ctx, run.Findings); err != nil {
			return fmt.Errorf("link: proactive check %s: report: %w", period, err)
		}
	}
	run.At = now
	data, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("link: proactive check %s: %w", period, err)
	}
	err = c.cfg.Journal.AppendRecords(ctx, stream, 0, []complaint.Record{{Stream: stream, Seq: 1, Type: "checked", At: now, Data: data}})
	if err != nil && !errors.Is(err, complaint.ErrConflict) {
		return fmt.Errorf("link: proactive check %s: record: %w", period, err)
	}
	c.done[period] = true
	c.cur, c.checked = nil, nil
	c.log.Info("link: proactive check done", "period", period, "customers", run.Customers, "accounts", run.Accounts, "findings", len(run.Findings))
	return nil
}

// Result returns the recorded Run of a billing period ("2006-01"), or an
// error wrapping complaint.ErrNotFound when that month was not checked.
func (c *ProactiveCheck) Result(ctx context.Context, period string) (*Run, error) {
	recs, err := c.cfg.Journal.Records(ctx, StreamPrefix+period)
	if err != nil {
		return nil, fmt.Errorf("link: proactive check %s: %w", period, err)
	}
	for _, r := range recs {
		if r.Type == "checked" {
			var run Run
			if err := json.Unmarshal(r.Data, &run); err != nil {
				return nil, fmt.Errorf("link: proactive check %s: record %d: %w", period, r.Seq, err)
			}
			return &run, nil
		}
	}
	return nil, fmt.Errorf("link: proactive check %s: %w", period, complaint.ErrNotFound)
}

func (c *ProactiveCheck) checkCustomer(ctx context.Context, cu Complainant, period string, now time.Time) ([]Finding, []string, int, error) {
	accounts := cu.Accounts
	if len(accounts) == 0 {
		accounts = []string{cu.Customer}
	}
	var fs []Finding
	var notes []string
	for _, acc := range accounts {
		f, note, err := c.checkAccount(ctx, cu, acc, period, now)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("link: proactive check %s: customer %s account %s: %w", period, cu.Customer, acc, err)
		}
		fs = append(fs, f...)
		if note != "" {
			notes = append(notes, note)
		}
	}
	return fs, notes, len(accounts), nil
}

func (c *ProactiveCheck) checkAccount(ctx context.Context, cu Complainant, acc, period string, now time.Time) ([]Finding, string, error) {
	bills, err := c.cfg.Billing.Bills(ctx, adapters.BillQuery{Account: acc, Period: period})
	if errors.Is(err, adapters.ErrNotFound) {
		return nil, "customer " + cu.Customer + ": account " + acc + " unknown to billing", nil
	}
	if err != nil {
		return nil, "", err
	}
	p, _ := time.ParseInLocation("2006-01", period, c.cfg.Zone)
	var prev []int64
	for i := 1; i <= c.cfg.History; i++ {
		bs, err := c.cfg.Billing.Bills(ctx, adapters.BillQuery{Account: acc, Period: p.AddDate(0, -i, 0).Format("2006-01")})
		if errors.Is(err, adapters.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if len(bs) > 0 {
			var sum int64
			for _, b := range bs {
				sum += b.Total
			}
			prev = append(prev, sum)
		}
	}
	subs, err := c.cfg.Billing.Subscriptions(ctx, adapters.SubscriptionQuery{Account: acc, IncludeInactive: true})
	if err != nil && !errors.Is(err, adapters.ErrNotFound) {
		return nil, "", err
	}
	in := Inspection{Customer: cu.Customer, Account: acc, Region: cu.Region, Period: period,
		From: p, To: p.AddDate(0, 1, 0), Now: now, Bills: bills, Previous: prev, Subscriptions: subs,
		Rise: c.cfg.Rise, MinRise: c.cfg.MinRise}
	return in.Findings(), "", nil
}

// Inspection is what the proactive check knows of one account for one
// billing period; Findings applies the rules to it. It is exported so the
// rules can be run (and tested) without a billing system.
type Inspection struct {
	Customer, Account, Region string
	// Period is "2006-01"; From and To are its bounds (To exclusive).
	Period   string
	From, To time.Time
	// Now is when the check runs (for consent expiry).
	Now time.Time
	// Bills are the period's bills; Previous the totals of earlier months
	// that had bills.
	Bills    []adapters.Bill
	Previous []int64
	// Subscriptions are the account's subscriptions, inactive ones too.
	Subscriptions []adapters.Subscription
	// Rise (percent) and MinRise (fen) parameterise RuleBillAnomaly.
	Rise    float64
	MinRise int64
}

// Findings returns the findings of the rules, in a fixed order: consent
// findings by subscription, then charge lines without a subscription by
// bill and line, then the bill anomaly.
func (in *Inspection) Findings() []Finding {
	base := Finding{Customer: in.Customer, Account: in.Account, Region: in.Region, Period: in.Period}
	var fs []Finding
	for _, s := range in.Subscriptions {
		if !s.Active && !overlaps(s.Start, s.End, in.From, in.To) {
			continue
		}
		f := base
		f.Subscription, f.Partner, f.BillingCode, f.Product, f.Amount = s.ID, s.Partner, s.BillingCode, s.Product, s.MonthlyFee
		what := "subscription " + s.ID + " to " + s.Product + " (partner " + s.Partner + ", billing code " + s.BillingCode + ", via " + s.Channel + ")"
		switch rule, why := consentProblem(s, in.Now); rule {
		case "":
			continue
		default:
			f.Rule, f.Reason = rule, what+": "+why
		}
		fs = append(fs, f)
	}
	for _, b := range in.Bills {
		for _, l := range b.Lines {
			if l.Partner == "" && l.BillingCode == "" {
				continue
			}
			if hasSubscription(in.Subscriptions, l, in.From, in.To) {
				continue
			}
			f := base
			f.Rule, f.Bill, f.Line, f.Partner, f.BillingCode, f.Product, f.Amount = RuleChargeWithoutSubscription, b.ID, l.ID, l.Partner, l.BillingCode, l.Product, l.Amount
			f.Reason = "bill " + b.ID + " line " + l.ID + " charges " + fen(l.Amount) + " for " + l.Product + " (partner " + l.Partner +
				", billing code " + l.BillingCode + ") but the account had no subscription to it"
			fs = append(fs, f)
		}
	}
	if len(in.Bills) > 0 && len(in.Previous) > 0 {
		var total, sum int64
		for _, b := range in.Bills {
			total += b.Total
		}
		for _, v := range in.Previous {
			sum += v
		}
		avg := sum / int64(len(in.Previous))
		if avg > 0 && float64(total) > float64(avg)*(1+in.Rise/100) && total-avg >= in.MinRise {
			f := base
			f.Rule, f.Bill, f.Amount, f.Baseline = RuleBillAnomaly, in.Bills[0].ID, total, avg
			f.Reason = "bill total " + fen(total) + " is " + strconv.FormatFloat(float64(total-avg)*100/float64(avg), 'f', 0, 64) +
				"% above the average " + fen(avg) + " of the " + strconv.Itoa(len(in.Previous)) + " previous bills (threshold " +
				strconv.FormatFloat(in.Rise, 'f', -1, 64) + "%)"
			fs = append(fs, f)
		}
	}
	return fs
}

// consentProblem returns the rule a subscription's consent records break and
// why, or "".
func consentProblem(s adapters.Subscription, now time.Time) (string, string) {
	if len(s.Consents) == 0 {
		return RuleNoConsent, "no consent record (R9: no sale to a professional complainant without a recorded confirmation)"
	}
	var kept []adapters.ConsentRecord
	for _, c := range s.Consents {
		if c.KeptUntil.IsZero() || !c.KeptUntil.Before(now) {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		ids := make([]string, len(s.Consents))
		for i, c := range s.Consents {
			ids[i] = c.ID + " kept until " + c.KeptUntil.Format("2006-01-02")
		}
		return RuleConsentExpired, "consent record no longer kept (" + strings.Join(ids, ", ") + ")"
	}
	for _, c := range kept {
		if c.KeptUntil.IsZero() || !c.KeptUntil.Before(c.At.AddDate(ConsentRetention, 0, 0)) {
			return "", ""
		}
	}
	c := kept[0]
	return RuleConsentShort, "consent record " + c.ID + " of " + c.At.Format("2006-01-02") + " is kept only until " +
		c.KeptUntil.Format("2006-01-02") + ", less than the two years R9 requires"
}

func hasSubscription(subs []adapters.Subscription, l adapters.ChargeLine, from, to time.Time) bool {
	return slices.ContainsFunc(subs, func(s adapters.Subscription) bool {
		if l.BillingCode != "" {
			if s.BillingCode != l.BillingCode {
				return false
			}
		} else if s.Partner != l.Partner || (l.Product != "" && s.Product != l.Product) {
			return false
		}
		if !l.At.IsZero() {
			return !l.At.Before(s.Start) && (s.End.IsZero() || l.At.Before(s.End))
		}
		return s.Active || overlaps(s.Start, s.End, from, to)
	})
}

func overlaps(start, end, from, to time.Time) bool {
	return start.Before(to) && (end.IsZero() || end.After(from))
}

// fen formats an amount in fen as yuan, "12.30 元".
func fen(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	c := strconv.FormatInt(v%100, 10)
	if len(c) < 2 {
		c = "0" + c
	}
	return sign + strconv.FormatInt(v/100, 10) + "." + c + " 元"
}

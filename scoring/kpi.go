package scoring

import (
	"fmt"
	"strconv"
)

// KPI is a key performance indicator defined as data: exactly one of Count,
// Numerator (with Denominator or Per), Mean, Quantile or Change is set. The
// built-in KPIs (Builtins) are available by id without a policy; a policy's
// kpis section adds KPIs or replaces a built-in of the same id. KPI is also
// the YAML form of an entry of the kpis section. A KPI is immutable once a
// Policy holds it.
type KPI struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Unit is how the value reads: "count", "%", "per 10k", "per million",
	// "hours", "minutes" or "days". Mean and quantile values are in Unit
	// (hours when empty).
	Unit string `yaml:"unit,omitempty" json:"unit,omitempty"`
	// External marks an indicator judged by customers (satisfaction); the
	// others are internal (DOMAIN.md R24).
	External bool `yaml:"external,omitempty" json:"external,omitempty"`
	// Better is "lower" or "higher" (default lower): used by rankings and
	// appraisal.
	Better      string `yaml:"better,omitempty" json:"better,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`

	Count       *Counter `yaml:"count,omitempty" json:"count,omitempty"`
	Numerator   *Counter `yaml:"numerator,omitempty" json:"numerator,omitempty"`
	Denominator *Counter `yaml:"denominator,omitempty" json:"denominator,omitempty"`
	// Per "customers" divides the numerator by the customer base of the
	// unit and period (see Base and SubscriberCounter).
	Per string `yaml:"per,omitempty" json:"per,omitempty"`
	// Scale multiplies a ratio: 100 for a percentage, 10000 per 10,000
	// customers. Default 1.
	Scale    float64  `yaml:"scale,omitempty" json:"scale,omitempty"`
	Mean     *Counter `yaml:"mean,omitempty" json:"mean,omitempty"`
	Quantile *Counter `yaml:"quantile,omitempty" json:"quantile,omitempty"`
	Q        float64  `yaml:"q,omitempty" json:"q,omitempty"`
	Change   *Change  `yaml:"change,omitempty" json:"change,omitempty"`

	// Source says where the KPI was defined: "built-in" or file:line.
	Source string `yaml:"-" json:"source,omitempty"`

	kind     kpiKind
	num, den int // measure indices
	of       *KPI
	divisor  float64 // seconds per unit for durations
	higher   bool
	explain  string
}

// Change defines a KPI as the relative change, in percent, of another KPI
// against the same period a year earlier ("year") or the previous period
// ("previous").
type Change struct {
	Of      string `yaml:"of" json:"of"`
	Against string `yaml:"against" json:"against"`
}

type kpiKind uint8

const (
	kCount kpiKind = iota + 1
	kRatio
	kPerBase
	kMean
	kQuantile
	kChange
)

// Explain returns how the KPI is computed, e.g.
// "received[kind=complaint,escalated] / customers × 10000".
func (k *KPI) Explain() string { return k.explain }

// HigherIsBetter reports whether a higher value is better.
func (k *KPI) HigherIsBetter() bool { return k.higher }

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// durDivisor returns the seconds per unit of a duration KPI.
func durDivisor(unit string) (float64, error) {
	switch unit {
	case "", "hours":
		return 3600, nil
	case "minutes":
		return 60, nil
	case "days":
		return 86400, nil
	case "seconds":
		return 1, nil
	}
	return 0, fmt.Errorf("unknown duration unit %q (want seconds, minutes, hours or days)", unit)
}

// The ids of the built-in KPIs (DOMAIN.md R23, R24).
const (
	KPIComplaints          = "complaints"                // complaints received (count)
	KPIComplaintsPer10k    = "complaints_per_10k"        // 万位客户投诉率
	KPIComplaintsYoY       = "complaints_yoy"            // change of the complaint rate year on year
	KPIUnawareMarketing    = "unaware_marketing_per_10k" // 不知情营销 per 10,000
	KPIVASUnawarePer10k    = "vas_unaware_per_10k"       // 不知情定制 per 10,000
	KPIVASUnawareYoY       = "vas_unaware_yoy"           // its change year on year
	KPIEscalatedPer10k     = "escalated_per_10k"         // 越级 / 申诉 per 10,000
	KPIEscalatedPerMillion = "escalated_per_million"     // as the energy regulator ranks provinces
	KPISatisfaction        = "satisfaction"              // complainant satisfaction, %
	KPIFirstContact        = "first_contact_resolution"  // %
	KPIRepeatRate          = "repeat_rate"               // %
	KPIReopenRate          = "reopen_rate"               // %
	KPITransferRate        = "transfer_rate"             // %
	KPIReplyTimeliness     = "reply_timeliness"          // %
	KPIResolveTimeliness   = "resolve_timeliness"        // %
	KPIOverdue             = "overdue"                   // count
	KPICentralisedShare    = "centralised_share"         // %
	KPIWarningClosure      = "warning_closure_rate"      // %
	KPIFeedbackTimeliness  = "feedback_timeliness"       // %
	KPIResolveHours        = "resolve_hours"             // mean hours to resolve
	KPIResolveHoursP90     = "resolve_hours_p90"         // 90th percentile
	KPIResolved            = "resolved"                  // resolutions (volume)
	KPICompensated         = "compensated_share"         // % of closures with compensation or refund
)

var complaintKinds = []string{"complaint", "escalated"}

// Builtins returns the built-in KPIs in a fixed order (fresh copies: the
// caller may change them). Each KPI's Description says exactly what it
// counts; the package documentation lists when each fact is counted.
func Builtins() []*KPI {
	recv := func(cat ...string) *Counter {
		return &Counter{Fact: "received", Kind: complaintKinds, Category: cat}
	}
	pct := func(id, name string, num, den *Counter, higher, external bool, desc string) *KPI {
		b := "lower"
		if higher {
			b = "higher"
		}
		return &KPI{ID: id, Name: name, Unit: "%", Numerator: num, Denominator: den, Scale: 100, Better: b, External: external, Description: desc}
	}
	return []*KPI{
		{ID: KPIComplaints, Name: "投诉量 complaints", Unit: "count", Count: recv(),
			Description: "Complaints and escalated complaints received."},
		{ID: KPIComplaintsPer10k, Name: "万位客户投诉率 complaints per 10,000 customers", Unit: "per 10k",
			Numerator: recv(), Per: "customers", Scale: 10000,
			Description: "Complaints received per 10,000 customers (R23: ≤ 38)."},
		{ID: KPIComplaintsYoY, Name: "投诉率同比 complaint rate year on year", Unit: "%",
			Change:      &Change{Of: KPIComplaintsPer10k, Against: "year"},
			Description: "Change of complaints per 10,000 against the same period last year (R23: down ≥ 10 %)."},
		{ID: KPIUnawareMarketing, Name: "不知情营销投诉 unaware-marketing complaints per 10,000", Unit: "per 10k",
			Numerator: recv("marketing.unaware"), Per: "customers", Scale: 10000,
			Description: "Unaware-marketing complaints per 10,000 customers (R23: ≤ 2)."},
		{ID: KPIVASUnawarePer10k, Name: "不知情定制投诉率 unaware VAS subscriptions per 10,000", Unit: "per 10k",
			Numerator: recv("vas.unaware"), Per: "customers", Scale: 10000,
			Description: "Unaware value-added-service subscription complaints per 10,000 customers."},
		{ID: KPIVASUnawareYoY, Name: "不知情定制同比 unaware VAS year on year", Unit: "%",
			Change:      &Change{Of: KPIVASUnawarePer10k, Against: "year"},
			Description: "Change of unaware VAS complaints per 10,000 against the same period last year (R23: −25 %)."},
		{ID: KPIEscalatedPer10k, Name: "越级申诉率 escalations per 10,000", Unit: "per 10k",
			Numerator: &Counter{Fact: "escalated"}, Per: "customers", Scale: 10000,
			Description: "Escalations to a regulator, the group hotline or the media per 10,000 customers."},
		{ID: KPIEscalatedPerMillion, Name: "百万用户申诉率 escalations per million", Unit: "per million",
			Numerator: &Counter{Fact: "escalated"}, Per: "customers", Scale: 1e6,
			Description: "Escalations per million customers, as the regulator ranks provinces."},
		pct(KPISatisfaction, "投诉满意率 complainant satisfaction", &Counter{Fact: "visited", When: []string{"satisfied"}},
			&Counter{Fact: "visited"}, true, true, "Return visits where the customer was satisfied, of all return visits (R23: ≥ 79 %)."),
		pct(KPIFirstContact, "一次解决率 first-contact resolution", &Counter{Fact: "closed", When: []string{"fcr"}},
			&Counter{Fact: "closed"}, true, false, "Closures never transferred, reopened or urged, of all closures."),
		pct(KPIRepeatRate, "重复投诉率 repeat complaints", &Counter{Fact: "received", Kind: complaintKinds, When: []string{"repeat"}},
			recv(), false, false, "Complaints received as a repeat of an earlier ticket, of all complaints received."),
		pct(KPIReopenRate, "重开率 reopen rate", &Counter{Fact: "closed", When: []string{"reopened"}},
			&Counter{Fact: "closed"}, false, false, "Closures of tickets reopened at least once, of all closures."),
		pct(KPITransferRate, "转派率 transfer rate", &Counter{Fact: "closed", When: []string{"transferred"}},
			&Counter{Fact: "closed"}, false, false, "Closures of tickets transferred at least once, of all closures."),
		pct(KPIReplyTimeliness, "答复及时率 reply timeliness", &Counter{Fact: "resolved", When: []string{"reply-on-time"}},
			&Counter{Fact: "resolved", When: []string{"reply-due"}}, true, false, "Resolutions whose first reply met the reply deadline, of resolutions with a reply deadline."),
		pct(KPIResolveTimeliness, "办结及时率 resolution timeliness", &Counter{Fact: "resolved", When: []string{"resolve-on-time"}},
			&Counter{Fact: "resolved", When: []string{"resolve-due"}}, true, false, "Resolutions by the deadline, of resolutions with a deadline."),
		{ID: KPIOverdue, Name: "超时工单 overdue", Unit: "count", Count: &Counter{Fact: "resolved", When: []string{"overdue"}},
			Description: "Resolutions recorded after the resolution deadline."},
		pct(KPICentralisedShare, "集约化占比 centralised handling share", &Counter{Fact: "dispatched", When: []string{"centralised"}},
			&Counter{Fact: "dispatched"}, true, false, "First dispatches to a centralised city/county centre, of all first dispatches (R12: 95 %)."),
		pct(KPIWarningClosure, "预警闭环率 warning closure rate", &Counter{Fact: "warning-closed"},
			&Counter{Fact: "warning-raised"}, true, false, "Warnings closed, per warning raised in the same period."),
		pct(KPIFeedbackTimeliness, "反馈及时率 feedback timeliness", &Counter{Fact: "warning-feedback", When: []string{"on-time"}},
			&Counter{Fact: "warning-feedback"}, true, false, "Warning feedback given by its due time, of all feedback."),
		{ID: KPIResolveHours, Name: "平均处理时长 mean hours to resolve", Unit: "hours",
			Mean:        &Counter{Fact: "resolved", Duration: "resolve"},
			Description: "Mean time from receipt to resolution, less time waiting on the customer."},
		{ID: KPIResolveHoursP90, Name: "处理时长P90 hours to resolve, 90th percentile", Unit: "hours",
			Quantile: &Counter{Fact: "resolved", Duration: "resolve"}, Q: 0.9,
			Description: "90th percentile of the time to resolve (from a log-bucket histogram, within 3.2 %)."},
		{ID: KPIResolved, Name: "办结量 resolutions", Unit: "count", Better: "higher", Count: &Counter{Fact: "resolved"},
			Description: "Resolutions recorded (handling volume)."},
		pct(KPICompensated, "赔补占比 compensated share", &Counter{Fact: "closed", When: []string{"compensated"}},
			&Counter{Fact: "closed"}, false, false, "Closures with a compensation or refund, of all closures."),
	}
}

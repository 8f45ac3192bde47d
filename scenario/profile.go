package scenario

import (
	"fmt"

	"github.com/kesu-go/kesu/complaint"
)

// Weighted is a code with a relative weight.
type Weighted struct {
	Code   string
	Weight float64
}

// Profile is what a synthetic stream looks like for one kind of company:
// the category mix, the seasonality, the channels and kinds, and how
// customers behave. CarrierProfile and UtilityProfile are the presets.
type Profile struct {
	Name       string
	Categories *complaint.Taxonomy
	// Mix weights the sub-categories of the background stream; Hot weights
	// the sub-categories injected incidents are about.
	Mix, Hot []Weighted
	// Hour weights the hours of the day (0–23), Weekday the days (Sunday
	// first, as time.Weekday).
	Hour    [24]float64
	Weekday [7]float64
	// Channels and Kinds weight the intake channel and kind.
	Channels []Weighted
	Kinds    []Weighted
	// Regulator is the regulator channel escalations arrive through.
	Regulator complaint.Channel
	// Partners are VAS partner codes (for categories under "vas"); Products
	// are plan / product codes (for "billing" and "marketing").
	Partners, Products []string
	// RepeatRate is the share of tickets from a customer who contacted
	// recently on the same sub-category.
	RepeatRate float64
	// ThreatRate is the share of tickets whose text threatens to go to the
	// regulator or the media.
	ThreatRate float64
}

var carrierProfile = Profile{
	Name:       "carrier",
	Categories: complaint.CarrierCategories(),
	Mix: []Weighted{{"billing.dispute", 18}, {"billing.data", 10}, {"billing.refund", 4}, {"vas.unaware", 9}, {"vas.unsubscribe", 3},
		{"marketing.unaware", 6}, {"marketing.forced", 2}, {"marketing.plan-changed", 4}, {"service.suspension", 4},
		{"service.acceptance", 3}, {"service.attitude", 5}, {"broadband.delay", 8}, {"broadband.quality", 6},
		{"network.quality", 10}, {"network.coverage", 4}, {"security.privacy", 1}, {"other", 3}},
	Hot: []Weighted{{"vas.unaware", 5}, {"network.quality", 4}, {"broadband.quality", 3}, {"billing.dispute", 3},
		{"service.suspension", 2}, {"marketing.plan-changed", 2}, {"network.coverage", 2}},
	Hour:      [24]float64{0.5, 0.3, 0.2, 0.2, 0.2, 0.3, 0.8, 2, 4.5, 6.5, 7, 6.5, 5, 5.5, 6.5, 6.5, 6, 5.5, 4.5, 4.5, 4, 3, 2, 1},
	Weekday:   [7]float64{0.75, 1.1, 1.05, 1.0, 1.0, 1.0, 0.8},
	Channels:  []Weighted{{"hotline", 70}, {"app", 14}, {"web", 4}, {"official-account", 4}, {"store", 5}, {"12300", 2}, {"media", 0.3}},
	Kinds:     []Weighted{{"complaint", 88}, {"consultation", 6}, {"report", 3}, {"opinion", 3}},
	Regulator: complaint.ChannelMIIT,
	Partners:  []string{"SP1001", "SP1002", "SP1003", "SP1004", "SP1005", "SP1006", "SP1007", "SP1008", "SP1009", "SP1010", "SP1011", "SP1012"},
	Products:  []string{"plan-19", "plan-39", "plan-59", "plan-89", "plan-129", "family-199", "bb-100m", "bb-500m", "5g-pack", "video-vip"},

	RepeatRate: 0.1,
	ThreatRate: 0.03,
}

var utilityProfile = Profile{
	Name:       "utility",
	Categories: complaint.UtilityCategories(),
	Mix: []Weighted{{"outage.frequent", 12}, {"outage.long", 10}, {"outage.restore-delay", 8}, {"quality.low-voltage", 12},
		{"connection.overdue", 10}, {"billing.dispute", 22}, {"service.attitude", 10}, {"service.ticket", 8}, {"other", 8}},
	Hot:       []Weighted{{"outage.long", 4}, {"outage.frequent", 3}, {"quality.low-voltage", 3}, {"outage.restore-delay", 3}, {"billing.dispute", 1}},
	Hour:      [24]float64{0.6, 0.4, 0.3, 0.3, 0.3, 0.4, 1, 2.5, 4.5, 6, 6.5, 6, 5, 5, 6, 6, 5.5, 5, 5, 5, 4.5, 3.5, 2.5, 1.2},
	Weekday:   [7]float64{0.85, 1.05, 1.0, 1.0, 1.0, 1.0, 0.9},
	Channels:  []Weighted{{"hotline", 78}, {"app", 10}, {"web", 3}, {"official-account", 5}, {"store", 2}, {"12398", 1.5}, {"media", 0.2}},
	Kinds:     []Weighted{{"complaint", 60}, {"fault", 32}, {"consultation", 4}, {"report", 2}, {"opinion", 2}},
	Regulator: complaint.ChannelEnergy,

	RepeatRate: 0.1,
	ThreatRate: 0.02,
}

// CarrierProfile returns the telecom carrier profile (a copy).
func CarrierProfile() Profile { return carrierProfile }

// UtilityProfile returns the power utility profile (a copy).
func UtilityProfile() Profile { return utilityProfile }

// ProfileNamed returns the preset profile "carrier" or "utility".
func ProfileNamed(name string) (Profile, error) {
	switch name {
	case "", "carrier":
		return CarrierProfile(), nil
	case "utility":
		return UtilityProfile(), nil
	}
	return Profile{}, fmt.Errorf("scenario: unknown profile %q (want carrier or utility): %w", name, complaint.ErrInvalid)
}

var threats = []string{"再不解决我就投诉到工信部", "我要打12300", "我要找媒体曝光", "已经咨询律师", "再不处理就向12398反映"}

var phrases = map[string]string{
	"billing": "话费/电费有疑问,要求核实", "vas": "未订购却被扣费,要求退订退费", "marketing": "未经同意办理业务",
	"service": "对服务不满意", "broadband": "宽带问题迟迟未解决", "network": "信号差,无法正常使用",
	"security": "个人信息被泄露", "outage": "停电时间长,影响生活", "quality": "电压低,电器无法使用",
	"connection": "报装办理超时", "other": "其他问题",
}

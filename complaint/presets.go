package complaint

// Well-known category codes of the presets, for rules and tests.
const (
	CatBilling          = "billing"                // 计费类
	CatBillingDispute   = "billing.dispute"        // 话费争议
	CatDataDispute      = "billing.data"           // 流量争议
	CatVAS              = "vas"                    // 增值业务
	CatVASUnaware       = "vas.unaware"            // 不知情定制
	CatMarketing        = "marketing"              // 营销类
	CatUnawareMarketing = "marketing.unaware"      // 不知情营销
	CatForcedSelling    = "marketing.forced"       // 三强
	CatPlanChanged      = "marketing.plan-changed" // 未经同意变更套餐
	CatSuspension       = "service.suspension"     // 无端停机
	CatBroadbandDelay   = "broadband.delay"        // 装移修超时
	CatNetworkQuality   = "network.quality"        // 网络质量
	CatAcceptanceError  = "service.acceptance"     // 受理差错
	CatAttitude         = "service.attitude"       // 服务态度
	CatPrivacy          = "security.privacy"       // 个人信息安全

	CatOutageFrequent  = "outage.frequent"      // 频繁停电
	CatOutageLong      = "outage.long"          // 长时间停电
	CatLowVoltage      = "quality.low-voltage"  // 电压低
	CatRestoreDelay    = "outage.restore-delay" // 延时送电
	CatConnectionDelay = "connection.overdue"   // 业扩办理超时
	CatTicketQuality   = "service.ticket"       // 工单质量差
)

func mustTaxonomy(name string, nodes ...Node) *Taxonomy {
	t, err := NewTaxonomy(name, nodes...)
	if err != nil {
		panic(err) // programmer error in a preset
	}
	return t
}

// CarrierCategories returns the telecom carrier preset of the category
// taxonomy (DOMAIN.md R3). Each call returns the same immutable taxonomy.
func CarrierCategories() *Taxonomy { return carrierCategories }

// UtilityCategories returns the power utility preset of the category
// taxonomy (DOMAIN.md R3).
func UtilityCategories() *Taxonomy { return utilityCategories }

// SampleRegions returns a small region hierarchy (province → city → county →
// branch) for examples and tests: Guangdong with two cities.
func SampleRegions() *Taxonomy { return sampleRegions }

var carrierCategories = mustTaxonomy("categories",
	Node{"billing", "计费类", "Billing"},
	Node{"billing.dispute", "话费争议", "Billing dispute"},
	Node{"billing.data", "流量争议", "Data-traffic dispute"},
	Node{"billing.refund", "退费", "Refund"},
	Node{"vas", "增值业务", "Value-added services"},
	Node{"vas.unaware", "不知情定制", "Unaware VAS subscription"},
	Node{"vas.unsubscribe", "退订困难", "Unsubscribe difficulty"},
	Node{"marketing", "营销类", "Marketing"},
	Node{"marketing.unaware", "不知情营销", "Unaware marketing"},
	Node{"marketing.forced", "强制营销(三强)", "Forced selling"},
	Node{"marketing.plan-changed", "未经同意变更套餐", "Plan changed without consent"},
	Node{"service", "服务类", "Service"},
	Node{"service.suspension", "无端停机", "Unexplained suspension"},
	Node{"service.acceptance", "受理差错", "Acceptance error"},
	Node{"service.attitude", "服务态度", "Service attitude"},
	Node{"broadband", "宽带类", "Broadband"},
	Node{"broadband.delay", "装移修超时", "Install / repair delay"},
	Node{"broadband.quality", "宽带质量", "Broadband quality"},
	Node{"network", "网络类", "Network"},
	Node{"network.quality", "网络质量", "Network quality"},
	Node{"network.coverage", "信号覆盖", "Coverage"},
	Node{"security", "信息安全", "Security"},
	Node{"security.privacy", "个人信息安全", "Personal-data security"},
	Node{"other", "其他", "Other"},
)

var utilityCategories = mustTaxonomy("categories",
	Node{"outage", "停电类", "Outage"},
	Node{"outage.frequent", "频繁停电", "Frequent outages"},
	Node{"outage.long", "长时间停电", "Long outage"},
	Node{"outage.restore-delay", "延时送电", "Delayed restoration"},
	Node{"quality", "供电质量", "Supply quality"},
	Node{"quality.low-voltage", "电压低", "Low voltage"},
	Node{"connection", "业扩报装", "New connection"},
	Node{"connection.overdue", "业扩办理超时", "New connection overdue"},
	Node{"billing", "电费类", "Billing"},
	Node{"billing.dispute", "电费争议", "Bill dispute"},
	Node{"service", "服务类", "Service"},
	Node{"service.attitude", "服务态度", "Service attitude"},
	Node{"service.ticket", "工单质量差", "Poor ticket quality"},
	Node{"other", "其他", "Other"},
)

var sampleRegions = mustTaxonomy("regions",
	Node{"gd", "广东省", "Guangdong"},
	Node{"gd.gz", "广州市", "Guangzhou"},
	Node{"gd.gz.th", "天河区", "Tianhe"},
	Node{"gd.gz.th.s01", "天河一分局", "Tianhe branch 1"},
	Node{"gd.gz.th.s02", "天河二分局", "Tianhe branch 2"},
	Node{"gd.gz.yx", "越秀区", "Yuexiu"},
	Node{"gd.gz.yx.s01", "越秀分局", "Yuexiu branch"},
	Node{"gd.sz", "深圳市", "Shenzhen"},
	Node{"gd.sz.ns", "南山区", "Nanshan"},
	Node{"gd.sz.ns.s01", "南山供电所", "Nanshan supply station"},
	Node{"gd.sz.ft", "福田区", "Futian"},
	Node{"gd.sz.ft.s01", "福田供电所", "Futian supply station"},
)

package complaint

// Kind is what a contact is about (DOMAIN.md R1). The zero value is invalid;
// use one of the Kind constants.
type Kind string

// The kinds of ticket.
const (
	KindConsultation Kind = "consultation" // 咨询
	KindComplaint    Kind = "complaint"    // 投诉
	KindEscalated    Kind = "escalated"    // 申诉 / 越级: arrived through a regulator, the group hotline or a provincial authority
	KindReport       Kind = "report"       // 举报
	KindOpinion      Kind = "opinion"      // 意见 / 建议
	KindPraise       Kind = "praise"       // 表扬
	KindFaultReport  Kind = "fault"        // 故障报修 (utilities)
)

// Kinds lists every Kind in a fixed order.
var Kinds = []Kind{KindConsultation, KindComplaint, KindEscalated, KindReport, KindOpinion, KindPraise, KindFaultReport}

// Valid reports whether k is one of the Kind constants.
func (k Kind) Valid() bool {
	switch k {
	case KindConsultation, KindComplaint, KindEscalated, KindReport, KindOpinion, KindPraise, KindFaultReport:
		return true
	}
	return false
}

// Channel is where a ticket came in (DOMAIN.md R2). The zero value is invalid.
type Channel string

// The intake channels.
const (
	ChannelHotline        Channel = "hotline"          // 10086 / 10000 / 95598
	ChannelApp            Channel = "app"              // mobile app
	ChannelWeb            Channel = "web"              // 网厅
	ChannelOfficial       Channel = "official-account" // 公众号
	ChannelStore          Channel = "store"            // 营业厅
	ChannelAccountManager Channel = "account-manager"  // 客户经理
	ChannelMIIT           Channel = "12300"            // telecom regulator (工信部申诉中心)
	ChannelEnergy         Channel = "12398"            // energy regulator
	ChannelProvincial     Channel = "provincial"       // 省管局 / provincial authority
	ChannelGroupHotline   Channel = "group-hotline"    // 集团热线
	ChannelMedia          Channel = "media"            // 媒体
)

// Channels lists every Channel in a fixed order.
var Channels = []Channel{ChannelHotline, ChannelApp, ChannelWeb, ChannelOfficial, ChannelStore,
	ChannelAccountManager, ChannelMIIT, ChannelEnergy, ChannelProvincial, ChannelGroupHotline, ChannelMedia}

// Valid reports whether c is one of the Channel constants.
func (c Channel) Valid() bool {
	for _, x := range Channels {
		if c == x {
			return true
		}
	}
	return false
}

// Regulator reports whether c is a regulator line (12300, 12398 or a
// provincial authority): tickets from it are escalations by definition.
func (c Channel) Regulator() bool {
	return c == ChannelMIIT || c == ChannelEnergy || c == ChannelProvincial
}

// Status is where a ticket stands in its lifecycle (DOMAIN.md R5).
type Status string

// The lifecycle statuses, in their usual order.
const (
	StatusReceived   Status = "received"   // taken in, not yet accepted
	StatusAccepted   Status = "accepted"   // 受理
	StatusDispatched Status = "dispatched" // 派单: routed to a unit / queue, no handler yet
	StatusHandling   Status = "handling"   // a handler works on it
	StatusWaiting    Status = "waiting"    // waiting on the customer; deadlines are paused
	StatusReplied    Status = "replied"    // the customer was answered
	StatusResolved   Status = "resolved"   // a resolution is recorded
	StatusVisited    Status = "visited"    // 回访 done
	StatusClosed     Status = "closed"     // 闭环
)

// Statuses lists every Status in lifecycle order.
var Statuses = []Status{StatusReceived, StatusAccepted, StatusDispatched, StatusHandling, StatusWaiting,
	StatusReplied, StatusResolved, StatusVisited, StatusClosed}

// Valid reports whether s is one of the Status constants.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Open reports whether a ticket in status s still needs work: every status
// but resolved, visited and closed.
func (s Status) Open() bool {
	return s != StatusResolved && s != StatusVisited && s != StatusClosed
}

// Tier is the organisational layer that handles a ticket (DOMAIN.md R4, R11).
type Tier string

// The tiers, from the top.
const (
	TierProvince Tier = "province"
	TierCity     Tier = "city"
	TierCounty   Tier = "county"
	TierBranch   Tier = "branch" // 分局 / 供电所
)

// Tiers lists every Tier from the top.
var Tiers = []Tier{TierProvince, TierCity, TierCounty, TierBranch}

// Valid reports whether t is one of the Tier constants.
func (t Tier) Valid() bool {
	return t == TierProvince || t == TierCity || t == TierCounty || t == TierBranch
}

// Rank orders tiers: province 4, city 3, county 2, branch 1, anything else 0.
// A higher rank may approve what a lower one may not.
func (t Tier) Rank() int {
	switch t {
	case TierProvince:
		return 4
	case TierCity:
		return 3
	case TierCounty:
		return 2
	case TierBranch:
		return 1
	}
	return 0
}

// HandlingClass is how a ticket is worked (DOMAIN.md R6).
type HandlingClass string

// The handling classes.
const (
	HandlingImmediate    HandlingClass = "immediate"    // 即时处理
	HandlingCoordination HandlingClass = "coordination" // 协调类
	HandlingProject      HandlingClass = "project"      // 项目支撑类
)

// Valid reports whether h is one of the HandlingClass constants.
func (h HandlingClass) Valid() bool {
	return h == HandlingImmediate || h == HandlingCoordination || h == HandlingProject
}

// Flag marks a customer (DOMAIN.md R7).
type Flag string

// The customer flags.
const (
	FlagProfessional Flag = "professional-complainant" // 企业监督客户 / 投诉专家
	FlagSensitive    Flag = "sensitive"                // 敏感用户
	FlagImportant    Flag = "important-user"           // 重要用户, e.g. a hospital
	FlagVIP          Flag = "vip"
	FlagRepeatCaller Flag = "repeat-caller"
)

// Flags lists the known flags in a fixed order.
var Flags = []Flag{FlagProfessional, FlagSensitive, FlagImportant, FlagVIP, FlagRepeatCaller}

// ActorKind says who did something.
type ActorKind string

// The actor kinds.
const (
	ActorSystem    ActorKind = "system"
	ActorAgent     ActorKind = "agent"
	ActorCustomer  ActorKind = "customer"
	ActorRegulator ActorKind = "regulator"
)

// Valid reports whether a is one of the ActorKind constants.
func (a ActorKind) Valid() bool {
	return a == ActorSystem || a == ActorAgent || a == ActorCustomer || a == ActorRegulator
}

// Actor is who did something: a kind and an id (an agent's staff number, a
// customer id, the regulator line). The zero Actor is the system.
type Actor struct {
	Kind ActorKind `json:"kind,omitempty"`
	ID   string    `json:"id,omitempty"`
	// Tier is the organisational tier of an agent; approvals check it.
	Tier Tier `json:"tier,omitempty"`
}

// Visibility says who may see an event.
type Visibility string

// The visibilities.
const (
	Public   Visibility = "public"   // shown on the customer-facing timeline
	Internal Visibility = "internal" // never shown to the customer
)

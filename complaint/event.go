package complaint

import "time"

// EventType names what happened to a ticket.
type EventType string

// The event types. Each says which payload field of Event it carries.
const (
	EventReceived     EventType = "received"      // Intake: the ticket as taken in; always the first event
	EventAccepted     EventType = "accepted"      // 受理
	EventTagged       EventType = "tagged"        // Tags: tags added by a rule
	EventDispatched   EventType = "dispatched"    // Dispatch: tier, unit, queue, route
	EventAssigned     EventType = "assigned"      // Assign: a handler takes it
	EventTransferred  EventType = "transferred"   // Dispatch: 转派 to another unit
	EventDeadlinesSet EventType = "deadlines-set" // Deadlines: SLA deadlines set or changed
	EventContacted    EventType = "contacted"     // first contact with the customer made
	EventUrged        EventType = "urged"         // 催单 by the customer
	EventInfoAdded    EventType = "info-added"    // 问题补充 by the customer (Text)
	EventNote         EventType = "note"          // internal note (Text); never public
	EventWaiting      EventType = "waiting"       // waiting on the customer: deadlines pause
	EventResumed      EventType = "resumed"       // the wait is over: deadlines move on
	EventReplied      EventType = "replied"       // answer given to the customer (Text)
	EventApproved     EventType = "approved"      // Approval: a higher tier approves an amount
	EventEscalated    EventType = "escalated"     // Escalation: 提级 / 越级
	EventResolved     EventType = "resolved"      // Resolution
	EventVisited      EventType = "visited"       // Visit: 回访 with the customer's verdict
	EventReopened     EventType = "reopened"      // the customer is not satisfied (Text: why)
	EventClosed       EventType = "closed"        // Closing: responsibility and handling class
	EventMerged       EventType = "merged"        // Merge: linked to a problem (root cause)
	EventProfiled     EventType = "profiled"      // the customer's profile arrived after intake (CRM was down); stages run again
)

// TagProfilePending marks a ticket taken in while the customer's profile
// could not be fetched; Ticket.ProfilePending stays true until EventProfiled.
const TagProfilePending = "profile-pending"

// EventTypes lists every EventType in a fixed order.
var EventTypes = []EventType{EventReceived, EventAccepted, EventTagged, EventDispatched, EventAssigned,
	EventTransferred, EventDeadlinesSet, EventContacted, EventUrged, EventInfoAdded, EventNote, EventWaiting,
	EventResumed, EventReplied, EventApproved, EventEscalated, EventResolved, EventVisited, EventReopened,
	EventClosed, EventMerged, EventProfiled}

// Valid reports whether t is one of the EventType constants.
func (t EventType) Valid() bool {
	// A switch (a search by length and bytes), not a walk of EventTypes:
	// every event read or applied is checked. TestEventTypeValid holds
	// it to EventTypes.
	switch t {
	case EventReceived, EventAccepted, EventTagged, EventDispatched, EventAssigned,
		EventTransferred, EventDeadlinesSet, EventContacted, EventUrged, EventInfoAdded, EventNote, EventWaiting,
		EventResumed, EventReplied, EventApproved, EventEscalated, EventResolved, EventVisited, EventReopened,
		EventClosed, EventMerged, EventProfiled:
		return true
	}
	return false
}

// Intake is the payload of EventReceived: the ticket as the caller gave it.
type Intake struct {
	ExternalID  string  `json:"external_id,omitempty"`
	Kind        Kind    `json:"kind"`
	Channel     Channel `json:"channel"`
	Category    string  `json:"category"`
	Region      string  `json:"region"`
	Customer    string  `json:"customer,omitempty"`
	Subscriber  string  `json:"subscriber,omitempty"`
	Product     string  `json:"product,omitempty"`
	Partner     string  `json:"partner,omitempty"`
	BillingCode string  `json:"billing_code,omitempty"`
	Text        string  `json:"text,omitempty"`
	RepeatOf    string  `json:"repeat_of,omitempty"`
	// ReceivedAt is when the customer contacted; zero means the event's time.
	ReceivedAt time.Time `json:"received_at,omitzero"`
}

// Dispatch is the payload of EventDispatched and EventTransferred.
type Dispatch struct {
	Tier     Tier          `json:"tier,omitempty"`
	Unit     string        `json:"unit"`
	Queue    string        `json:"queue,omitempty"`
	Priority int           `json:"priority,omitempty"`
	Handling HandlingClass `json:"handling,omitempty"`
	Green    bool          `json:"green,omitempty"`
	// Centralised is true when the ticket is handled by a centralised
	// city/county centre (DOMAIN.md R12).
	Centralised bool `json:"centralised,omitempty"`
	// Route explains the decision: the path of routing node ids that matched.
	Route  string `json:"route,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Assign is the payload of EventAssigned.
type Assign struct {
	Assignee string `json:"assignee"`
	// Strategy is how the handler was chosen (round-robin, least-loaded, owner…).
	Strategy string `json:"strategy,omitempty"`
}

// Approval is the payload of EventApproved: a higher tier approves a
// refund or compensation up to Amount.
type Approval struct {
	Amount Money  `json:"amount"`
	Reason string `json:"reason,omitempty"`
}

// Escalation is the payload of EventEscalated.
type Escalation struct {
	// Target is where the complaint went or threatens to go: "12300",
	// "12398", "provincial", "group-hotline", "media", or an internal tier.
	Target string `json:"target"`
	// Tier, when set, raises the handling tier (提级).
	Tier Tier `json:"tier,omitempty"`
}

// Visit is the payload of EventVisited (回访).
type Visit struct {
	Satisfied bool `json:"satisfied"`
	Score     int  `json:"score,omitempty"`
}

// Merge is the payload of EventMerged.
type Merge struct {
	Problem string `json:"problem"`
}

// Event is one thing that happened to a ticket. Events are facts: once stored
// they never change. Exactly the payload field named by Type is set (Text is
// free for any type).
type Event struct {
	// Ticket is the id of the ticket; Seq its version after this event (1 for
	// EventReceived); Pos the position in the store's global log (set by the store).
	Ticket string `json:"ticket"`
	Seq    int    `json:"seq"`
	Pos    int64  `json:"pos,omitempty"`

	Type       EventType  `json:"type"`
	At         time.Time  `json:"at"`
	Actor      Actor      `json:"actor,omitzero"`
	Visibility Visibility `json:"visibility,omitempty"`
	Text       string     `json:"text,omitempty"`

	Intake     *Intake     `json:"intake,omitempty"`
	Tags       []Tag       `json:"tags,omitempty"`
	Dispatch   *Dispatch   `json:"dispatch,omitempty"`
	Assign     *Assign     `json:"assign,omitempty"`
	Deadlines  *Deadlines  `json:"deadlines,omitempty"`
	Approval   *Approval   `json:"approval,omitempty"`
	Escalation *Escalation `json:"escalation,omitempty"`
	Resolution *Resolution `json:"resolution,omitempty"`
	Visit      *Visit      `json:"visit,omitempty"`
	Closing    *Closing    `json:"closing,omitempty"`
	Merge      *Merge      `json:"merge,omitempty"`
}

// Closing is the payload of EventClosed: responsibility (定责) and handling class.
type Closing struct {
	Responsibility Responsibility `json:"responsibility"`
	Handling       HandlingClass  `json:"handling,omitempty"`
}

// Public reports whether the customer may see the event. Internal notes,
// tagging, deadlines and approvals are never public whatever their Visibility.
func (e *Event) Public() bool {
	switch e.Type {
	case EventNote, EventTagged, EventDeadlinesSet, EventApproved, EventMerged, EventProfiled:
		return false
	}
	return e.Visibility != Internal
}

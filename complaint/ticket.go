package complaint

import (
	"strconv"
	"time"
)

// Money is an amount in fen (分, 1/100 yuan). Integer arithmetic keeps sums exact.
type Money int64

// Yuan returns m as a number of yuan.
func (m Money) Yuan() float64 { return float64(m) / 100 }

// String formats m as yuan with two decimals, e.g. "12.50".
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := strconv.FormatInt(int64(m/100), 10) + "." + strconv.FormatInt(int64(m%100/10), 10) + strconv.FormatInt(int64(m%10), 10)
	if neg {
		return "-" + s
	}
	return s
}

// Tag is a label on a ticket with the rule that set it (DOMAIN.md R10).
type Tag struct {
	Name string    `json:"name"`
	Rule string    `json:"rule,omitempty"` // id of the rule or detector that set it
	At   time.Time `json:"at"`
}

// Deadlines are the times by which a ticket must reach a stage. A zero time
// means no deadline. Deadlines are wall-clock times already shifted by any
// pause (see Ticket.Paused).
type Deadlines struct {
	FirstContact time.Time `json:"first_contact,omitzero"` // first contact with the customer
	Reply        time.Time `json:"reply,omitzero"`         // answer to the customer
	Resolve      time.Time `json:"resolve,omitzero"`       // resolution
	Regulator    time.Time `json:"regulator,omitzero"`     // the regulator's clock (e.g. 12300), if any
	// Profile is the SLA profile that set these deadlines.
	Profile string `json:"profile,omitempty"`
}

// IsZero reports whether no deadline is set.
func (d Deadlines) IsZero() bool {
	return d.FirstContact.IsZero() && d.Reply.IsZero() && d.Resolve.IsZero() && d.Regulator.IsZero()
}

// Shift returns d with every set deadline moved later by delta (used when a
// pause ends).
func (d Deadlines) Shift(delta time.Duration) Deadlines {
	sh := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.Add(delta)
	}
	d.FirstContact, d.Reply, d.Resolve, d.Regulator = sh(d.FirstContact), sh(d.Reply), sh(d.Resolve), sh(d.Regulator)
	return d
}

// Responsibility is assigned on closing (定责, DOMAIN.md R6).
type Responsibility struct {
	Unit                string `json:"unit,omitempty"`
	Department          string `json:"department,omitempty"`
	Person              string `json:"person,omitempty"`
	Cause               string `json:"cause,omitempty"`
	LocallyControllable bool   `json:"locally_controllable,omitempty"`
	// Side is front-line, back-office or functional (DOMAIN.md R24).
	Side string `json:"side,omitempty"`
}

// Resolution is how a ticket was resolved and what the customer said of it.
type Resolution struct {
	Outcome      string `json:"outcome,omitempty"`
	Compensation Money  `json:"compensation,omitempty"` // fen
	Refund       Money  `json:"refund,omitempty"`       // fen
	// Satisfied is the customer's verdict on the return visit; nil until asked.
	Satisfied *bool `json:"satisfied,omitempty"`
	// Score is a satisfaction score from the survey (e.g. 1–10), 0 when none.
	Score int `json:"score,omitempty"`
}

// Ticket is one customer contact and everything done about it. A Ticket is the
// fold of its events (see Fold); change it only through Apply. A Ticket is a
// value: copy it with Clone before sharing it between goroutines.
type Ticket struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id,omitempty"` // the caller's id; intake is idempotent on it

	Kind     Kind    `json:"kind"`
	Channel  Channel `json:"channel"`
	Category string  `json:"category"` // a code of the category taxonomy, e.g. "vas.unaware"
	Region   string  `json:"region"`   // a code of the region hierarchy, e.g. "gd.gz.th"

	Customer    string `json:"customer,omitempty"`   // customer id
	Subscriber  string `json:"subscriber,omitempty"` // subscriber (phone / account) number
	Product     string `json:"product,omitempty"`
	Partner     string `json:"partner,omitempty"`      // VAS partner (SP) code
	BillingCode string `json:"billing_code,omitempty"` // 计费代码
	Text        string `json:"text,omitempty"`

	ReceivedAt     time.Time `json:"received_at"`
	AcceptedAt     time.Time `json:"accepted_at,omitzero"`
	FirstContactAt time.Time `json:"first_contact_at,omitzero"`
	RepliedAt      time.Time `json:"replied_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
	UpdatedAt      time.Time `json:"updated_at"`
	Deadlines      Deadlines `json:"deadlines,omitzero"`
	// PausedAt is when the current wait on the customer began; zero when not waiting.
	PausedAt time.Time `json:"paused_at,omitzero"`
	// Paused is the total time spent waiting on the customer.
	Paused time.Duration `json:"paused,omitempty"`

	Status       Status        `json:"status"`
	Tier         Tier          `json:"tier,omitempty"`
	Unit         string        `json:"unit,omitempty"`
	Queue        string        `json:"queue,omitempty"`
	Assignee     string        `json:"assignee,omitempty"`
	Priority     int           `json:"priority,omitempty"`
	Handling     HandlingClass `json:"handling,omitempty"`
	GreenChannel bool          `json:"green_channel,omitempty"`
	Route        string        `json:"route,omitempty"` // the routing decision's explanation (node path)
	Centralised  bool          `json:"centralised,omitempty"`
	Tags         []Tag         `json:"tags,omitempty"`

	Responsibility Responsibility `json:"responsibility,omitzero"`
	Resolution     Resolution     `json:"resolution,omitzero"`
	// Approved is the largest amount (fen) approved by a higher tier so far.
	Approved Money `json:"approved,omitempty"`

	Escalated        bool   `json:"escalated,omitempty"`
	EscalationTarget string `json:"escalation_target,omitempty"` // e.g. "12300"
	ProblemID        string `json:"problem,omitempty"`
	RepeatOf         string `json:"repeat_of,omitempty"`

	UrgeCount     int `json:"urges,omitempty"`
	TransferCount int `json:"transfers,omitempty"`
	ReopenCount   int `json:"reopens,omitempty"`
	// ProfilePending is true while the customer's profile is still to be
	// fetched (see TagProfilePending and EventProfiled).
	ProfilePending bool `json:"profile_pending,omitempty"`
	// PrevUnit is the unit before the last transfer (ping-pong detection).
	PrevUnit string `json:"prev_unit,omitempty"`

	// Version is the number of events folded into the ticket.
	Version int `json:"version"`
}

// HasTag reports whether t carries a tag of that name.
func (t *Ticket) HasTag(name string) bool {
	for i := range t.Tags {
		if t.Tags[i].Name == name {
			return true
		}
	}
	return false
}

// Tag returns the tag of that name and whether it is present.
func (t *Ticket) Tag(name string) (Tag, bool) {
	for i := range t.Tags {
		if t.Tags[i].Name == name {
			return t.Tags[i], true
		}
	}
	return Tag{}, false
}

// Clone returns a deep copy of t: changing the copy never changes t.
func (t *Ticket) Clone() *Ticket {
	c := *t
	if t.Tags != nil {
		c.Tags = append([]Tag(nil), t.Tags...)
	}
	if t.Resolution.Satisfied != nil {
		v := *t.Resolution.Satisfied
		c.Resolution.Satisfied = &v
	}
	return &c
}

// Open reports whether the ticket still needs work (see Status.Open).
func (t *Ticket) Open() bool { return t.Status.Open() }

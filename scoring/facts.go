package scoring

import (
	"fmt"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// Fact is something countable that an event says about a ticket. KPIs count
// facts (see the package documentation for when each fact is counted and
// which ticket fields it can be filtered and grouped by).
type Fact uint8

// The facts.
const (
	FactReceived        Fact = iota + 1 // a ticket taken in (at its ReceivedAt)
	FactEscalated                       // arrived from a regulator line, or escalated to an outside body later
	FactTagged                          // a tag set on a ticket (one fact per new tag)
	FactDispatched                      // first dispatch to a unit
	FactTransferred                     // 转派 to another unit
	FactUrged                           // 催单 by the customer
	FactResolved                        // a resolution recorded (durations and timeliness)
	FactVisited                         // 回访 with the customer's verdict
	FactReopened                        // reopened because the customer was not satisfied
	FactClosed                          // closed with responsibility (定责)
	FactWarningRaised                   // a warning raised (fed with ObserveWarning)
	FactWarningClosed                   // a warning closed (verified)
	FactWarningFeedback                 // feedback given on a warning
	nFacts
)

var factNames = [nFacts]string{"", "received", "escalated", "tagged", "dispatched", "transferred", "urged",
	"resolved", "visited", "reopened", "closed", "warning-raised", "warning-closed", "warning-feedback"}

// String returns the fact's name as written in policy files, e.g. "received".
func (f Fact) String() string {
	if f < nFacts {
		return factNames[f]
	}
	return ""
}

// ParseFact parses a fact name.
func ParseFact(s string) (Fact, error) {
	for i := Fact(1); i < nFacts; i++ {
		if factNames[i] == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown fact %q (known: %v)", s, factNames[1:])
}

// Condition bits: properties of a fact that a counter can require ("when").
type cond uint32

const (
	condSatisfied      cond = 1 << iota // visited: the customer was satisfied
	condFCR                             // closed: never transferred, reopened or urged
	condWasTransferred                  // closed: transferred at least once
	condWasReopened                     // closed: reopened at least once
	condRepeat                          // received/closed: a repeat of an earlier ticket
	condReplyDue                        // resolved: a reply deadline was set
	condReplyOnTime                     // resolved: replied by the reply deadline
	condResolveDue                      // resolved: a resolution deadline was set
	condResolveOnTime                   // resolved: resolved by the deadline
	condOverdue                         // resolved: resolved after the deadline
	condCentralised                     // dispatched/closed: handled by a centralised centre
	condControllable                    // closed: the cause was locally controllable
	condGreen                           // closed: went through the green channel
	condEscalated                       // received/closed: the ticket is an escalation
	condOnTime                          // warning-feedback: feedback by its due time
	condCompensated                     // closed/resolved: compensation or refund paid
	nConds
)

var condNames = []string{"satisfied", "fcr", "transferred", "reopened", "repeat", "reply-due", "reply-on-time",
	"resolve-due", "resolve-on-time", "overdue", "centralised", "controllable", "green", "escalated", "on-time",
	"compensated"}

func parseCond(s string) (cond, error) {
	for i, n := range condNames {
		if n == s {
			return 1 << i, nil
		}
	}
	return 0, fmt.Errorf("unknown condition %q (known: %v)", s, condNames)
}

// durKind names a duration a counter can sum.
type durKind uint8

const (
	durNone    durKind = iota
	durReply           // resolved: from receipt to the first reply
	durResolve         // resolved: from receipt to resolution, less time waiting on the customer
	durContact         // resolved: from receipt to the first contact
)

var durNames = []string{"", "reply", "resolve", "first-contact"}

func parseDur(s string) (durKind, error) {
	for i, n := range durNames {
		if i > 0 && n == s {
			return durKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown duration %q (known: reply, resolve, first-contact)", s)
}

// view is what one fact says, flattened: the fields counters filter on and
// dimensions group by. Only fields that are settled when the fact is counted
// are filled (see fill), so a projection rebuilt from the log equals the one
// kept live.
type view struct {
	fact     Fact
	at       time.Time
	kind     complaint.Kind
	channel  complaint.Channel
	category string
	region   string
	partner  string
	billing  string
	product  string
	// handling fields, set for facts at or after resolution and on dispatch
	unit, queue, assignee string
	// responsibility, set on FactClosed
	department, respUnit, side string
	handling                   complaint.HandlingClass
	// tags: the ticket's tags set before tagCut; on FactTagged only tagName
	tags    []complaint.Tag
	tagCut  time.Time
	tagName string
	cond    cond
	dur     [4]int64 // seconds, by durKind
	durOK   [4]bool
	money   complaint.Money // compensation + refund on resolved/closed
	warning string          // warning id on warning facts
}

func (v *view) hasTag(name string) bool {
	if v.fact == FactTagged {
		return v.tagName == name
	}
	for i := range v.tags {
		if v.tags[i].Name == name && v.tags[i].At.Before(v.tagCut) {
			return true
		}
	}
	return false
}

func (v *view) intake(t *complaint.Ticket) {
	v.kind, v.channel, v.category, v.region = t.Kind, t.Channel, t.Category, t.Region
	v.partner, v.billing, v.product = t.Partner, t.BillingCode, t.Product
}

func (v *view) handler(t *complaint.Ticket) {
	v.unit, v.queue, v.assignee = t.Unit, t.Queue, t.Assignee
	v.tags, v.tagCut = t.Tags, v.at
}

// facts turns one event (and the ticket after its batch) into at most two
// views, calling fn for each. It does not allocate.
func facts(e *complaint.Event, t *complaint.Ticket, scratch *view, fn func(v *view)) {
	v := scratch
	switch e.Type {
	case complaint.EventReceived:
		*v = view{fact: FactReceived, at: t.ReceivedAt}
		v.intake(t)
		if t.RepeatOf != "" {
			v.cond |= condRepeat
		}
		if arrivedEscalated(t) {
			v.cond |= condEscalated
			fn(v)
			v.fact = FactEscalated
		}
		fn(v)
	case complaint.EventEscalated:
		if e.Escalation == nil || !outside(e.Escalation.Target) {
			return
		}
		*v = view{fact: FactEscalated, at: e.At, cond: condEscalated}
		v.intake(t)
		fn(v)
	case complaint.EventTagged:
		*v = view{fact: FactTagged, at: e.At}
		v.intake(t)
		for i := range e.Tags {
			// count a tag only where it was the one recorded on the ticket
			if cur, ok := t.Tag(e.Tags[i].Name); ok && cur.At.Equal(e.Tags[i].At) && cur.Rule == e.Tags[i].Rule && !seenBefore(e.Tags, i) {
				v.tagName = e.Tags[i].Name
				fn(v)
			}
		}
	case complaint.EventDispatched, complaint.EventTransferred:
		if e.Dispatch == nil {
			return
		}
		*v = view{fact: FactDispatched, at: e.At}
		if e.Type == complaint.EventTransferred {
			v.fact = FactTransferred
		}
		v.intake(t)
		v.unit, v.queue = e.Dispatch.Unit, e.Dispatch.Queue
		if e.Dispatch.Centralised {
			v.cond |= condCentralised
		}
		fn(v)
	case complaint.EventUrged:
		*v = view{fact: FactUrged, at: e.At}
		v.intake(t)
		fn(v)
	case complaint.EventResolved:
		*v = view{fact: FactResolved, at: e.At}
		v.intake(t)
		v.handler(t)
		if e.Resolution != nil {
			v.money = e.Resolution.Compensation + e.Resolution.Refund
			if v.money > 0 {
				v.cond |= condCompensated
			}
		}
		d := t.Deadlines
		if !t.RepliedAt.IsZero() {
			v.dur[durReply], v.durOK[durReply] = secs(t.RepliedAt.Sub(t.ReceivedAt)), true
		}
		if !t.FirstContactAt.IsZero() {
			v.dur[durContact], v.durOK[durContact] = secs(t.FirstContactAt.Sub(t.ReceivedAt)), true
		}
		v.dur[durResolve], v.durOK[durResolve] = secs(e.At.Sub(t.ReceivedAt)-t.Paused), true
		if !d.Reply.IsZero() {
			v.cond |= condReplyDue
			if !t.RepliedAt.IsZero() && !t.RepliedAt.After(d.Reply) {
				v.cond |= condReplyOnTime
			}
		}
		if !d.Resolve.IsZero() {
			v.cond |= condResolveDue
			if e.At.After(d.Resolve) {
				v.cond |= condOverdue
			} else {
				v.cond |= condResolveOnTime
			}
		}
		fn(v)
	case complaint.EventVisited:
		if e.Visit == nil {
			return
		}
		*v = view{fact: FactVisited, at: e.At}
		v.intake(t)
		v.handler(t)
		if e.Visit.Satisfied {
			v.cond |= condSatisfied
		}
		fn(v)
	case complaint.EventReopened:
		*v = view{fact: FactReopened, at: e.At}
		v.intake(t)
		fn(v)
	case complaint.EventClosed:
		if e.Closing == nil {
			return
		}
		*v = view{fact: FactClosed, at: e.At}
		v.intake(t)
		v.handler(t)
		r := e.Closing.Responsibility
		v.department, v.respUnit, v.side = r.Department, r.Unit, r.Side
		v.handling = t.Handling
		v.money = t.Resolution.Compensation + t.Resolution.Refund
		if v.money > 0 {
			v.cond |= condCompensated
		}
		if r.LocallyControllable {
			v.cond |= condControllable
		}
		if t.TransferCount > 0 {
			v.cond |= condWasTransferred
		}
		if t.ReopenCount > 0 {
			v.cond |= condWasReopened
		}
		if t.TransferCount == 0 && t.ReopenCount == 0 && t.UrgeCount == 0 {
			v.cond |= condFCR
		}
		if t.RepeatOf != "" {
			v.cond |= condRepeat
		}
		if t.Centralised {
			v.cond |= condCentralised
		}
		if t.GreenChannel {
			v.cond |= condGreen
		}
		if t.Escalated {
			v.cond |= condEscalated
		}
		fn(v)
	}
}

func seenBefore(tags []complaint.Tag, i int) bool {
	for j := 0; j < i; j++ {
		if tags[j].Name == tags[i].Name {
			return true
		}
	}
	return false
}

// arrivedEscalated reports whether a ticket came in as an escalation: from a
// regulator line or as kind escalated (申诉 / 越级).
func arrivedEscalated(t *complaint.Ticket) bool {
	return t.Kind == complaint.KindEscalated || t.Channel.Regulator()
}

// outside reports whether an escalation target is outside the company: a
// regulator, the group hotline or the media.
func outside(target string) bool {
	switch complaint.Channel(target) {
	case complaint.ChannelMIIT, complaint.ChannelEnergy, complaint.ChannelProvincial,
		complaint.ChannelGroupHotline, complaint.ChannelMedia:
		return true
	}
	return false
}

func secs(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64(d / time.Second)
}

package complaint

import (
	"fmt"
	"time"
)

// sameStatus marks a transition that keeps the status.
const sameStatus Status = ""

type transition struct {
	from []Status
	to   Status
}

var (
	open        = []Status{StatusReceived, StatusAccepted, StatusDispatched, StatusHandling, StatusWaiting, StatusReplied}
	anyStatus   = Statuses
	inWork      = []Status{StatusDispatched, StatusHandling, StatusWaiting}
	transitions = map[EventType]transition{
		EventAccepted:     {[]Status{StatusReceived}, StatusAccepted},
		EventTagged:       {anyStatus, sameStatus},
		EventDispatched:   {[]Status{StatusReceived, StatusAccepted, StatusDispatched, StatusHandling}, StatusDispatched},
		EventAssigned:     {[]Status{StatusDispatched, StatusHandling}, StatusHandling},
		EventTransferred:  {inWork, StatusDispatched},
		EventDeadlinesSet: {open, sameStatus},
		EventContacted:    {[]Status{StatusAccepted, StatusDispatched, StatusHandling, StatusWaiting, StatusReplied}, sameStatus},
		EventUrged:        {open, sameStatus},
		EventInfoAdded:    {open, sameStatus}, // from waiting it resumes (see apply)
		EventNote:         {anyStatus, sameStatus},
		EventWaiting:      {[]Status{StatusHandling}, StatusWaiting},
		EventResumed:      {[]Status{StatusWaiting}, StatusHandling},
		EventReplied:      {[]Status{StatusHandling, StatusReplied}, StatusReplied},
		EventApproved:     {open, sameStatus},
		EventEscalated:    {open, sameStatus},
		EventResolved:     {[]Status{StatusHandling, StatusReplied}, StatusResolved},
		EventVisited:      {[]Status{StatusResolved}, StatusVisited},
		EventReopened:     {[]Status{StatusResolved, StatusVisited, StatusClosed}, StatusHandling},
		EventClosed:       {[]Status{StatusResolved, StatusVisited}, StatusClosed},
		EventMerged:       {anyStatus, sameStatus},
		EventProfiled:     {open, sameStatus},
	}
	allowedIn = func() map[Status][]EventType {
		m := make(map[Status][]EventType)
		for _, et := range EventTypes {
			tr, ok := transitions[et]
			if !ok {
				continue
			}
			for _, s := range tr.from {
				m[s] = append(m[s], et)
			}
		}
		return m
	}()
)

// Allowed returns the event types the lifecycle allows in status s, in the
// order of EventTypes. The slice is shared: do not modify it.
func Allowed(s Status) []EventType { return allowedIn[s] }

// Can reports whether the lifecycle allows an event of type et in status s.
func Can(s Status, et EventType) bool {
	tr, ok := transitions[et]
	if !ok {
		return false
	}
	for _, f := range tr.from {
		if f == s {
			return true
		}
	}
	return false
}

// Apply folds one event into t: the lifecycle as a pure function (no I/O, no
// clock; the time is the event's). On success t is the new ticket; on error t
// is unchanged and the error is a *TransitionError (the status does not allow
// the event) or a *ValidationError (the event is malformed), or says the
// event's sequence number does not follow the ticket's version.
//
// The first event of a ticket must be EventReceived and t the zero Ticket.
func Apply(t *Ticket, e *Event) error {
	if e.Seq != 0 && e.Seq != t.Version+1 {
		return fmt.Errorf("complaint: ticket %s: event seq %d does not follow version %d: %w", t.ID, e.Seq, t.Version, ErrConflict)
	}
	if e.Type == EventReceived {
		if t.Version != 0 {
			return &TransitionError{Ticket: t.ID, Status: t.Status, Event: e.Type, Allowed: Allowed(t.Status)}
		}
		if err := ValidateEvent(e); err != nil {
			return err
		}
		applyReceived(t, e)
		return nil
	}
	if t.Version == 0 {
		return &TransitionError{Ticket: e.Ticket, Status: "", Event: e.Type, Allowed: []EventType{EventReceived}}
	}
	tr, ok := transitions[e.Type]
	if !ok || !Can(t.Status, e.Type) {
		return &TransitionError{Ticket: t.ID, Status: t.Status, Event: e.Type, Allowed: Allowed(t.Status)}
	}
	if err := ValidateEvent(e); err != nil {
		return err
	}
	if tr.to != sameStatus {
		if t.Status == StatusWaiting && tr.to != StatusWaiting {
			endPause(t, e.At)
		}
		t.Status = tr.to
	}
	switch e.Type {
	case EventAccepted:
		t.AcceptedAt = e.At
	case EventTagged:
		for _, tag := range e.Tags {
			if tag.Name == TagProfilePending {
				t.ProfilePending = true
			}
			if !t.HasTag(tag.Name) {
				t.Tags = append(t.Tags, tag)
			}
		}
	case EventDispatched, EventTransferred:
		d := e.Dispatch
		if e.Type == EventTransferred {
			t.TransferCount++
			t.PrevUnit = t.Unit
		}
		if t.AcceptedAt.IsZero() {
			t.AcceptedAt = e.At
		}
		if d.Tier != "" {
			t.Tier = d.Tier
		}
		t.Unit, t.Queue, t.Assignee = d.Unit, d.Queue, ""
		if d.Priority != 0 {
			t.Priority = d.Priority
		}
		if d.Handling != "" {
			t.Handling = d.Handling
		}
		t.GreenChannel = t.GreenChannel || d.Green
		t.Centralised = d.Centralised
		if d.Route != "" {
			t.Route = d.Route
		}
	case EventAssigned:
		t.Assignee = e.Assign.Assignee
	case EventDeadlinesSet:
		t.Deadlines = *e.Deadlines
	case EventContacted:
		if t.FirstContactAt.IsZero() {
			t.FirstContactAt = e.At
		}
	case EventUrged:
		t.UrgeCount++
	case EventInfoAdded:
		if t.Status == StatusWaiting {
			endPause(t, e.At)
			t.Status = StatusHandling
		}
	case EventWaiting:
		t.PausedAt = e.At
	case EventReplied:
		if t.RepliedAt.IsZero() {
			t.RepliedAt = e.At
		}
		if t.FirstContactAt.IsZero() {
			t.FirstContactAt = e.At
		}
	case EventApproved:
		if e.Approval.Amount > t.Approved {
			t.Approved = e.Approval.Amount
		}
	case EventEscalated:
		t.Escalated = true
		t.EscalationTarget = e.Escalation.Target
		if e.Escalation.Tier != "" && e.Escalation.Tier.Rank() > t.Tier.Rank() {
			t.Tier = e.Escalation.Tier
		}
	case EventResolved:
		sat := t.Resolution.Satisfied
		t.Resolution = *e.Resolution
		t.Resolution.Satisfied = sat
		t.ResolvedAt = e.At
	case EventVisited:
		v := e.Visit.Satisfied
		t.Resolution.Satisfied = &v
		t.Resolution.Score = e.Visit.Score
	case EventReopened:
		t.ReopenCount++
		t.ClosedAt = time.Time{}
		t.ResolvedAt = time.Time{}
		if t.Assignee == "" {
			t.Status = StatusDispatched
		}
	case EventClosed:
		t.Responsibility = e.Closing.Responsibility
		if e.Closing.Handling != "" {
			t.Handling = e.Closing.Handling
		}
		t.ClosedAt = e.At
	case EventMerged:
		t.ProblemID = e.Merge.Problem
	case EventProfiled:
		t.ProfilePending = false
	}
	t.Version++
	t.UpdatedAt = e.At
	return nil
}

func endPause(t *Ticket, at time.Time) {
	if t.PausedAt.IsZero() {
		return
	}
	d := at.Sub(t.PausedAt)
	if d < 0 {
		d = 0
	}
	t.Paused += d
	t.Deadlines = t.Deadlines.Shift(d)
	t.PausedAt = time.Time{}
}

func applyReceived(t *Ticket, e *Event) {
	in := e.Intake
	recv := in.ReceivedAt
	if recv.IsZero() {
		recv = e.At
	}
	*t = Ticket{
		ID: e.Ticket, ExternalID: in.ExternalID, Kind: in.Kind, Channel: in.Channel,
		Category: in.Category, Region: in.Region, Customer: in.Customer, Subscriber: in.Subscriber,
		Product: in.Product, Partner: in.Partner, BillingCode: in.BillingCode, Text: in.Text,
		RepeatOf: in.RepeatOf, ReceivedAt: recv, UpdatedAt: e.At, Status: StatusReceived, Version: 1,
	}
	if in.Channel.Regulator() || in.Kind == KindEscalated {
		t.Escalated = true
		if in.Channel.Regulator() {
			t.EscalationTarget = string(in.Channel)
		}
	}
}

// Fold rebuilds a ticket from its events, in order. It fails on the first
// event that does not apply, naming its sequence number.
func Fold(events []Event) (*Ticket, error) {
	t := new(Ticket)
	for i := range events {
		if err := Apply(t, &events[i]); err != nil {
			return nil, fmt.Errorf("complaint: fold event %d (%s): %w", i+1, events[i].Type, err)
		}
	}
	if t.Version == 0 {
		return nil, fmt.Errorf("complaint: fold: no events: %w", ErrInvalid)
	}
	return t, nil
}

package complaint_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func intake() *complaint.Intake {
	return &complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: complaint.CatVASUnaware, Region: "gd.gz.th", Customer: "C1", Subscriber: "13812345678",
		Partner: "SP001", BillingCode: "BC9", Text: "不知情被订购了彩铃"}
}

// sample returns a well-formed event of type et (payload filled in).
func sample(et complaint.EventType) complaint.Event {
	e := complaint.Event{Type: et, Actor: complaint.Actor{Kind: complaint.ActorAgent, ID: "A7", Tier: complaint.TierCity}}
	switch et {
	case complaint.EventReceived:
		e.Intake = intake()
	case complaint.EventTagged:
		e.Tags = []complaint.Tag{{Name: "vip", Rule: "r1"}}
	case complaint.EventDispatched, complaint.EventTransferred:
		e.Dispatch = &complaint.Dispatch{Tier: complaint.TierCity, Unit: "gz-centre", Queue: "vas"}
	case complaint.EventAssigned:
		e.Assign = &complaint.Assign{Assignee: "A7"}
	case complaint.EventDeadlinesSet:
		e.Deadlines = &complaint.Deadlines{Resolve: t0.Add(48 * time.Hour)}
	case complaint.EventApproved:
		e.Approval = &complaint.Approval{Amount: 5000}
	case complaint.EventEscalated:
		e.Escalation = &complaint.Escalation{Target: "12300", Tier: complaint.TierProvince}
	case complaint.EventResolved:
		e.Resolution = &complaint.Resolution{Outcome: "退订并退费", Refund: 1000}
	case complaint.EventVisited:
		e.Visit = &complaint.Visit{Satisfied: true, Score: 9}
	case complaint.EventClosed:
		e.Closing = &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "gz", Cause: "SP违规"}}
	case complaint.EventMerged:
		e.Merge = &complaint.Merge{Problem: "P1"}
	case complaint.EventInfoAdded, complaint.EventNote, complaint.EventReplied, complaint.EventReopened:
		e.Text = "文本"
	}
	return e
}

// paths reach each status from nothing.
var paths = map[complaint.Status][]complaint.EventType{
	complaint.StatusReceived:   {complaint.EventReceived},
	complaint.StatusAccepted:   {complaint.EventReceived, complaint.EventAccepted},
	complaint.StatusDispatched: {complaint.EventReceived, complaint.EventAccepted, complaint.EventDispatched},
	complaint.StatusHandling:   {complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned},
	complaint.StatusWaiting:    {complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned, complaint.EventWaiting},
	complaint.StatusReplied:    {complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned, complaint.EventReplied},
	complaint.StatusResolved:   {complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned, complaint.EventReplied, complaint.EventResolved},
	complaint.StatusVisited:    {complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned, complaint.EventResolved, complaint.EventVisited},
	complaint.StatusClosed:     {complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned, complaint.EventResolved, complaint.EventVisited, complaint.EventClosed},
}

func build(t *testing.T, types ...complaint.EventType) (*complaint.Ticket, []complaint.Event) {
	t.Helper()
	tk := new(complaint.Ticket)
	var evs []complaint.Event
	for i, et := range types {
		e := sample(et)
		e.Ticket, e.Seq, e.At = "T1", i+1, t0.Add(time.Duration(i)*time.Hour)
		require.NoError(t, complaint.Apply(tk, &e), "step %d %s", i, et)
		evs = append(evs, e)
	}
	return tk, evs
}

// allowed is the lifecycle written out by hand: status → event → resulting status.
var allowed = map[complaint.Status]map[complaint.EventType]complaint.Status{}

func init() {
	R, A, D, H, W, P, S, V, C := complaint.StatusReceived, complaint.StatusAccepted, complaint.StatusDispatched,
		complaint.StatusHandling, complaint.StatusWaiting, complaint.StatusReplied, complaint.StatusResolved,
		complaint.StatusVisited, complaint.StatusClosed
	set := func(s complaint.Status, et complaint.EventType, to complaint.Status) {
		if allowed[s] == nil {
			allowed[s] = map[complaint.EventType]complaint.Status{}
		}
		allowed[s][et] = to
	}
	for _, s := range complaint.Statuses {
		set(s, complaint.EventTagged, s)
		set(s, complaint.EventNote, s)
		set(s, complaint.EventMerged, s)
	}
	for _, s := range []complaint.Status{R, A, D, H, W, P} {
		set(s, complaint.EventDeadlinesSet, s)
		set(s, complaint.EventUrged, s)
		set(s, complaint.EventInfoAdded, s)
		set(s, complaint.EventApproved, s)
		set(s, complaint.EventEscalated, s)
		set(s, complaint.EventProfiled, s)
	}
	set(W, complaint.EventInfoAdded, H) // adding information ends the wait
	set(R, complaint.EventAccepted, A)
	for _, s := range []complaint.Status{R, A, D, H} {
		set(s, complaint.EventDispatched, D)
	}
	set(D, complaint.EventAssigned, H)
	set(H, complaint.EventAssigned, H)
	for _, s := range []complaint.Status{D, H, W} {
		set(s, complaint.EventTransferred, D)
	}
	for _, s := range []complaint.Status{A, D, H, W, P} {
		set(s, complaint.EventContacted, s)
	}
	set(H, complaint.EventWaiting, W)
	set(W, complaint.EventResumed, H)
	set(H, complaint.EventReplied, P)
	set(P, complaint.EventReplied, P)
	set(H, complaint.EventResolved, S)
	set(P, complaint.EventResolved, S)
	set(S, complaint.EventVisited, V)
	set(S, complaint.EventReopened, H)
	set(V, complaint.EventReopened, H)
	set(C, complaint.EventReopened, H)
	set(S, complaint.EventClosed, C)
	set(V, complaint.EventClosed, C)
}

func TestEveryTransition(t *testing.T) {
	for _, s := range complaint.Statuses {
		for _, et := range complaint.EventTypes {
			name := fmt.Sprintf("%s/%s", s, et)
			t.Run(name, func(t *testing.T) {
				tk, _ := build(t, paths[s]...)
				require.Equal(t, s, tk.Status)
				before := *tk
				e := sample(et)
				e.Ticket, e.Seq, e.At = "T1", tk.Version+1, t0.Add(24*time.Hour)
				err := complaint.Apply(tk, &e)
				want, ok := allowed[s][et]
				if !ok {
					require.Error(t, err)
					assert.ErrorIs(t, err, complaint.ErrInvalidTransition)
					var te *complaint.TransitionError
					require.True(t, errors.As(err, &te))
					assert.Equal(t, s, te.Status)
					assert.Equal(t, et, te.Event)
					assert.Equal(t, complaint.Allowed(s), te.Allowed)
					assert.Contains(t, err.Error(), string(et)+" not allowed")
					assert.Equal(t, before.Version, tk.Version, "ticket unchanged on error")
					assert.Equal(t, before.Status, tk.Status)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, want, tk.Status)
				assert.Equal(t, before.Version+1, tk.Version)
				assert.True(t, complaint.Can(s, et) || et == complaint.EventReceived)
			})
		}
	}
}

func TestAllowedMatchesTable(t *testing.T) {
	for _, s := range complaint.Statuses {
		var want []complaint.EventType
		for _, et := range complaint.EventTypes {
			if _, ok := allowed[s][et]; ok {
				want = append(want, et)
			}
		}
		assert.Equal(t, want, complaint.Allowed(s), s)
	}
}

func TestTransitionErrorMessage(t *testing.T) {
	tk, _ := build(t, paths[complaint.StatusClosed]...)
	e := sample(complaint.EventReplied)
	e.At = t0.Add(48 * time.Hour)
	err := complaint.Apply(tk, &e)
	require.Error(t, err)
	assert.Equal(t, "complaint: ticket T1 is closed: replied not allowed (allowed: tagged, note, reopened, merged)", err.Error())
}

func TestReopenEscalateMergeKeepHistory(t *testing.T) {
	tk, evs := build(t, complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned,
		complaint.EventReplied, complaint.EventResolved, complaint.EventVisited, complaint.EventClosed,
		complaint.EventReopened, complaint.EventEscalated, complaint.EventMerged, complaint.EventReplied,
		complaint.EventResolved, complaint.EventClosed)
	assert.Equal(t, complaint.StatusClosed, tk.Status)
	assert.Equal(t, 1, tk.ReopenCount)
	assert.True(t, tk.Escalated)
	assert.Equal(t, "12300", tk.EscalationTarget)
	assert.Equal(t, complaint.TierProvince, tk.Tier)
	assert.Equal(t, "P1", tk.ProblemID)
	assert.Equal(t, 13, tk.Version)
	require.NotNil(t, tk.Resolution.Satisfied, "the visit's verdict survives a second resolution")
	// Rebuilt from its events the ticket is the same.
	again, err := complaint.Fold(evs)
	require.NoError(t, err)
	assert.Equal(t, tk, again)
}

func TestPauseShiftsDeadlines(t *testing.T) {
	tk, _ := build(t, complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned, complaint.EventDeadlinesSet)
	resolve := tk.Deadlines.Resolve
	wait := sample(complaint.EventWaiting)
	wait.At = t0.Add(10 * time.Hour)
	require.NoError(t, complaint.Apply(tk, &wait))
	info := sample(complaint.EventInfoAdded) // the customer answers: the wait ends
	info.At = t0.Add(13 * time.Hour)
	require.NoError(t, complaint.Apply(tk, &info))
	assert.Equal(t, complaint.StatusHandling, tk.Status)
	assert.Equal(t, 3*time.Hour, tk.Paused)
	assert.Equal(t, resolve.Add(3*time.Hour), tk.Deadlines.Resolve)
	assert.True(t, tk.PausedAt.IsZero())
}

func TestApplyRefusesBadEvents(t *testing.T) {
	tk, _ := build(t, complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned)
	e := complaint.Event{Type: complaint.EventResolved, At: t0, Resolution: &complaint.Resolution{Compensation: -5}}
	err := complaint.Apply(tk, &e)
	require.ErrorIs(t, err, complaint.ErrInvalid)
	var ve *complaint.ValidationError
	require.ErrorAs(t, err, &ve)
	var paths []string
	for _, f := range ve.Fields {
		paths = append(paths, f.Path)
	}
	assert.Equal(t, []string{"resolution.outcome", "resolution.compensation"}, paths)
	assert.Equal(t, complaint.StatusHandling, tk.Status)

	e = complaint.Event{Type: complaint.EventReplied, At: t0, Seq: 9}
	assert.ErrorIs(t, complaint.Apply(tk, &e), complaint.ErrConflict)

	e = sample(complaint.EventReceived)
	e.At = t0
	assert.ErrorIs(t, complaint.Apply(tk, &e), complaint.ErrInvalidTransition, "received twice")

	fresh := new(complaint.Ticket)
	e = sample(complaint.EventReplied)
	e.At = t0
	assert.ErrorIs(t, complaint.Apply(fresh, &e), complaint.ErrInvalidTransition, "first event must be received")
}

func TestTagsKeepTheirRule(t *testing.T) {
	tk, _ := build(t, complaint.EventReceived)
	e := complaint.Event{Type: complaint.EventTagged, At: t0, Tags: []complaint.Tag{{Name: "escalation-tendency", Rule: "regulator-words", At: t0}, {Name: "vip", Rule: "r2", At: t0}}}
	require.NoError(t, complaint.Apply(tk, &e))
	e2 := complaint.Event{Type: complaint.EventTagged, At: t0, Tags: []complaint.Tag{{Name: "vip", Rule: "other", At: t0}}}
	require.NoError(t, complaint.Apply(tk, &e2))
	tag, ok := tk.Tag("vip")
	require.True(t, ok)
	assert.Equal(t, "r2", tag.Rule, "the first rule that set a tag is kept")
	assert.Len(t, tk.Tags, 2)
	assert.True(t, slices.ContainsFunc(tk.Tags, func(t complaint.Tag) bool { return t.Rule == "regulator-words" }))
}

func TestRegulatorIntakeIsEscalated(t *testing.T) {
	tk := new(complaint.Ticket)
	in := intake()
	in.Channel = complaint.ChannelMIIT
	e := complaint.Event{Ticket: "T9", Type: complaint.EventReceived, At: t0, Intake: in}
	require.NoError(t, complaint.Apply(tk, &e))
	assert.True(t, tk.Escalated)
	assert.Equal(t, "12300", tk.EscalationTarget)
}

// TestEventTypeValid holds Valid to EventTypes: every listed type is
// valid, and strings near them (another case, a prefix, a suffix, empty)
// are not.
func TestEventTypeValid(t *testing.T) {
	for _, et := range complaint.EventTypes {
		if !et.Valid() {
			t.Errorf("%q is listed in EventTypes but not Valid", et)
		}
		for _, near := range []complaint.EventType{et[:len(et)-1], et + "s", complaint.EventType(strings.ToUpper(string(et))), " " + et} {
			if near.Valid() {
				t.Errorf("%q is Valid but not an event type", near)
			}
		}
	}
	if complaint.EventType("").Valid() {
		t.Error(`"" is Valid`)
	}
}

package complaint_test

import (
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fieldPaths(t *testing.T, err error) []string {
	t.Helper()
	var ve *complaint.ValidationError
	require.ErrorAs(t, err, &ve)
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Path)
	}
	return out
}

func TestValidateIntake(t *testing.T) {
	cats := complaint.CarrierCategories()
	regions := complaint.SampleRegions()
	cases := []struct {
		name  string
		mod   func(*complaint.Intake)
		paths []string
	}{
		{"ok", func(*complaint.Intake) {}, nil},
		{"everything wrong", func(in *complaint.Intake) {
			in.Kind, in.Channel, in.Category, in.Region, in.Customer, in.Subscriber = "", "fax", "", "gd..gz", "", ""
		}, []string{"intake.kind", "intake.channel", "intake.category", "intake.region", "intake.customer"}},
		{"unknown kind", func(in *complaint.Intake) { in.Kind = "rant" }, []string{"intake.kind"}},
		{"unknown category", func(in *complaint.Intake) { in.Category = "vas.nope" }, []string{"intake.category"}},
		{"unknown region", func(in *complaint.Intake) { in.Region = "bj" }, []string{"intake.region"}},
		{"no customer", func(in *complaint.Intake) { in.Customer, in.Subscriber = "", "" }, []string{"intake.customer"}},
		{"bad utf8", func(in *complaint.Intake) { in.Text = "\xff\xfe" }, []string{"intake.text"}},
		{"too long", func(in *complaint.Intake) { in.Text = string(make([]byte, complaint.MaxTextLen+1)) }, []string{"intake.text"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := intake()
			c.mod(in)
			err := complaint.ValidateIntake(in, cats, regions)
			if c.paths == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, complaint.ErrInvalid)
			assert.Equal(t, c.paths, fieldPaths(t, err))
		})
	}
	err := complaint.ValidateIntake(&complaint.Intake{Kind: "x", Channel: complaint.ChannelApp, Category: "a b", Region: "gd"}, nil, nil)
	assert.EqualError(t, err, `complaint: invalid input: intake.kind: unknown kind "x"; intake.category: malformed code "a b" (want dot-separated segments of letters, digits, - or _); intake.customer: customer or subscriber required for a x`)
}

func TestValidateEvent(t *testing.T) {
	cases := []struct {
		e     complaint.Event
		paths []string
	}{
		{complaint.Event{Type: "bogus", At: t0}, []string{"type"}},
		{complaint.Event{Type: complaint.EventReplied}, []string{"at"}},
		{complaint.Event{Type: complaint.EventDispatched, At: t0}, []string{"dispatch"}},
		{complaint.Event{Type: complaint.EventDispatched, At: t0, Dispatch: &complaint.Dispatch{Tier: "moon", Handling: "x"}}, []string{"dispatch.unit", "dispatch.tier", "dispatch.handling"}},
		{complaint.Event{Type: complaint.EventAssigned, At: t0, Assign: &complaint.Assign{}}, []string{"assign.assignee"}},
		{complaint.Event{Type: complaint.EventClosed, At: t0, Closing: &complaint.Closing{Handling: "x"}}, []string{"closing.responsibility.unit", "closing.handling"}},
		{complaint.Event{Type: complaint.EventTagged, At: t0, Tags: []complaint.Tag{{Rule: "r"}}}, []string{"tags[0].name"}},
		{complaint.Event{Type: complaint.EventApproved, At: t0, Approval: &complaint.Approval{}}, []string{"approval.amount"}},
		{complaint.Event{Type: complaint.EventEscalated, At: t0, Escalation: &complaint.Escalation{Tier: "x"}}, []string{"escalation.target", "escalation.tier"}},
		{complaint.Event{Type: complaint.EventVisited, At: t0, Visit: &complaint.Visit{Score: 101}}, []string{"visit.score"}},
		{complaint.Event{Type: complaint.EventMerged, At: t0, Merge: &complaint.Merge{}}, []string{"merge.problem"}},
		{complaint.Event{Type: complaint.EventNote, At: t0}, []string{"text"}},
		{complaint.Event{Type: complaint.EventNote, At: t0, Text: "x", Actor: complaint.Actor{Kind: "alien", Tier: "moon"}, Visibility: "secret"}, []string{"actor.kind", "actor.tier", "visibility"}},
		{complaint.Event{Type: complaint.EventReceived, At: t0}, []string{"intake"}},
		{complaint.Event{Type: complaint.EventReopened, At: t0}, nil},
	}
	for _, c := range cases {
		err := complaint.ValidateEvent(&c.e)
		if c.paths == nil {
			assert.NoError(t, err, c.e.Type)
			continue
		}
		assert.Equal(t, c.paths, fieldPaths(t, err), c.e.Type)
	}
}

func TestValidCode(t *testing.T) {
	for _, s := range []string{"a", "gd.gz", "vas.unaware", "01.02", "a_b-c.d"} {
		assert.True(t, complaint.ValidCode(s), s)
	}
	for _, s := range []string{"", ".", "a.", ".a", "a..b", "a b", "广东", "a/b"} {
		assert.False(t, complaint.ValidCode(s), s)
	}
}

func TestMoney(t *testing.T) {
	assert.Equal(t, "12.50", complaint.Money(1250).String())
	assert.Equal(t, "0.05", complaint.Money(5).String())
	assert.Equal(t, "-3.07", complaint.Money(-307).String())
	assert.InDelta(t, 12.5, complaint.Money(1250).Yuan(), 1e-9)
}

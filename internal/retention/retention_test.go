package retention_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/kesu-go/kesu/internal/retention"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		p    retention.Policy
		want []string // field paths
	}{
		{"ok", retention.Policy{Years: 3}, nil},
		{"zero", retention.Policy{}, []string{"retention.years"}},
		{"bad lists", retention.Policy{Years: 1, ConsentYears: -1, ConsentTags: []string{""}, RecordTypes: []string{"x", ""}},
			[]string{"retention.consent_years", "retention.consent_tags[0]", "retention.record_types[1]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			var v *complaint.ValidationError
			require.ErrorAs(t, err, &v)
			var paths []string
			for _, f := range v.Fields {
				paths = append(paths, f.Path)
			}
			assert.Equal(t, tc.want, paths)
		})
	}
}

func TestDue(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	closed := func(y int, tags ...string) *complaint.Ticket {
		tk := &complaint.Ticket{ID: "T", Status: complaint.StatusClosed, ClosedAt: time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC), Customer: "C1"}
		for _, n := range tags {
			tk.Tags = append(tk.Tags, complaint.Tag{Name: n})
		}
		return tk
	}
	p := retention.Policy{Years: 1, ConsentTags: []string{"consent"}}
	tests := []struct {
		name      string
		t         *complaint.Ticket
		due, kept bool
	}{
		{"closed long ago", closed(2025), true, false},
		{"closed this year", closed(2029), false, false},
		{"consent within two years", closed(2028, "consent"), false, true},
		{"consent older than two years", closed(2027, "consent"), true, false},
		{"open", &complaint.Ticket{Status: complaint.StatusHandling, Customer: "C1"}, false, false},
		{"already masked", func() *complaint.Ticket { t := closed(2020); retention.MaskTicket(t); return t }(), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			due, kept := p.Due(tc.t, now)
			assert.Equal(t, tc.due, due)
			assert.Equal(t, tc.kept, kept)
		})
	}
	// A policy longer than two years keeps consent tickets as long.
	long := retention.Policy{Years: 5, ConsentTags: []string{"consent"}}
	cut, consent := long.Cutoffs(now)
	assert.Equal(t, cut, consent)
}

func TestMaskEvent(t *testing.T) {
	e := complaint.Event{Type: complaint.EventReceived, Text: "x", Actor: complaint.Actor{Kind: complaint.ActorCustomer, ID: "C1"},
		Intake: &complaint.Intake{Customer: "C1", Subscriber: "138", Text: "t", Category: "vas"}}
	require.True(t, retention.MaskEvent(&e))
	assert.Equal(t, retention.Masked, e.Intake.Customer)
	assert.Equal(t, retention.Masked, e.Intake.Subscriber)
	assert.Equal(t, retention.Masked, e.Actor.ID)
	assert.Equal(t, "vas", e.Intake.Category)
	assert.False(t, retention.MaskEvent(&e), "masking twice changes nothing")
	agent := complaint.Event{Type: complaint.EventAssigned, Actor: complaint.Actor{Kind: complaint.ActorAgent, ID: "a1"}}
	assert.False(t, retention.MaskEvent(&agent))
	assert.Equal(t, "a1", agent.Actor.ID, "staff ids are not customer data")
}

func TestFromFile(t *testing.T) {
	f, err := policyfile.Parse("p.yaml", []byte("version: 1\nretention:\n  years: 3\n  consent_tags: [consent-recorded]\n  record_types: [contact]\n"))
	require.NoError(t, err)
	p, ok, err := retention.FromFile(f)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, retention.Policy{Years: 3, ConsentTags: []string{"consent-recorded"}, RecordTypes: []string{"contact"}}, p)

	f, err = policyfile.Parse("p.yaml", []byte("version: 1\nretention:\n  years: 0\n"))
	require.NoError(t, err)
	_, _, err = retention.FromFile(f)
	require.ErrorContains(t, err, "p.yaml:3")
	require.ErrorContains(t, err, "retention.years")

	f, err = policyfile.Parse("p.yaml", []byte("version: 1\nretention:\n  yeras: 3\n"))
	require.NoError(t, err)
	_, _, err = retention.FromFile(f)
	require.ErrorContains(t, err, "yeras")

	f, err = policyfile.Parse("p.yaml", []byte("version: 1\n"))
	require.NoError(t, err)
	_, ok, err = retention.FromFile(f)
	require.NoError(t, err)
	assert.False(t, ok)
}

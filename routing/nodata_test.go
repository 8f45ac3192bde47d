package routing_test

import (
	"context"
	"testing"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/routing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A deadline that falls in a year the calendar has no data for never loses
// the ticket: it is taken without deadlines and tagged deadline-unknown.
func TestNoCalendarDataNeverLosesTicket(t *testing.T) {
	pol, err := routing.Load("../examples/policy/carrier.yaml")
	require.NoError(t, err)
	st := routing.NewStage(pol, routing.Options{})
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC) // no 2027 data is shipped
	eng := kesu.New(kesu.Config{Now: func() time.Time { return now }, Stages: []kesu.Stage{st}})
	tk, err := eng.Intake(context.Background(), complaint.Intake{Kind: complaint.KindComplaint,
		Channel: complaint.ChannelHotline, Category: complaint.CatBillingDispute, Region: "gd.gz.th", Customer: "C1"})
	require.NoError(t, err)
	tag, ok := tk.Tag(routing.TagDeadlineUnknown)
	require.True(t, ok, "tags: %+v", tk.Tags)
	assert.Contains(t, tag.Rule, "sla:")
	assert.True(t, tk.Deadlines.IsZero())
	assert.NotEmpty(t, tk.Queue, "still routed")
}

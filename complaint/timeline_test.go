package complaint_test

import (
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublicTimelineHidesInternals(t *testing.T) {
	tk, evs := build(t, complaint.EventReceived, complaint.EventTagged, complaint.EventDispatched,
		complaint.EventAssigned, complaint.EventNote, complaint.EventUrged, complaint.EventReplied)
	evs[4].Text = "客户是投诉专家,注意措辞" // an internal note
	tl := complaint.PublicTimeline(tk, evs)
	assert.Equal(t, "138****5678", tl.Subscriber)
	assert.Equal(t, 1, tl.Urges)
	assert.Equal(t, "已答复", tl.Status)
	for _, e := range tl.Entries {
		assert.NotEqual(t, complaint.EventNote, e.Type)
		assert.NotEqual(t, complaint.EventTagged, e.Type)
		assert.NotContains(t, e.Text, "投诉专家")
	}
	require.Len(t, tl.Stages, 6)
	assert.True(t, tl.Stages[0].Done)
	assert.True(t, tl.Stages[1].Done)
	assert.True(t, tl.Stages[2].Done)
	assert.False(t, tl.Stages[3].Done)
}

func TestPublicTimelineInternalVisibility(t *testing.T) {
	tk, evs := build(t, complaint.EventReceived, complaint.EventDispatched, complaint.EventAssigned, complaint.EventReplied)
	evs[3].Visibility = complaint.Internal
	tl := complaint.PublicTimeline(tk, evs)
	for _, e := range tl.Entries {
		assert.NotEqual(t, complaint.EventReplied, e.Type)
	}
}

func TestMaskSubscriber(t *testing.T) {
	assert.Equal(t, "138****5678", complaint.MaskSubscriber("13812345678"))
	assert.Equal(t, "020****5678", complaint.MaskSubscriber("02012345678"))
	assert.Equal(t, "****5", complaint.MaskSubscriber("12345"))
	assert.Equal(t, "", complaint.MaskSubscriber(""))
	assert.Equal(t, "张三李**五六七八", complaint.MaskSubscriber("张三李四王五六七八"))
}

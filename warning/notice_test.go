package warning_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/warning"
)

// TestRepeatNoticeIsUnchanged: a "repeat" notice always carries the
// warning as its previous notice did (a notifier may skip it), even when
// the repeat interval is shorter than the group interval; a warning that
// changed is notified as "changed" by whichever interval comes first.
func TestRepeatNoticeIsUnchanged(t *testing.T) {
	dir := new(complaint.Directory)
	dir.Put(complaint.Customer{ID: "C1", Flags: []complaint.Flag{complaint.FlagProfessional}, PriorEscalations: 2})
	var got []warning.Notice
	cfg := warning.Config{Grouping: warning.GroupingConfig{
		GroupWait: warning.Duration(time.Minute), GroupInterval: warning.Duration(2 * time.Hour), RepeatInterval: warning.Duration(time.Hour)}}
	f := newFeeder(t, warning.Options{Customers: dir, Config: cfg, Notifier: recordNotifier{&got}})
	id := f.intake(t0, complaint.Intake{Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: "C1", Text: "再不解决就投诉到工信部"})
	f.tick(t0.Add(2 * time.Minute))
	f.apply(id, complaint.Event{Type: complaint.EventUrged, At: t0.Add(10 * time.Minute)})
	for h := 1; h <= 3; h++ {
		f.tick(t0.Add(2*time.Minute + time.Duration(h)*time.Hour))
	}
	var reasons []string
	for _, n := range got {
		reasons = append(reasons, n.Reason)
	}
	require.Equal(t, []string{"new", "changed", "repeat", "repeat"}, reasons)
	assert.Equal(t, 9, got[0].Warning.Evidence.Score)
	assert.Equal(t, 10, got[1].Warning.Evidence.Score, "the urge is in the changed notice")
	for i := 2; i < len(got); i++ {
		assert.Equal(t, got[i-1].Warning, got[i].Warning, "a repeat notice repeats the previous one")
	}
}

// TestNoRepeatNotices: with Options.NoRepeatNotices the notifier hears of
// a warning when it is new, changed and resolved, never repeated; the new
// notice comes at the same tick as with repeats.
func TestNoRepeatNotices(t *testing.T) {
	dir := new(complaint.Directory)
	dir.Put(complaint.Customer{ID: "C1", Flags: []complaint.Flag{complaint.FlagProfessional}, PriorEscalations: 2})
	run := func(noRepeat bool) []warning.Notice {
		var got []warning.Notice
		f := newFeeder(t, warning.Options{Customers: dir, Notifier: recordNotifier{&got}, NoRepeatNotices: noRepeat})
		id := f.intake(t0, complaint.Intake{Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: "C1", Text: "再不解决就投诉到工信部"})
		for h := 1; h <= 48; h++ {
			if h == 20 {
				f.apply(id, complaint.Event{Type: complaint.EventUrged, At: t0.Add(20 * time.Hour)})
			}
			f.tick(t0.Add(time.Duration(h) * time.Hour))
		}
		return got
	}
	with, without := run(false), run(true)
	var reasons []string
	for _, n := range without {
		reasons = append(reasons, n.Reason)
	}
	require.Equal(t, []string{"new", "changed"}, reasons)
	assert.Equal(t, with[0], without[0], "the new notice is the same, at the same tick")
	var repeats int
	for _, n := range with {
		if n.Reason == "repeat" {
			repeats++
		}
	}
	assert.Greater(t, repeats, 5, "with repeats the open warning is repeated every 4 h")
	assert.Equal(t, t0.Add(20*time.Hour), without[1].At)
	assert.Equal(t, 10, without[1].Warning.Evidence.Score)
}

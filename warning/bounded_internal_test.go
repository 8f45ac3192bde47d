package warning

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// TestStateBoundedByOpenTickets replays 20,000 tickets that each miss their
// first-contact deadline, then close: the deadline alarms, the notice heap,
// the active warnings and the ledger stay proportional to the open
// tickets (plus the recent window), not to history.
func TestStateBoundedByOpenTickets(t *testing.T) {
	ctx := context.Background()
	off := Duration(0)
	m, err := NewMonitor(ctx, Options{Config: Config{Deadline: DeadlineConfig{Appeal: &off}, Ledger: LedgerConfig{Recent: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	apply := func(tk *complaint.Ticket, e complaint.Event) {
		t.Helper()
		e.Ticket, e.Seq = tk.ID, tk.Version+1
		if err := complaint.Apply(tk, &e); err != nil {
			t.Fatal(err)
		}
		m.Observe(&e, tk)
	}
	const n = 20000
	var open []*complaint.Ticket
	maxHeap, maxDue := 0, 0
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute)
		tk := new(complaint.Ticket)
		in := complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing.dispute",
			Region: "gd.gz.th.s01", Customer: fmt.Sprintf("C%06d", i), ReceivedAt: at}
		tk.ID = fmt.Sprintf("T%06d", i)
		apply(tk, complaint.Event{Type: complaint.EventReceived, At: at, Intake: &in})
		apply(tk, complaint.Event{Type: complaint.EventAccepted, At: at})
		apply(tk, complaint.Event{Type: complaint.EventDispatched, At: at, Dispatch: &complaint.Dispatch{Unit: "u1"}})
		apply(tk, complaint.Event{Type: complaint.EventAssigned, At: at, Assign: &complaint.Assign{Assignee: "a1"}})
		apply(tk, complaint.Event{Type: complaint.EventDeadlinesSet, At: at,
			Deadlines: &complaint.Deadlines{FirstContact: at.Add(30 * time.Minute), Reply: at.Add(24 * time.Hour), Resolve: at.Add(72 * time.Hour)}})
		open = append(open, tk)
		// Tickets close two hours after intake, after their alarms fired.
		for len(open) > 0 && !open[0].ReceivedAt.Add(2*time.Hour).After(at) {
			c := open[0]
			open = open[1:]
			done := c.ReceivedAt.Add(2 * time.Hour)
			apply(c, complaint.Event{Type: complaint.EventContacted, At: done})
			apply(c, complaint.Event{Type: complaint.EventResolved, At: done, Resolution: &complaint.Resolution{Outcome: "ok"}})
			apply(c, complaint.Event{Type: complaint.EventClosed, At: done, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "u1"}}})
		}
		if i%10 == 0 {
			if err := m.Tick(ctx, at); err != nil {
				t.Fatal(err)
			}
			_ = m.Actions()
			maxHeap, maxDue = max(maxHeap, m.dl.n), max(maxDue, len(m.due))
		}
	}
	// About 120 tickets are open at a time, with a few alarms each.
	if maxHeap > 3000 {
		t.Errorf("deadline queue reached %d alarms for ~120 open tickets", maxHeap)
	}
	if maxDue > 3000 {
		t.Errorf("notice heap reached %d entries", maxDue)
	}
	if len(m.active) > 1000 {
		t.Errorf("%d active warnings for ~120 open tickets", len(m.active))
	}
	s := m.ledger.Summary()
	if s.ByKind[KindDeadline] < n/2 {
		t.Errorf("only %d deadline warnings counted; want most of %d tickets", s.ByKind[KindDeadline], n)
	}
	if l := len(m.ledger.entries) + len(m.ledger.recent); l > 1000 {
		t.Errorf("ledger holds %d entries in memory (%d raised)", l, s.Total)
	}
	t.Logf("raised %d; in memory: ledger %d open + %d recent, active %d, deadline alarms max %d, notice heap max %d",
		s.Total, len(m.ledger.entries), len(m.ledger.recent), len(m.active), maxHeap, maxDue)
}

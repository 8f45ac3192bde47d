package routing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/idtab"
)

// historyIndex is what History and the reference refHistory both offer.
type historyIndex interface {
	Observe(*complaint.Event, *complaint.Ticket)
	Lookup(customer, ticket, category string, now time.Time) HistoryView
	Tick(ctx context.Context, now time.Time) error
	Len() int
}

// TestHistoryMatchesReference drives History and refHistory (the
// implementation with strings in its marks) with the same random events —
// few customers, so marks pile up past HistoryMarks; tickets that are
// received, urged, reopened, escalated, resolved in any order, open or not,
// escalated or not; categories that differ below, at and above the second
// level; times that go backwards a little and jump past HistoryWindow; ticks
// at random — and compares every Lookup (for the customer's own tickets, other
// customers' and unknown ones, on every category) and Len.
func TestHistoryMatchesReference(t *testing.T) {
	cats := []string{"billing", "billing.dispute", "billing.dispute.overcharge", "billing.dispute.roaming",
		"billing.disputes", "billing.refund.late", "vas.unaware", "vas.unaware.sms", "vas", "", "network.quality.4g"}
	askCats := append([]string{"network.quality", "network.qualityx", "zz.unseen.sub"}, cats...)
	statuses := []complaint.Status{complaint.StatusReceived, complaint.StatusHandling, complaint.StatusReplied,
		complaint.StatusResolved, complaint.StatusVisited, complaint.StatusClosed}
	types := []complaint.EventType{complaint.EventReceived, complaint.EventReceived, complaint.EventUrged,
		complaint.EventReopened, complaint.EventEscalated, complaint.EventResolved, complaint.EventResolved,
		complaint.EventAccepted, complaint.EventClosed, complaint.EventReplied}
	rounds, steps := 24, 4000
	if testing.Short() {
		rounds = 6
	}
	lookups, forgotten := 0, 0
	for seed := range rounds {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x6b657375))
		customers := 2 + rng.IntN(12)
		if seed%3 == 0 {
			customers = 50 + rng.IntN(300) // more forgetting, a bigger customer table
		}
		if seed%3 == 1 {
			customers = 1 + rng.IntN(2) // more than HistoryMarks marks in the window
		}
		custID := func(i int) string {
			if i == customers {
				return "" // no customer: History ignores the ticket
			}
			return fmt.Sprintf("C%03d", i)
		}
		var tickets []*complaint.Ticket
		byCustomer := map[string][]string{}
		newTicket := func(now time.Time) *complaint.Ticket {
			n := len(tickets)
			id := fmt.Sprintf("T%d", n) // short ids (one word) …
			if n%3 == 0 {
				id = fmt.Sprintf("ticket-%012d-%d", n*7919, n) // … and long ones
			}
			tk := &complaint.Ticket{ID: id, Customer: custID(rng.IntN(customers + 1)), Category: cats[rng.IntN(len(cats))],
				ReceivedAt: now.Add(-time.Duration(rng.IntN(120)) * time.Minute), Status: statuses[rng.IntN(len(statuses))],
				Escalated: rng.IntN(5) == 0}
			tickets = append(tickets, tk)
			byCustomer[tk.Customer] = append(byCustomer[tk.Customer], id)
			return tk
		}
		h, ref := NewHistory(), newRefHistory()
		now := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(1e6)) * time.Second)
		compare := func(step int) {
			t.Helper()
			if h.Len() != ref.Len() {
				t.Fatalf("seed %d step %d: Len %d, reference %d", seed, step, h.Len(), ref.Len())
			}
			for range 6 {
				cu := custID(rng.IntN(customers + 2)) // sometimes "", sometimes unknown
				var tk string
				switch own := byCustomer[cu]; {
				case len(own) > 0 && rng.IntN(4) != 0:
					tk = own[rng.IntN(len(own))]
				case len(tickets) > 0 && rng.IntN(2) == 0:
					tk = tickets[rng.IntN(len(tickets))].ID
				default:
					tk = fmt.Sprintf("T%d", len(tickets)+rng.IntN(3))
				}
				cat := askCats[rng.IntN(len(askCats))]
				at := now.Add(time.Duration(rng.IntN(40*24)-5*24) * time.Hour)
				if rng.IntN(3) == 0 {
					at = now
				}
				got, want := h.Lookup(cu, tk, cat, at), ref.Lookup(cu, tk, cat, at)
				if got != want {
					t.Fatalf("seed %d step %d: Lookup(%q, %q, %q, %v) = %+v, reference %+v", seed, step, cu, tk, cat, at, got, want)
				}
				lookups++
			}
		}
		for step := range steps {
			switch r := rng.IntN(1000); {
			case r < 3: // a quiet spell: the window passes
				now = now.Add(time.Duration(20+rng.IntN(20)) * 24 * time.Hour)
			case r < 100:
				now = now.Add(time.Duration(rng.IntN(3*3600)) * time.Second)
				if rng.IntN(2) == 0 {
					before := h.Len()
					tick := now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
					if err, rerr := h.Tick(t.Context(), tick), ref.Tick(t.Context(), tick); err != nil || rerr != nil {
						t.Fatal(err, rerr)
					}
					forgotten += max(0, before-h.Len())
				}
			default:
				now = now.Add(time.Duration(rng.IntN(600)) * time.Second)
			}
			var tk *complaint.Ticket
			if len(tickets) == 0 || rng.IntN(3) == 0 {
				tk = newTicket(now)
			} else {
				tk = tickets[rng.IntN(len(tickets))]
				tk.Status = statuses[rng.IntN(len(statuses))]
				if rng.IntN(10) == 0 {
					tk.Escalated = !tk.Escalated
				}
			}
			e := &complaint.Event{Type: types[rng.IntN(len(types))], Ticket: tk.ID,
				At: now.Add(-time.Duration(rng.IntN(3600)) * time.Second)} // a little out of order
			h.Observe(e, tk)
			ref.Observe(e, tk)
			compare(step)
		}
	}
	t.Logf("%d look-ups agreed, %d customers forgotten by Tick", lookups, forgotten)
	if forgotten == 0 {
		t.Error("no customer was ever forgotten: the test does not reach expiry")
	}
}

// TestHistoryBytesPerCustomer measures the heap History and the reference
// hold per customer for the same stream (the dense stream's shape: most
// customers with one or two contacts in the window, some open tickets) and
// checks that History holds less.
func TestHistoryBytesPerCustomer(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	evs := historyStream(t, start, 0, 20000, 12000)
	heap := func() (bytes, objects uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc, ms.HeapObjects
	}
	measure := func(h historyIndex) float64 {
		base, baseObjs := heap()
		for _, o := range evs {
			h.Observe(o.e, o.t)
		}
		after, objs := heap()
		runtime.KeepAlive(h)
		used := after - min(base, after)
		t.Logf("%T: %d customers, heap %d → %d, %.2f heap objects per customer", h, h.Len(), base, after,
			float64(int64(objs)-int64(baseObjs))/float64(h.Len()))
		return float64(used) / float64(h.Len())
	}
	ref := measure(newRefHistory())
	got := measure(NewHistory())
	runtime.KeepAlive(evs)
	t.Logf("bytes per customer: %.0f (reference %.0f)", got, ref)
	if got >= ref {
		t.Errorf("History holds %.0f bytes per customer, the reference %.0f", got, ref)
	}
}

// TestCustTable inserts and removes random customers in History's customer
// table (small tables, so probe runs wrap around and removals shift entries
// back) and checks after every operation that exactly the present customers
// are found, each at its own slot.
func TestCustTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for round := range 20 {
		h := NewHistory()
		present := map[string]int32{}
		ids := make([]string, 40+rng.IntN(400))
		for i := range ids {
			ids[i] = fmt.Sprintf("C%d-%d", round, i)
		}
		for op := range 3000 {
			id := ids[rng.IntN(len(ids))]
			hash := idtab.Hash(id)
			i, s, ok := h.tab.Find(id, hash, h.is)
			if _, want := present[id]; ok != want {
				t.Fatalf("round %d op %d: find(%q) = %v, want %v", round, op, id, ok, want)
			}
			if ok {
				h.tab.Remove(i)
				h.release(s, h.slot(s))
				delete(present, id)
			} else {
				s, _ := h.alloc(id)
				h.tab.Insert(i, hash, s)
				present[id] = s
			}
			if h.tab.Len() != len(present) {
				t.Fatalf("round %d op %d: table holds %d, want %d", round, op, h.tab.Len(), len(present))
			}
			for _, id := range ids {
				_, got, ok := h.tab.Find(id, idtab.Hash(id), h.is)
				s, want := present[id]
				if ok != want || ok && got != s {
					t.Fatalf("round %d op %d: %q found %v, want %v (slot %d)", round, op, id, ok, want, s)
				}
			}
		}
	}
}

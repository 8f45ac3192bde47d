package routing

// The History of session 12 (strings in the marks, a map of pointers), kept
// verbatim as the reference the compact History must agree with.

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

type refMark struct {
	at     int64 // unix nanoseconds
	kind   markKind
	ticket string
	cat    string
}

type refCustomer struct {
	marks  []refMark // oldest first, at most HistoryMarks
	open   []string  // ids of the customer's open tickets
	queued int64     // when Tick looks at it next (its entry in the refExpiry heap); 0: none
}

// refExpiry is an entry of History's refExpiry heap: when customer's history
// next needs trimming or forgetting.
type refExpiry struct {
	at int64
	id string
	ch *refCustomer
}

type refHistory struct {
	mu  sync.RWMutex
	m   map[string]*refCustomer
	n   atomic.Int64
	exp []refExpiry // min-heap by at: Tick looks only at what expired
}

func newRefHistory() *refHistory { return &refHistory{m: map[string]*refCustomer{}} }

// Observe implements kesu.Observer. Only the events that add a mark
// (received, urged, reopened, escalated) or open or close a ticket
// (received, resolved, reopened) look the customer up; the others return at
// once. It does not allocate once a customer's marks and open tickets fit
// their slices.
func (h *refHistory) Observe(e *complaint.Event, t *complaint.Ticket) {
	if t.Customer == "" {
		return
	}
	var k markKind
	at := e.At
	switch e.Type {
	case complaint.EventReceived:
		k, at = markContact, t.ReceivedAt
	case complaint.EventUrged:
		k = markUrge
	case complaint.EventReopened:
		k = markReopen
	case complaint.EventEscalated:
		k = markEscalation
	case complaint.EventResolved:
		// closes the ticket (resolved, visited and closed are not open)
	default:
		// No other event adds a mark, opens or closes a ticket (see
		// complaint's lifecycle): the index already holds what it says, so
		// most of a ticket's events cost nothing here.
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.m[t.Customer]
	if ch == nil {
		if k == 0 && !t.Open() {
			return
		}
		ch = &refCustomer{}
		h.m[t.Customer] = ch
		h.n.Add(1)
	}
	if k != 0 {
		ch.trim(at.UnixNano() - int64(HistoryWindow))
		if len(ch.marks) == HistoryMarks {
			ch.marks = slices.Delete(ch.marks, 0, 1)
		}
		ch.marks = append(ch.marks, refMark{at: at.UnixNano(), kind: k, ticket: t.ID, cat: t.Category})
		if e.Type == complaint.EventReceived && t.Escalated {
			ch.marks = append(ch.marks, refMark{at: at.UnixNano(), kind: markEscalation, ticket: t.ID, cat: t.Category})
			if len(ch.marks) > HistoryMarks {
				ch.marks = slices.Delete(ch.marks, 0, 1)
			}
		}
	}
	i := slices.Index(ch.open, t.ID)
	switch {
	case t.Open() && i < 0:
		ch.open = append(ch.open, t.ID)
	case !t.Open() && i >= 0:
		ch.open = slices.Delete(ch.open, i, i+1)
	}
	h.schedule(t.Customer, ch, e.At.UnixNano())
}

// schedule queues ch for the first Tick after its oldest mark left the
// window (or, with no marks and no open ticket, the first Tick from now).
func (h *refHistory) schedule(id string, ch *refCustomer, now int64) {
	var at int64
	switch {
	case len(ch.marks) > 0 && ch.queued != 0:
		// Queued no later than every older mark's refExpiry: only the newest
		// mark (marks may arrive out of order) can bring it forward.
		at = ch.marks[len(ch.marks)-1].at + int64(HistoryWindow)
	case len(ch.marks) > 0:
		at = ch.marks[0].at + int64(HistoryWindow)
		for _, m := range ch.marks[1:] {
			at = min(at, m.at+int64(HistoryWindow))
		}
	case len(ch.open) == 0:
		at = now - 1
	default:
		return // open tickets: looked at again when one closes
	}
	if at == 0 {
		at = 1
	}
	if ch.queued != 0 && ch.queued <= at {
		return
	}
	ch.queued = at
	h.exp = append(h.exp, refExpiry{at: at, id: id, ch: ch})
	for i := len(h.exp) - 1; i > 0; {
		p := (i - 1) / 2
		if h.exp[p].at <= h.exp[i].at {
			break
		}
		h.exp[i], h.exp[p] = h.exp[p], h.exp[i]
		i = p
	}
}

func (h *refHistory) popRefExpiry() refExpiry {
	top := h.exp[0]
	n := len(h.exp) - 1
	h.exp[0] = h.exp[n]
	h.exp[n] = refExpiry{}
	h.exp = h.exp[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.exp[l].at < h.exp[m].at {
			m = l
		}
		if r < n && h.exp[r].at < h.exp[m].at {
			m = r
		}
		if m == i {
			break
		}
		h.exp[i], h.exp[m] = h.exp[m], h.exp[i]
		i = m
	}
	return top
}

func (ch *refCustomer) trim(before int64) {
	n := 0
	for n < len(ch.marks) && ch.marks[n].at < before {
		n++
	}
	if n > 0 {
		ch.marks = slices.Delete(ch.marks, 0, n)
	}
}

// Lookup returns the recent history of customer for a ticket (excluded from
// the counts) on category, as of now. It does not allocate.
func (h *refHistory) Lookup(customer, ticket, category string, now time.Time) HistoryView {
	var v HistoryView
	if h == nil || customer == "" {
		return v
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	ch := h.m[customer]
	if ch == nil {
		return v
	}
	n := now.UnixNano()
	d7, d30 := n-int64(7*24*time.Hour), n-int64(HistoryWindow)
	sub := complaint.Truncate(category, 2)
	for i := range ch.marks {
		m := &ch.marks[i]
		if m.at < d30 || m.at > n {
			continue
		}
		switch m.kind {
		case markContact:
			if m.ticket != ticket && complaint.Truncate(m.cat, 2) == sub {
				v.Contacts30d++
				if m.at >= d7 {
					v.Contacts7d++
				}
			}
		case markUrge:
			v.Urges30d++
		case markReopen:
			v.Reopens30d++
		case markEscalation:
			if m.ticket != ticket {
				v.Escalations++
			}
		}
	}
	for _, id := range ch.open {
		if id != ticket {
			v.Open++
		}
	}
	return v
}

// Tick drops what is older than HistoryWindow before now and forgets the
// customers left with nothing recent and nothing open. It looks only at the
// customers whose oldest mark left the window since (a min-heap by refExpiry),
// so it costs O(expired · log n). It implements kesu.Ticker and never fails.
func (h *refHistory) Tick(_ context.Context, now time.Time) error {
	n := now.UnixNano()
	before := n - int64(HistoryWindow)
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.exp) > 0 && h.exp[0].at < n {
		x := h.popRefExpiry()
		if h.m[x.id] != x.ch || x.ch.queued != x.at {
			continue // stale: forgotten or rescheduled earlier
		}
		ch := x.ch
		ch.queued = 0
		ch.marks = slices.DeleteFunc(ch.marks, func(m refMark) bool { return m.at < before })
		if len(ch.marks) == 0 && len(ch.open) == 0 {
			delete(h.m, x.id)
			h.n.Add(-1)
			continue
		}
		h.schedule(x.id, ch, n)
	}
	return nil
}

// Len returns the number of customers the index holds.
func (h *refHistory) Len() int { return int(h.n.Load()) }

package warning

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// Outage is a power outage (or a network fault) as the outage-monitoring
// system reports it (DOMAIN.md R19, R33).
type Outage struct {
	ID string `json:"id"`
	// Area is the region code the outage covers (its tickets are Under it).
	Area  string    `json:"area"`
	Start time.Time `json:"start"`
	// End is when supply was restored; zero while it lasts.
	End     time.Time `json:"end,omitzero"`
	Planned bool      `json:"planned,omitempty"`
	// Customers is how many customers it affects; Notified how many were
	// told in advance (停电通知到位率 = Notified / Customers).
	Customers int `json:"customers,omitempty"`
	Notified  int `json:"notified,omitempty"`
	// Important lists the important users affected (重要用户, e.g. a hospital).
	Important []string `json:"important,omitempty"`
	// Updated is when the source last changed this record.
	Updated time.Time `json:"updated"`
}

// OutageSource gives outages to the Monitor, which polls it on Tick. The
// Outage adapter implements it; MemOutages is an in-memory one.
type OutageSource interface {
	// Outages returns the outages created or changed after since (by their
	// Updated time), oldest change first.
	Outages(ctx context.Context, since time.Time) ([]Outage, error)
}

// MemOutages is an in-memory OutageSource. The zero value is empty and
// ready; it is safe for concurrent use.
type MemOutages struct {
	mu sync.Mutex
	os []Outage
}

var _ OutageSource = (*MemOutages)(nil)

// Put adds or replaces (by ID) an outage.
func (s *MemOutages) Put(o Outage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o.Important = slices.Clone(o.Important)
	for i := range s.os {
		if s.os[i].ID == o.ID {
			s.os[i] = o
			return
		}
	}
	s.os = append(s.os, o)
}

// Outages implements OutageSource.
func (s *MemOutages) Outages(_ context.Context, since time.Time) ([]Outage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Outage
	for _, o := range s.os {
		if o.Updated.After(since) {
			o.Important = slices.Clone(o.Important)
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Outage) int {
		if c := a.Updated.Compare(b.Updated); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

type outState struct {
	o       Outage
	linked  int
	tickets []string
	warned  [3]bool // important, notice, complaints
}

// outages is the outage-correlation detector (R19).
type outages struct {
	cfg    *Config
	byID   map[string]*outState
	order  []string               // ids in arrival order
	starts map[string][]time.Time // area → recent outage starts
}

func newOutages(cfg *Config) *outages {
	return &outages{cfg: cfg, byID: make(map[string]*outState), starts: make(map[string][]time.Time)}
}

// AddOutage gives the Monitor an outage (new or changed) directly, as the
// OutageSource poll does on Tick.
func (m *Monitor) AddOutage(o Outage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if o.Updated.After(m.outSince) {
		m.outSince = o.Updated
	}
	m.out.add(o, m)
}

func (x *outages) add(o Outage, m *Monitor) {
	st := x.byID[o.ID]
	at := o.Updated
	if at.IsZero() {
		at = o.Start
	}
	if st == nil {
		st = &outState{}
		x.byID[o.ID] = st
		x.order = append(x.order, o.ID)
		starts := x.starts[o.Area]
		cut := o.Start.Add(-time.Duration(x.cfg.Outage.RepeatWindow))
		starts = slices.DeleteFunc(starts, func(t time.Time) bool { return t.Before(cut) })
		starts = append(starts, o.Start)
		x.starts[o.Area] = starts
		if len(starts) >= x.cfg.Outage.Repeats {
			key := NewKey("area", o.Area, "reason", "repeated")
			f := finding{kind: KindOutage, key: key, fp: Fingerprint(KindOutage, key), at: at, grade: GradeIII,
				ev: Evidence{Window: formatDuration(time.Duration(x.cfg.Outage.RepeatWindow)), From: cut, To: o.Start,
					Observed: len(starts), Threshold: float64(x.cfg.Outage.Repeats), Rule: "outage/repeated"},
				explain: strconv.Itoa(len(starts)) + " outages in area " + o.Area + " within " + formatDuration(time.Duration(x.cfg.Outage.RepeatWindow)) + " (latest " + o.ID + ")",
				env:     GradeEnv{Region: o.Area, Observed: len(starts)}}
			m.fire(&f)
		}
	}
	st.o = o
	if len(o.Important) > 0 && !st.warned[0] {
		st.warned[0] = true
		key := NewKey("outage", o.ID, "reason", "important-users")
		f := finding{kind: KindOutage, key: key, fp: Fingerprint(KindOutage, key), at: at, grade: GradeII,
			ev:      Evidence{From: o.Start, To: o.End, Observed: len(o.Important), Rule: "outage/important-users"},
			explain: "outage " + o.ID + " in " + o.Area + " affects important users: " + strings.Join(o.Important, ", "),
			env:     GradeEnv{Region: o.Area, Important: len(o.Important)}}
		m.fire(&f)
	}
	if o.Planned && o.Customers > 0 && !st.warned[1] {
		share := float64(o.Notified) / float64(o.Customers)
		if share < x.cfg.Outage.MinNotice {
			st.warned[1] = true
			key := NewKey("outage", o.ID, "reason", "low-notice")
			f := finding{kind: KindOutage, key: key, fp: Fingerprint(KindOutage, key), at: at, grade: GradeIII,
				ev: Evidence{From: o.Start, To: o.End, Observed: o.Notified, Baseline: float64(o.Customers),
					Ratio: round3(share), Threshold: x.cfg.Outage.MinNotice, Rule: "outage/low-notice"},
				explain: "planned outage " + o.ID + " in " + o.Area + ": only " + strconv.Itoa(o.Notified) + " of " +
					strconv.Itoa(o.Customers) + " customers notified (" + strconv.FormatFloat(share*100, 'f', 1, 64) + "% < " +
					strconv.FormatFloat(x.cfg.Outage.MinNotice*100, 'f', 0, 64) + "%)",
				env: GradeEnv{Region: o.Area, Ratio: share, Important: len(o.Important)}}
			m.fire(&f)
		}
	}
}

// observe links a new ticket to the outages covering its region and time.
func (x *outages) observe(t *complaint.Ticket, m *Monitor) {
	if len(x.order) == 0 {
		return
	}
	ok := false
	for _, c := range x.cfg.Outage.Categories {
		if complaint.Under(t.Category, c) {
			ok = true
			break
		}
	}
	if !ok {
		return
	}
	grace := time.Duration(x.cfg.Outage.Grace)
	for _, id := range x.order {
		st := x.byID[id]
		o := &st.o
		if !complaint.Under(t.Region, o.Area) || t.ReceivedAt.Before(o.Start) {
			continue
		}
		if !o.End.IsZero() && t.ReceivedAt.After(o.End.Add(grace)) {
			continue
		}
		st.linked++
		if len(st.tickets) < m.cfg.MaxMembers {
			st.tickets = append(st.tickets, t.ID)
		}
		m.actions = append(m.actions, Action{Ticket: t.ID, Event: complaint.Event{Type: complaint.EventTagged, At: t.ReceivedAt,
			Text: "linked to outage " + o.ID, Tags: []complaint.Tag{{Name: TagOutage, Rule: "outage/" + o.ID, At: t.ReceivedAt}}}})
		key := NewKey("outage", o.ID, "reason", "complaints")
		fp := Fingerprint(KindOutage, key)
		if st.warned[2] {
			m.member(KindOutage, fp, t, t.ReceivedAt)
			continue
		}
		if st.linked >= x.cfg.Outage.MinTickets {
			st.warned[2] = true
			g := GradeIII
			if len(o.Important) > 0 {
				g = GradeII
			}
			f := finding{kind: KindOutage, key: key, fp: fp, at: t.ReceivedAt, grade: g,
				ev: Evidence{From: o.Start, To: t.ReceivedAt, Observed: st.linked, Threshold: float64(x.cfg.Outage.MinTickets),
					Tickets: slices.Clone(st.tickets), Members: st.linked, Rule: "outage/complaints"},
				explain: strconv.Itoa(st.linked) + " complaints from the area of outage " + o.ID + " (" + o.Area + ") since " + o.Start.Format(time.RFC3339),
				tag:     TagOutage,
				env:     GradeEnv{Region: o.Area, Observed: st.linked, Important: len(o.Important)}}
			m.fire(&f)
		}
	}
}

// tick forgets outages over for a week and ends their warnings.
func (x *outages) tick(now time.Time, m *Monitor) {
	keep := x.order[:0]
	for _, id := range x.order {
		st := x.byID[id]
		if !st.o.End.IsZero() && now.Sub(st.o.End) > 7*24*time.Hour {
			delete(x.byID, id)
			for _, r := range []string{"important-users", "low-notice", "complaints"} {
				m.end(Fingerprint(KindOutage, NewKey("outage", id, "reason", r)), now)
			}
			continue
		}
		keep = append(keep, id)
	}
	x.order = keep
}

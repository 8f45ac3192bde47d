package warning

import (
	"math"
	"strconv"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// The deadline stages, in Ticket.Deadlines order, plus the regulator's
// appeal clock (a telecom customer may appeal to 12300 once a complaint has
// gone unresolved that long).
const (
	stFirstContact = iota
	stReply
	stResolve
	stRegulator
	stAppeal
	nStages
)

var stageNames = [nStages]string{"first-contact", "reply", "resolve", "regulator", "appeal"}

// The alarm levels.
const (
	lvNone = iota
	lvCountdown
	lvOverdue
	lvSevere
)

var levelNames = [...]string{"", "countdown", "overdue", "severe"}

type dlTicket struct {
	id       string
	gen      uint32
	paused   bool
	closed   bool // no longer in deadlines.tickets: its alarms are dead
	received time.Time
	pausedD  time.Duration
	due      [nStages]time.Time
	done     [nStages]bool
	fired    [nStages]uint8
	customer string
	region   string
	category string
}

type alarm struct {
	at    int64     // unix nanoseconds
	t     *dlTicket // the ticket's state when the alarm was set
	gen   uint32
	stage uint8
	level uint8
}

// deadlines is the deadline detector (R18): a min-heap of alarms at the
// countdown, overdue and severe shares of each stage's allowed time, paused
// while the ticket waits on the customer.
type deadlines struct {
	cfg     *Config
	cal     WorkingTime
	tickets map[string]*dlTicket
	heap    []alarm
	fp      []byte // scratch fingerprint
	// live is the heap's length after the last compaction: the heap is
	// compacted (stale alarms of closed or rescheduled tickets dropped)
	// when it grows past twice that, so it stays proportional to the open
	// tickets' alarms, not to history.
	live int
	// closed are the tickets closed since the last compaction: stale
	// alarms in the heap may still point at them. A compaction drops
	// those alarms and moves the tickets, cleared, to free, whence update
	// takes a new ticket's state before allocating one.
	closed, free []*dlTicket
}

func newDeadlines(cfg *Config, cal WorkingTime) *deadlines {
	return &deadlines{cfg: cfg, cal: cal, tickets: make(map[string]*dlTicket)}
}

func (d *deadlines) shares() [4]float64 {
	c := d.cfg.Deadline
	return [4]float64{0, c.Countdown, c.Overdue, c.Severe}
}

// update follows the ticket's deadlines, pauses and completed stages.
func (d *deadlines) update(t *complaint.Ticket, m *Monitor) {
	st := d.tickets[t.ID]
	if !t.Open() {
		if st != nil {
			delete(d.tickets, t.ID)
			st.closed = true
			d.endAll(st, t.UpdatedAt, m)
			if len(d.closed) < 2*d.live+1024 { // else left to the collector
				d.closed = append(d.closed, st)
			}
		}
		return
	}
	var due [nStages]time.Time
	due[stFirstContact], due[stReply], due[stResolve], due[stRegulator] = t.Deadlines.FirstContact, t.Deadlines.Reply, t.Deadlines.Resolve, t.Deadlines.Regulator
	if ap := time.Duration(*d.cfg.Deadline.Appeal); ap > 0 && t.Kind == complaint.KindComplaint {
		due[stAppeal] = t.ReceivedAt.Add(t.Paused + ap)
	}
	var done [nStages]bool
	done[stFirstContact] = !t.FirstContactAt.IsZero()
	done[stReply] = !t.RepliedAt.IsZero()
	done[stResolve] = !t.ResolvedAt.IsZero()
	done[stRegulator], done[stAppeal] = done[stResolve], done[stResolve]
	paused := t.Status == complaint.StatusWaiting
	if st == nil {
		any := false
		for i := range due {
			any = any || (!due[i].IsZero() && !done[i])
		}
		if !any {
			return
		}
		st = takeFree(&d.free)
		*st = dlTicket{id: t.ID, received: t.ReceivedAt, customer: t.Customer, region: t.Region, category: t.Category}
		d.tickets[t.ID] = st
	} else if st.due == due && st.done == done && st.paused == paused {
		return
	}
	onlyDone := st.due == due && st.paused == paused
	for i := range done {
		if done[i] && !st.done[i] && st.fired[i] != lvNone {
			d.fp = appendDeadlineFP(d.fp[:0], t.ID, i)
			m.endFP(d.fp, t.UpdatedAt)
		}
		onlyDone = onlyDone && (done[i] || !st.done[i])
	}
	if onlyDone {
		// Stages were only completed: the other stages' alarms stand, and
		// the completed ones are skipped when they come up (valid).
		st.done = done
		return
	}
	st.gen++
	st.due, st.done, st.paused, st.pausedD = due, done, paused, t.Paused
	if paused {
		return // alarms are rescheduled on resume
	}
	sh := d.shares()
	start := st.received.Add(st.pausedD)
	// start.Add(x).UnixNano() == from+x for every time short of the ±2⁶³ s
	// where Add saturates.
	from := start.UnixNano()
	for i := range due {
		if due[i].IsZero() || done[i] {
			continue
		}
		allowed := due[i].Sub(start)
		for lv := int(st.fired[i]) + 1; lv <= lvSevere; lv++ {
			at := from + int64(time.Duration(math.Round(sh[lv]*float64(allowed))))
			d.push(alarm{at: at, t: st, gen: st.gen, stage: uint8(i), level: uint8(lv)})
		}
	}
}

// appendDeadlineFP appends deadlineFP(ticket, stage) to dst without allocating.
func appendDeadlineFP(dst []byte, ticket string, stage int) []byte {
	k := Key{{"stage", stageNames[stage]}, {"ticket", ticket}}
	if ticket == "" {
		k = k[:1]
	}
	return appendFingerprint(dst, KindDeadline, k)
}

// endAll ends the deadline warnings of a closed ticket: only stages that
// fired can have one.
func (d *deadlines) endAll(st *dlTicket, at time.Time, m *Monitor) {
	for i := range nStages {
		if st.fired[i] != lvNone {
			d.fp = appendDeadlineFP(d.fp[:0], st.id, i)
			m.endFP(d.fp, at)
		}
	}
}

// live reports whether a can still fire: its ticket is open (a closed
// ticket's alarms die with it; a reopened ticket gets a schedule of its
// own), a belongs to the ticket's current schedule, and its stage is
// neither done nor already at a's level.
func (a *alarm) live() bool {
	st := a.t
	return !st.closed && st.gen == a.gen && !st.done[a.stage] && st.fired[a.stage] < a.level
}

// tick raises every alarm due by now.
func (d *deadlines) tick(now time.Time, m *Monitor) {
	n := now.UnixNano()
	sh := d.shares()
	for len(d.heap) > 0 && d.heap[0].at <= n {
		a := d.pop()
		st := a.t
		if !a.live() || st.paused {
			continue
		}
		start := st.received.Add(st.pausedD)
		allowed := st.due[a.stage].Sub(start)
		share := sh[a.level]
		if d.cal != nil {
			used, err1 := d.cal.WorkingDuration(start, now)
			total, err2 := d.cal.WorkingDuration(start, st.due[a.stage])
			if err1 == nil && err2 == nil && total > 0 {
				if need := time.Duration(share * float64(total)); used < need {
					// Working time runs slower than wall time: look again
					// when enough wall time has passed.
					a.at = now.Add(need - used).UnixNano()
					d.push(a)
					continue
				}
			}
		}
		st.fired[a.stage] = a.level
		d.fire(a, st, allowed, share, now, m)
	}
}

func (d *deadlines) fire(a alarm, st *dlTicket, allowed time.Duration, share float64, now time.Time, m *Monitor) {
	stage := stageNames[a.stage]
	level := levelNames[a.level]
	g := [...]Grade{GradeNone, GradeIV, GradeIII, GradeII}[a.level]
	if a.stage == stRegulator || a.stage == stAppeal {
		g-- // the regulator's clocks are one grade more severe
	}
	key := NewKey("stage", stage, "ticket", st.id)
	due := st.due[a.stage]
	explain := "ticket " + st.id + " has used " + strconv.Itoa(int(share*100)) + "% of its " + formatDuration(allowed) +
		" " + stage + " time (" + level + "; due " + due.Format(time.RFC3339) + ")"
	if a.stage == stAppeal {
		explain = "ticket " + st.id + " has been unresolved for " + strconv.Itoa(int(share*100)) + "% of the " +
			formatDuration(allowed) + " after which the customer may appeal to the regulator (" + level + ")"
	}
	f := finding{kind: KindDeadline, key: key, fp: Fingerprint(KindDeadline, key), at: now, grade: g,
		ev: Evidence{Window: formatDuration(allowed), From: st.received, To: due, Ratio: share,
			Tickets: []string{st.id}, Members: 1, Rule: "deadline/" + level, Customers: 1},
		explain: explain,
		env:     GradeEnv{Customer: st.customer, Region: st.region, Category: st.category, Ratio: share}}
	m.fire(&f)
	if a.level == lvCountdown && st.customer != "" {
		t := &complaint.Ticket{ID: st.id, Customer: st.customer, Region: st.region, Category: st.category}
		m.esc.deadline(t, now, m)
	}
}

// compact drops the alarms that can no longer fire (live) and restores
// the heap order.
func (d *deadlines) compact() {
	keep := d.heap[:0]
	for i := range d.heap {
		a := &d.heap[i]
		if a.live() {
			keep = append(keep, *a)
		}
	}
	clear(d.heap[len(keep):])
	// push compacts again before the heap passes 2·live+1024 alarms: an
	// array of that capacity never regrows until then (append's regrowth
	// from the exact length cost ≈ 2 GB in 20 M rows of the dense stream).
	// A smaller one is replaced now; a larger one is kept unless it is
	// four times that, as after a wave of closings: the open tickets'
	// alarms rise and fall by 4× over a day, and shrinking at 2× had the
	// next day's rise regrow it every time.
	if need := 2*len(keep) + 1024; cap(keep) < need || cap(keep) > 4*need {
		h := make([]alarm, len(keep), need)
		copy(h, keep)
		keep = h
	}
	d.heap = keep
	for i := len(keep)/2 - 1; i >= 0; i-- {
		d.down(i)
	}
	d.live = len(keep)
	// No alarm left points at a closed ticket: their states are free for
	// new tickets. The free list is kept no longer than the open tickets
	// (a wave of closings leaves the rest to the collector).
	for i, st := range d.closed {
		if len(d.free) < len(d.tickets) {
			*st = dlTicket{}
			d.free = append(d.free, st)
		}
		d.closed[i] = nil
	}
	d.closed = d.closed[:0]
}

// push adds a to the heap. It sifts a hole up rather than swapping: the
// same comparisons and the same layout as swapping, half the copying.
func (d *deadlines) push(a alarm) {
	if len(d.heap) >= 2*d.live+1024 {
		d.compact()
	}
	d.heap = append(d.heap, a)
	h := d.heap
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !a.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = a
}

// before is the heap order: by time, then ticket id, stage and level.
func (a *alarm) before(b *alarm) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.t.id != b.t.id {
		return a.t.id < b.t.id
	}
	if a.stage != b.stage {
		return a.stage < b.stage
	}
	return a.level < b.level
}

func (d *deadlines) pop() alarm {
	h := d.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = alarm{}
	d.heap = h[:n]
	d.down(0)
	d.live = min(d.live, n)
	return top
}

// down sifts the alarm at i down to its place, moving a hole as push does:
// each step compares the left child, then the right one, with the smaller
// of the alarm and the left child, as a swapping sift-down would.
func (d *deadlines) down(i int) {
	h := d.heap
	n := len(h)
	if 2*i+1 >= n {
		return // a leaf (or an empty heap)
	}
	x := h[i]
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		s, sa := i, &x
		if h[l].before(sa) {
			s, sa = l, &h[l]
		}
		if r := l + 1; r < n && h[r].before(sa) {
			s = r
		}
		if s == i {
			break
		}
		h[i] = h[s]
		i = s
	}
	h[i] = x
}

// takeFree pops the last of *free (clearing its place), or returns a new T
// when there is none.
func takeFree[T any](free *[]*T) *T {
	n := len(*free)
	if n == 0 {
		return new(T)
	}
	p := (*free)[n-1]
	(*free)[n-1] = nil
	*free = (*free)[:n-1]
	return p
}

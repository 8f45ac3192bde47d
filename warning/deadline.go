package warning

import (
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/idtab"
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

// dlTicket is a ticket's deadline state. The states live in the slots of
// deadlines.pages, found through deadlines.tab, and the alarms name them by
// slot: no pointer in the table or the heap for the collector to scan.
type dlTicket struct {
	id string
	// idw is idWords(id): look-ups and the heap's order compare it, not
	// the id's bytes (a cache miss of their own), for ids of up to 16
	// bytes.
	idw      [2]uint64
	gen      uint32
	paused   bool
	closed   bool // no longer in deadlines.tab: its alarms are dead
	done     [nStages]bool
	fired    [nStages]uint8
	received time.Time
	pausedD  time.Duration
	due      [nStages]time.Time
	customer string
	region   string
	category string
}

// An alarm is 16 bytes, four to a cache line: a 4-ary heap's children of
// one node are read together.
type alarm struct {
	at  int64  // unix nanoseconds
	gen uint32 // the ticket's schedule when the alarm was set
	// ref is the ticket's slot<<5 | stage<<2 | level: of two alarms of
	// one slot, at the same instant, the lower ref comes first, as the
	// order by stage and level wants.
	ref uint32
}

const (
	// dlPageBits sizes the pages of ticket states: pages, not one slice,
	// so the states never move (no copying of ~250 k states on growth,
	// and a *dlTicket stays valid while update and tick use it).
	dlPageBits = 10
	dlPage     = 1 << dlPageBits
	// maxDlSlots is what the 27 bits of an alarm's slot hold: 134 M
	// ticket states, open or awaiting a compaction (some 30 GB of them).
	maxDlSlots = 1 << 27
)

func (a *alarm) slot() int32  { return int32(a.ref >> 5) }
func (a *alarm) stage() uint8 { return uint8(a.ref>>2) & 7 }
func (a *alarm) level() uint8 { return uint8(a.ref) & 3 }

// deadlines is the deadline detector (R18): a min-heap of alarms at the
// countdown, overdue and severe shares of each stage's allowed time, paused
// while the ticket waits on the customer.
type deadlines struct {
	cfg *Config
	cal WorkingTime
	// tab maps the open tickets' ids to their slots in pages; is compares
	// an id with a slot's (made once: a method value per look-up would be
	// a closure each time).
	tab   idtab.Table
	is    func(s int32, id string) bool
	pages []*[dlPage]dlTicket
	slots int32 // slots handed out
	heap  []alarm
	fp    []byte // scratch fingerprint
	// live is the heap's length after the last compaction: the heap is
	// compacted (stale alarms of closed or rescheduled tickets dropped)
	// when it grows past twice that, so it stays proportional to the open
	// tickets' alarms, not to history.
	live int
	// closed are the slots of the tickets closed since the last
	// compaction: stale alarms in the heap may still name them (and the
	// heap's order still reads their ids). A compaction drops those
	// alarms and moves the slots, cleared, to free, whence update takes a
	// new ticket's slot before adding one.
	closed, free []int32
	sink         uint64 // prefetched's result (0 where it prefetches)
	// trace, set by tests only, is told of every alarm that fires and
	// every warning ended (level: the stage's last fired level), in order.
	trace func(end bool, id string, stage, level uint8, at time.Time)
}

func newDeadlines(cfg *Config, cal WorkingTime) *deadlines {
	d := &deadlines{cfg: cfg, cal: cal}
	d.is = func(s int32, id string) bool {
		st := d.ticket(s)
		return len(st.id) == len(id) && st.idw == idWords(id) && (len(id) <= 16 || st.id == id)
	}
	return d
}

// idWords returns id's first 16 bytes as two big-endian words, padded
// with zeros. For ids of up to 16 bytes, (words, length) orders them as
// the ids do, and equal words and lengths mean equal ids.
func idWords(id string) [2]uint64 {
	n := len(id)
	switch {
	case n >= 16:
		return [2]uint64{be64(id), be64(id[8:])}
	case n >= 8:
		// The last 8 bytes, shifted past the first word's: bytes 8…n-1
		// on top, zeros below (a shift by 64, for n = 8, gives 0).
		return [2]uint64{be64(id), be64(id[n-8:]) << (8 * (16 - n))}
	}
	var w uint64
	for i := range n {
		w |= uint64(id[i]) << (56 - 8*i)
	}
	return [2]uint64{w, 0}
}

// be64 is the big-endian word of s's first eight bytes.
func be64(s string) uint64 {
	_ = s[7]
	return uint64(s[7]) | uint64(s[6])<<8 | uint64(s[5])<<16 | uint64(s[4])<<24 |
		uint64(s[3])<<32 | uint64(s[2])<<40 | uint64(s[1])<<48 | uint64(s[0])<<56
}

// ticket returns the state in slot s.
func (d *deadlines) ticket(s int32) *dlTicket {
	return &d.pages[s>>dlPageBits][s&(dlPage-1)]
}

// open reports how many tickets the detector follows.
func (d *deadlines) open() int { return d.tab.Len() }

// newSlot returns a free slot, cleared: one a compaction freed, else a
// new one.
func (d *deadlines) newSlot() int32 {
	if n := len(d.free); n > 0 {
		s := d.free[n-1]
		d.free = d.free[:n-1]
		return s
	}
	s := d.slots
	if s == maxDlSlots {
		panic("warning: more than 134217728 tickets with deadlines open at once")
	}
	if int(s>>dlPageBits) == len(d.pages) {
		d.pages = append(d.pages, new([dlPage]dlTicket))
	}
	d.slots++
	return s
}

func (d *deadlines) shares() [4]float64 {
	c := d.cfg.Deadline
	return [4]float64{0, c.Countdown, c.Overdue, c.Severe}
}

// update follows the ticket's deadlines, pauses and completed stages.
func (d *deadlines) update(t *complaint.Ticket, m *Monitor) {
	h := idtab.Hash(t.ID)
	ti, s, found := d.tab.Find(t.ID, h, d.is)
	if !t.Open() {
		if found {
			d.tab.Remove(ti)
			st := d.ticket(s)
			st.closed = true
			d.endAll(st, t.UpdatedAt, m)
			// The id stays until the compaction: the heap's order reads
			// it for the alarms still there.
			st.customer, st.region, st.category = "", "", ""
			d.closed = append(d.closed, s)
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
	var st *dlTicket
	if !found {
		any := false
		for i := range due {
			any = any || (!due[i].IsZero() && !done[i])
		}
		if !any {
			return
		}
		s = d.newSlot()
		st = d.ticket(s)
		*st = dlTicket{id: t.ID, idw: idWords(t.ID), received: t.ReceivedAt, customer: t.Customer, region: t.Region, category: t.Category}
		d.tab.Insert(ti, h, s)
	} else if st = d.ticket(s); st.due == due && st.done == done && st.paused == paused {
		return
	}
	onlyDone := st.due == due && st.paused == paused
	for i := range done {
		if done[i] && !st.done[i] && st.fired[i] != lvNone {
			if d.trace != nil {
				d.trace(true, t.ID, uint8(i), st.fired[i], t.UpdatedAt)
			}
			d.fp = appendDeadlineFP(d.fp[:0], t.ID, i)
			m.endFP(d.fp, t.UpdatedAt)
		}
		onlyDone = onlyDone && (done[i] || !st.done[i])
	}
	if onlyDone {
		// Stages were only completed: the other stages' alarms stand, and
		// the completed ones are skipped when they come up (live).
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
			d.push(alarm{at: at, gen: st.gen, ref: uint32(s)<<5 | uint32(i)<<2 | uint32(lv)})
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
			if d.trace != nil {
				d.trace(true, st.id, uint8(i), st.fired[i], at)
			}
			d.fp = appendDeadlineFP(d.fp[:0], st.id, i)
			m.endFP(d.fp, at)
		}
	}
}

// live reports whether a, of the ticket st in its slot, can still fire:
// the ticket is open (a closed ticket's alarms die with it; a reopened
// ticket gets a slot and a schedule of its own), a belongs to the
// ticket's current schedule, and its stage is neither done nor already at
// a's level.
func (a *alarm) live(st *dlTicket) bool {
	stage := a.stage()
	return !st.closed && st.gen == a.gen && !st.done[stage] && st.fired[stage] < a.level()
}

// tick raises every alarm due by now.
func (d *deadlines) tick(now time.Time, m *Monitor) {
	n := now.UnixNano()
	sh := d.shares()
	for len(d.heap) > 0 && d.heap[0].at <= n {
		a := d.pop()
		st := d.ticket(a.slot())
		if !a.live(st) || st.paused {
			continue
		}
		stage, level := a.stage(), a.level()
		start := st.received.Add(st.pausedD)
		allowed := st.due[stage].Sub(start)
		share := sh[level]
		if d.cal != nil {
			used, err1 := d.cal.WorkingDuration(start, now)
			total, err2 := d.cal.WorkingDuration(start, st.due[stage])
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
		st.fired[stage] = level
		if d.trace != nil {
			d.trace(false, st.id, stage, level, now)
		}
		d.fire(stage, level, st, allowed, share, now, m)
	}
}

func (d *deadlines) fire(st8, lv8 uint8, st *dlTicket, allowed time.Duration, share float64, now time.Time, m *Monitor) {
	stage := stageNames[st8]
	level := levelNames[lv8]
	g := [...]Grade{GradeNone, GradeIV, GradeIII, GradeII}[lv8]
	if st8 == stRegulator || st8 == stAppeal {
		g-- // the regulator's clocks are one grade more severe
	}
	key := NewKey("stage", stage, "ticket", st.id)
	due := st.due[st8]
	explain := "ticket " + st.id + " has used " + strconv.Itoa(int(share*100)) + "% of its " + formatDuration(allowed) +
		" " + stage + " time (" + level + "; due " + due.Format(time.RFC3339) + ")"
	if st8 == stAppeal {
		explain = "ticket " + st.id + " has been unresolved for " + strconv.Itoa(int(share*100)) + "% of the " +
			formatDuration(allowed) + " after which the customer may appeal to the regulator (" + level + ")"
	}
	f := finding{kind: KindDeadline, key: key, fp: Fingerprint(KindDeadline, key), at: now, grade: g,
		ev: Evidence{Window: formatDuration(allowed), From: st.received, To: due, Ratio: share,
			Tickets: []string{st.id}, Members: 1, Rule: "deadline/" + level, Customers: 1},
		explain: explain,
		env:     GradeEnv{Customer: st.customer, Region: st.region, Category: st.category, Ratio: share}}
	m.fire(&f)
	if lv8 == lvCountdown && st.customer != "" {
		t := &complaint.Ticket{ID: st.id, Customer: st.customer, Region: st.region, Category: st.category}
		m.esc.deadline(t, now, m)
	}
}

// compact drops the alarms that can no longer fire (live) and restores
// the heap order.
func (d *deadlines) compact() {
	keep := d.heap[:0]
	h := d.heap
	const ahead = 16 // alarms: the states of the next ones are loaded while these are checked
	for i := range h {
		if i%4 == 0 && i+ahead+3 < len(h) {
			d.sink += prefetched(unsafe.Pointer(d.ticket(h[i+ahead].slot())), unsafe.Pointer(d.ticket(h[i+ahead+1].slot())),
				unsafe.Pointer(d.ticket(h[i+ahead+2].slot())), unsafe.Pointer(d.ticket(h[i+ahead+3].slot())))
		}
		if a := h[i]; a.live(d.ticket(a.slot())) {
			keep = append(keep, a)
		}
	}
	// push compacts again before the heap passes 2·live+1024 alarms: an
	// array of that capacity never regrows until then (append's regrowth
	// from the exact length cost ≈ 2 GB in 20 M rows of the dense stream).
	// A smaller one is replaced now; a larger one is kept unless it is
	// four times that, as after a wave of closings: the open tickets'
	// alarms rise and fall by 4× over a day, and shrinking at 2× had the
	// next day's rise regrow it every time.
	if need := 2*len(keep) + 1024; cap(keep) < need || cap(keep) > 4*need {
		h := newAlarms(len(keep), need)
		copy(h, keep)
		keep = h
	}
	d.heap = keep
	for i := (len(keep) - 2) / 4; i >= 0; i-- {
		d.down(i)
	}
	d.live = len(keep)
	// No alarm left names a closed ticket's slot: the slots are free for
	// new tickets.
	for _, s := range d.closed {
		*d.ticket(s) = dlTicket{}
	}
	d.free = append(d.free, d.closed...)
	d.closed = d.closed[:0]
}

// newAlarms returns a heap array of length n and capacity c placed so that
// each node's four children share one 64-byte cache line: the array's
// element 0 sits 48 bytes into a line, so children 4i+1 … 4i+4 start one.
func newAlarms(n, c int) []alarm {
	b := make([]alarm, c+3)
	o := (3 - int(uintptr(unsafe.Pointer(&b[0]))/16)) & 3
	return b[o : o+n : o+c]
}

// push adds a to the heap, sifting a hole up from the end.
func (d *deadlines) push(a alarm) {
	if len(d.heap) >= 2*d.live+1024 {
		d.compact()
	}
	d.heap = append(d.heap, a)
	h := d.heap
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !d.before(&a, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = a
}

// before is the heap order: by time, then ticket id, stage and level. An
// alarm's place in the heap is free, but this order is the order in which
// due alarms fire (and so the order of the warnings), and it is total on
// the alarms that can fire: a ticket has one live schedule, and a closed
// ticket's alarms, which may share a reopened id's, never fire.
func (d *deadlines) before(a, b *alarm) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.ref>>5 != b.ref>>5 { // two slots: two tickets, their ids may still be equal (closed and reopened)
		sa, sb := d.ticket(a.slot()), d.ticket(b.slot())
		if sa.idw != sb.idw {
			if sa.idw[0] != sb.idw[0] {
				return sa.idw[0] < sb.idw[0]
			}
			return sa.idw[1] < sb.idw[1]
		}
		// The first 16 bytes are the same (or one id is a prefix of the
		// other, padded with zeros).
		if sa.id != sb.id {
			return sa.id < sb.id
		}
	}
	return a.ref&31 < b.ref&31
}

func (d *deadlines) pop() alarm {
	h := d.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	d.heap = h[:n]
	d.down(0)
	d.live = min(d.live, n)
	return top
}

// down sifts the alarm at i down to its place in the 4-ary heap (children
// of i at 4i+1 … 4i+4), moving a hole.
func (d *deadlines) down(i int) {
	h := d.heap
	n := len(h)
	if 4*i+1 >= n {
		return // a leaf (or an empty heap)
	}
	x := h[i]
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		s := c
		for j, end := c+1, min(c+4, n); j < end; j++ {
			if d.before(&h[j], &h[s]) {
				s = j
			}
		}
		if !d.before(&h[s], &x) {
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

package warning

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
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

// An alarm is 16 bytes, four to a cache line, 32 to a chunk of the
// calendar queue.
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

// The calendar queue of the alarms: alarms are filed by time in buckets of
// calWidth, a ring of calBuckets of them covering the next 170 days; the
// ring's buckets hold their alarms in chunks of chunkLen from one arena.
const (
	// calWidth is a bucket's span: bucket k holds the alarms due in
	// (k·calWidth, (k+1)·calWidth], so that a tick on the hour takes
	// whole buckets (an overdue alarm sits on its due time, often on the
	// hour, and is due at that hour's tick).
	calWidth = int64(time.Hour)
	// calBuckets is the ring's length, a power of two: 4096 hours, 170
	// days, past the severe alarm (at 1.5×) of a 90-day clock.
	calBuckets = 1 << 12
	// calLate is the index, after the ring's, of the bucket of late
	// alarms: those due before the ring's first bucket (set in the past,
	// or come out of the overflow after a tick far ahead).
	calLate = calBuckets
	// chunkLen alarms make a chunk, 512 bytes.
	chunkLen = 32
)

// alarmChunk is a run of alarms of one bucket.
type alarmChunk [chunkLen]alarm

// calBucket is a bucket of the calendar queue: a chain of chunks (through
// deadlines.link) of which all but the last are full.
type calBucket struct {
	head, tail int32 // the first and last chunks, when n > 0
	n          int   // the alarms in the bucket
}

// deadlines is the deadline detector (R18): a calendar queue of alarms at
// the countdown, overdue and severe shares of each stage's allowed time,
// paused while the ticket waits on the customer.
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
	// alive[s] is aliveWord of slot s's state, kept with it: what
	// canFire reads, eight slots to a cache line (a state is four lines).
	alive []uint64
	fp    []byte // scratch fingerprint

	// The alarms. An alarm due in bucket k (calKey) is in the ring's
	// bucket k mod calBuckets when cur <= k < cur+calBuckets, in the late
	// bucket when k < cur, and in the overflow when k >= cur+calBuckets
	// (moved into the ring by the tick that brings it within range). A
	// tick takes the alarms due by its time out of the buckets into
	// batch, sorts them by compare and handles them in that order: the
	// order in which a min-heap by compare would have popped them.
	//
	// buckets are the ring's calBuckets buckets, then the late one (nil
	// until started).
	buckets []calBucket
	// cur is the ring's first bucket: no alarm in the ring is due before
	// bucket cur (the last tick's floor(now / calWidth)).
	cur     int64
	started bool // cur is set: by the first tick or the first update that sets alarms
	// chunks is the buckets' arena and link its chains: link[c] is the
	// chunk after c in its bucket or in the free list (from freeChunk;
	// -1 ends a chain).
	chunks    []alarmChunk
	link      []int32
	freeChunk int32
	// over is the overflow, a binary min-heap by time.
	over []alarm
	// batch holds the due alarms of the tick in progress, sorted;
	// batch[bi:] are yet to be handled.
	batch []alarm
	bi    int
	// n counts the alarms held (in the buckets, the overflow and
	// batch[bi:]): it is the length the 4-ary heap this queue replaced
	// had at the same point, and its compactions come at the same
	// points.
	n int
	// cmp is d.compare, made once (a method value per sort would be a
	// closure each time).
	cmp func(a, b alarm) int
	// live is n after the last compaction (lowered with n as a tick
	// handles alarms): the queue is compacted (stale alarms of closed or
	// rescheduled tickets dropped) when it grows past twice that, so it
	// stays proportional to the open tickets' alarms, not to history.
	live int
	// closed are the slots of the tickets closed since the last
	// compaction: stale alarms in the queue may still name them (and the
	// order of a tick's alarms still reads their ids). A compaction drops
	// those alarms and moves the slots, cleared, to free, whence update
	// takes a new ticket's slot before adding one.
	closed, free []int32
	sink         uint64 // prefetched's result (0 where it prefetches)
	// trace, set by tests only, is told of every alarm that fires and
	// every warning ended (level: the stage's last fired level), in order.
	trace func(end bool, id string, stage, level uint8, at time.Time)
}

func newDeadlines(cfg *Config, cal WorkingTime) *deadlines {
	d := &deadlines{cfg: cfg, cal: cal, freeChunk: -1}
	d.cmp = d.compare
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
	d.alive = append(d.alive, 0)
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
			d.drop(ti, s, t.UpdatedAt, m)
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
		d.alive[s] = aliveWord(st)
		return
	}
	st.gen++
	st.due, st.done, st.paused, st.pausedD = due, done, paused, t.Paused
	d.alive[s] = aliveWord(st)
	if paused {
		return // alarms are rescheduled on resume
	}
	if !d.started {
		d.start(t.UpdatedAt.UnixNano())
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

// drop stops following the ticket in slot s (at index ti of the table),
// closed or forgotten at at: its alarms die and its warnings end.
func (d *deadlines) drop(ti int, s int32, at time.Time, m *Monitor) {
	d.tab.Remove(ti)
	st := d.ticket(s)
	st.closed = true
	d.alive[s] |= aliveClosed
	d.endAll(st, at, m)
	// The id stays until the compaction: the order of a tick's alarms
	// reads it for the alarms still there.
	st.customer, st.region, st.category = "", "", ""
	d.closed = append(d.closed, s)
	// The closed slots are freed by compaction, which push starts when
	// dead alarms pile up. A ticket that closes, or is forgotten, after its
	// last alarm fired (a ticket list's tickets, all overdue, forgotten
	// idle) leaves no dead alarm: compact when the slots waiting are as
	// many as the tickets followed, or every ticket would keep a slot.
	if len(d.closed) >= max(minClosedCompact, d.tab.Len()) {
		d.compact(false)
	}
}

// minClosedCompact is the fewest closed slots that start a compaction of
// their own (see drop).
const minClosedCompact = 4096

// forget is drop for the ticket with that id, if it is followed.
func (d *deadlines) forget(id string, at time.Time, m *Monitor) {
	if ti, s, found := d.tab.Find(id, idtab.Hash(id), d.is); found {
		d.drop(ti, s, at, m)
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

// aliveClosed is the closed bit of an aliveWord.
const aliveClosed = 1 << 31

// aliveWord packs what live reads of a state into a word: the schedule
// above bit 32, closed at bit 31, the done stages at bits 16–20 and the
// fired levels two bits a stage from bit 0.
func aliveWord(st *dlTicket) uint64 {
	w := uint64(st.gen) << 32
	if st.closed {
		w |= aliveClosed
	}
	for i := range nStages {
		if st.done[i] {
			w |= 1 << (16 + i)
		}
		w |= uint64(st.fired[i]&3) << (2 * i)
	}
	return w
}

// canFire is a.live(d.ticket(a.slot())) read from the slot's alive word.
func (d *deadlines) canFire(a *alarm) bool {
	w, stage := d.alive[a.slot()], a.stage()
	return uint32(w>>32) == a.gen && w&(aliveClosed|1<<(16+stage)) == 0 && uint8(w>>(2*stage))&3 < a.level()
}

// tick raises every alarm due by now, in the order of compare.
func (d *deadlines) tick(now time.Time, m *Monitor) {
	n := now.UnixNano()
	d.collect(n)
	sh := d.shares()
	const ahead = 8 // alarms: the alive words of the next ones are loaded while these are handled
	for d.bi < len(d.batch) {
		// A compaction would drop stale alarms of batch[bi:] (tick's
		// pushes never reach one, see compact): its length is read
		// every time.
		if i, b := d.bi, d.batch; i%4 == 0 && i+ahead+3 < len(b) {
			d.sink += prefetched(unsafe.Pointer(&d.alive[b[i+ahead].slot()]), unsafe.Pointer(&d.alive[b[i+ahead+1].slot()]),
				unsafe.Pointer(&d.alive[b[i+ahead+2].slot()]), unsafe.Pointer(&d.alive[b[i+ahead+3].slot()]))
		}
		a := d.batch[d.bi]
		d.bi++
		d.n--
		d.live = min(d.live, d.n)
		if !d.canFire(&a) {
			continue
		}
		st := d.ticket(a.slot())
		if st.paused {
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
					// when enough wall time has passed (after now: not in
					// this tick's batch).
					a.at = now.Add(need - used).UnixNano()
					d.push(a)
					continue
				}
			}
		}
		st.fired[stage] = level
		d.alive[a.slot()] = aliveWord(st)
		if d.trace != nil {
			d.trace(false, st.id, stage, level, now)
		}
		d.fire(stage, level, st, allowed, share, now, m)
	}
	d.batch, d.bi = d.batch[:0], 0
	if cap(d.batch) > 4*d.n+4096 {
		d.batch = nil // after a tick far ahead: not kept for the hourly ticks' few
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

// calKey returns the bucket of an alarm at t: k with t in (k·calWidth,
// (k+1)·calWidth].
func calKey(t int64) int64 {
	q, r := t/calWidth, t%calWidth
	if r > 0 {
		q++ // q is now ⌈t / calWidth⌉ (division truncates towards zero)
	}
	return q - 1
}

// calFloor returns ⌊t / calWidth⌋: the buckets before it are due at t in
// full, and bucket calFloor(t) in part unless t is a multiple of calWidth.
func calFloor(t int64) int64 {
	q, r := t/calWidth, t%calWidth
	if r < 0 {
		q--
	}
	return q
}

// start sets the ring's first bucket to the one of t (the first tick's
// time, or the event time of the first ticket to set alarms) and makes
// the buckets.
func (d *deadlines) start(t int64) {
	d.started = true
	d.cur = calFloor(t)
	d.buckets = make([]calBucket, calBuckets+1)
}

// push adds a to the queue, compacting it first when it holds more than
// 2·live+1024 alarms.
func (d *deadlines) push(a alarm) {
	if d.n >= 2*d.live+1024 {
		d.compact(true)
	}
	d.n++
	d.file(a)
}

// file puts a in its bucket, the late bucket or the overflow.
func (d *deadlines) file(a alarm) {
	switch k := calKey(a.at); {
	case k < d.cur:
		d.add(calLate, a)
	case k-d.cur >= calBuckets:
		d.overPush(a)
	default:
		d.add(int(k&(calBuckets-1)), a)
	}
}

// add appends a to bucket i, taking a chunk when its last is full.
func (d *deadlines) add(i int, a alarm) {
	b := &d.buckets[i]
	if b.n%chunkLen == 0 {
		c := d.newChunk()
		if b.n == 0 {
			b.head = c
		} else {
			d.link[b.tail] = c
		}
		b.tail = c
	}
	d.chunks[b.tail][b.n%chunkLen] = a
	b.n++
}

// newChunk returns a chunk off the free list, or a new one.
func (d *deadlines) newChunk() int32 {
	if c := d.freeChunk; c >= 0 {
		d.freeChunk = d.link[c]
		d.link[c] = -1
		return c
	}
	c := int32(len(d.chunks))
	d.chunks = append(d.chunks, alarmChunk{})
	d.link = append(d.link, -1)
	return c
}

// freeChain returns the chain of chunks from head to tail to the free
// list.
func (d *deadlines) freeChain(head, tail int32) {
	d.link[tail] = d.freeChunk
	d.freeChunk = head
}

// collect moves the alarms due by n (unix nanoseconds) out of the queue
// into the empty batch, sorted by compare: the buckets before n's in
// full, then those of n's bucket and the late bucket due by n. The ring
// then starts at n's bucket, and the overflow's alarms within its reach
// move in (or, when time went back, the ring's past its new reach move
// out).
func (d *deadlines) collect(n int64) {
	f := calFloor(n)
	if !d.started {
		d.start(n)
	}
	if f > d.cur {
		end := f
		if f-d.cur > calBuckets { // past the ring's end: every bucket once
			end = d.cur + calBuckets
		}
		for k := d.cur; k < end; k++ {
			d.takeAll(int(k & (calBuckets - 1)))
		}
		d.cur = f
		for len(d.over) > 0 && calKey(d.over[0].at)-d.cur < calBuckets {
			d.file(d.overPop())
		}
	} else if f < d.cur {
		d.rebase(f)
	}
	// The ring starts at f now.
	d.takeDue(calLate, n)
	if n%calWidth != 0 {
		d.takeDue(int(f&(calBuckets-1)), n)
	}
	if len(d.batch) > 1 {
		slices.SortFunc(d.batch, d.cmp)
	}
}

// rebase moves the ring back to start at bucket f < cur, as a tick that
// went back in time wants (else the alarms set from then on would all be
// late, in one bucket that every tick scans, until time caught up): the
// alarms of the buckets past the new ring's end go to the overflow, the
// late alarms of bucket f or later to the ring.
func (d *deadlines) rebase(f int64) {
	for k := max(f+calBuckets, d.cur); k < d.cur+calBuckets; k++ {
		b := &d.buckets[k&(calBuckets-1)]
		if b.n == 0 {
			continue
		}
		for as := range d.chain(b.head, b.n) {
			for _, a := range as {
				d.overPush(a)
			}
		}
		d.freeChain(b.head, b.tail)
		b.n = 0
	}
	d.cur = f
	late := &d.buckets[calLate]
	if late.n == 0 {
		return
	}
	// Filed again from a detached chain (filing may add to the late
	// bucket), freed after.
	head, tail, n := late.head, late.tail, late.n
	late.n = 0
	for as := range d.chain(head, n) {
		for _, a := range as {
			d.file(a)
		}
	}
	d.freeChain(head, tail)
}

// takeAll moves bucket i's alarms to batch.
func (d *deadlines) takeAll(i int) {
	b := &d.buckets[i]
	if b.n == 0 {
		return
	}
	for as := range d.chain(b.head, b.n) {
		d.batch = append(d.batch, as...)
	}
	d.freeChain(b.head, b.tail)
	b.n = 0
}

// takeDue moves bucket i's alarms due by n to batch and closes up the
// rest in the bucket's chunks.
func (d *deadlines) takeDue(i int, n int64) {
	b := &d.buckets[i]
	if b.n == 0 {
		return
	}
	cu := closeUp{wc: b.head}
	for as := range d.chain(b.head, b.n) {
		for _, a := range as {
			if a.at <= n {
				d.batch = append(d.batch, a)
				continue
			}
			d.keep(&cu, a)
		}
	}
	d.cut(b, cu.wc, cu.kept)
}

// chain yields the alarms of a chain of n alarms starting at chunk head,
// a chunk at a time (all full but the last). Each slice is read by range
// once: the loop body may write kept alarms back into chunks it has read
// (keep), or file alarms into other chunks.
func (d *deadlines) chain(head int32, n int) iter.Seq[[]alarm] {
	return func(yield func([]alarm) bool) {
		for c := head; n > 0; c = d.link[c] {
			m := min(n, chunkLen)
			if !yield(d.chunks[c][:m]) {
				return
			}
			n -= m
		}
	}
}

// closeUp is where the next kept alarm of a bucket being filtered in
// place goes: chunk wc of its chain, index w; kept counts them.
type closeUp struct {
	wc      int32
	w, kept int
}

// keep writes a, a kept alarm of a bucket being filtered, at cu (never
// past the alarm being read: the chain is read in the same order) and
// moves cu on.
func (d *deadlines) keep(cu *closeUp, a alarm) {
	if cu.w == chunkLen {
		cu.wc, cu.w = d.link[cu.wc], 0
	}
	d.chunks[cu.wc][cu.w] = a
	cu.w++
	cu.kept++
}

// cut ends bucket b, whose kept alarms were closed up into its chunks up
// to wc, at wc (the whole chain when none was kept), freeing the chunks
// after it.
func (d *deadlines) cut(b *calBucket, wc int32, kept int) {
	switch {
	case kept == 0:
		d.freeChain(b.head, b.tail)
	case wc != b.tail:
		d.freeChain(d.link[wc], b.tail)
		d.link[wc] = -1
		b.tail = wc
	}
	b.n = kept
}

// overPush adds a to the overflow heap.
func (d *deadlines) overPush(a alarm) {
	d.over = append(d.over, a)
	h := d.over
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= a.at {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = a
}

// overPop removes and returns the overflow's earliest alarm.
func (d *deadlines) overPop() alarm {
	h := d.over
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	d.over = h[:n]
	d.overDown(0)
	return top
}

// overDown sifts the overflow's alarm at i down to its place.
func (d *deadlines) overDown(i int) {
	h := d.over
	n := len(h)
	if 2*i+1 >= n {
		return // a leaf (or an empty heap)
	}
	x := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].at < h[c].at {
			c++
		}
		if h[c].at >= x.at {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = x
}

// compact drops the alarms that can no longer fire (live) from the
// buckets, the overflow and the rest of a tick's batch, sizes the arena
// and frees the closed tickets' slots. Without shrink (a compaction for
// the closed slots, see drop) it only grows the arena and the overflow,
// never shrinks them: shrinking between the compactions push starts would
// have the next push regrow them, an allocation each time.
func (d *deadlines) compact(shrink bool) {
	kept := 0
	for i := range d.buckets {
		kept += d.compactBucket(i)
	}
	over := d.over[:0]
	for _, a := range d.over {
		if d.canFire(&a) {
			over = append(over, a)
		}
	}
	if shrink && cap(over) > 4*len(over)+64 {
		over = slices.Clone(over)
	}
	d.over = over
	for i := len(over)/2 - 1; i >= 0; i-- {
		d.overDown(i)
	}
	// A tick's alarms not yet handled: tick pushes one alarm only after
	// taking one (n−1, and live at most n), so it never reaches
	// 2·live+1024 and compacts; filtered all the same, as the heap did.
	rest := d.batch[:d.bi]
	for _, a := range d.batch[d.bi:] {
		if d.canFire(&a) {
			rest = append(rest, a)
		}
	}
	d.batch = rest
	kept += len(over) + len(rest) - d.bi
	d.n = kept
	if shrink {
		// Without shrink, push's schedule stays as it was: live is what
		// the last compaction push started found (it may now exceed n,
		// which only puts push's next compaction later), so the arena
		// sized for it is not resized back and forth.
		d.live = kept
	}
	// push compacts again before the queue passes 2·live+1024 alarms: an
	// arena of that many chunks, and one more for each bucket that can
	// hold alarms then, never regrows until then. A smaller one grows
	// now; a larger one is kept unless it is four times that, as after
	// a wave of closings (the open tickets' alarms rise and fall by 4×
	// over a day: shrinking at 2× had the next day's rise regrow it).
	need := 2*kept + 1024
	chunks := (need+chunkLen-1)/chunkLen + min(need, calBuckets+1)
	if c := cap(d.chunks); c < chunks {
		d.chunks = append(make([]alarmChunk, 0, chunks), d.chunks...)
		d.link = append(make([]int32, 0, chunks), d.link...)
	} else if shrink && c > 4*chunks {
		d.relocate(chunks)
	}
	// No alarm left names a closed ticket's slot: the slots are free for
	// new tickets.
	for _, s := range d.closed {
		*d.ticket(s) = dlTicket{}
		d.alive[s] = 0
	}
	d.free = append(d.free, d.closed...)
	d.closed = d.closed[:0]
}

// compactBucket drops bucket i's alarms that can no longer fire, closing
// up the rest, and returns how many are left.
func (d *deadlines) compactBucket(i int) int {
	b := &d.buckets[i]
	if b.n == 0 {
		return 0
	}
	const ahead = 16 // alarms: the alive words of the next ones are loaded while these are checked
	cu := closeUp{wc: b.head}
	for c, left := b.head, b.n; ; c = d.link[c] {
		m := min(left, chunkLen)
		ch := &d.chunks[c]
		// The alarms ahead are in this chunk or the next (if any).
		var next *alarmChunk
		nm := 0
		if left > chunkLen {
			next, nm = &d.chunks[d.link[c]], min(left-chunkLen, chunkLen)
		}
		for j := range m {
			if j%4 == 0 {
				var p *alarmChunk
				k := j + ahead
				switch {
				case k+3 < m:
					p = ch
				case k >= chunkLen && k-chunkLen+3 < nm:
					p, k = next, k-chunkLen
				}
				if p != nil {
					d.sink += prefetched(unsafe.Pointer(&d.alive[p[k].slot()]), unsafe.Pointer(&d.alive[p[k+1].slot()]),
						unsafe.Pointer(&d.alive[p[k+2].slot()]), unsafe.Pointer(&d.alive[p[k+3].slot()]))
				}
			}
			if a := ch[j]; d.canFire(&a) {
				d.keep(&cu, a)
			}
		}
		if left -= m; left == 0 {
			break
		}
	}
	d.cut(b, cu.wc, cu.kept)
	return cu.kept
}

// relocate moves the buckets' chunks, in order, to a new arena of
// capacity c (the old one, four times too large, is dropped).
func (d *deadlines) relocate(c int) {
	chunks, link := make([]alarmChunk, 0, c), make([]int32, 0, c)
	for i := range d.buckets {
		b := &d.buckets[i]
		if b.n == 0 {
			continue
		}
		head := int32(len(chunks))
		for o := b.head; o >= 0; o = d.link[o] {
			if len(chunks) > int(head) {
				link[len(link)-1] = int32(len(chunks))
			}
			chunks = append(chunks, d.chunks[o])
			link = append(link, -1)
			if o == b.tail {
				break
			}
		}
		b.head, b.tail = head, int32(len(chunks)-1)
	}
	d.chunks, d.link, d.freeChunk = chunks, link, -1
}

// compare is the order in which due alarms fire (and so the order of the
// warnings): by time, then ticket id, stage and level. It is total on the
// alarms that can fire: a ticket has one live schedule, and a closed
// ticket's alarms, which may share a reopened id's, never fire (alarms it
// calls equal are handled in either order: all but at most one are
// stale, and a stale alarm is skipped whatever came before it).
func (d *deadlines) compare(a, b alarm) int {
	if a.at != b.at {
		return cmp.Compare(a.at, b.at)
	}
	if a.ref>>5 != b.ref>>5 { // two slots: two tickets, their ids may still be equal (closed and reopened)
		sa, sb := d.ticket(a.slot()), d.ticket(b.slot())
		if sa.idw != sb.idw {
			if sa.idw[0] != sb.idw[0] {
				return cmp.Compare(sa.idw[0], sb.idw[0])
			}
			return cmp.Compare(sa.idw[1], sb.idw[1])
		}
		// The first 16 bytes are the same (or one id is a prefix of the
		// other, padded with zeros).
		if c := strings.Compare(sa.id, sb.id); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.ref&31, b.ref&31)
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

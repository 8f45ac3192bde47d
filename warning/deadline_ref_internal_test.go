package warning

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/idtab"
)

// refDeadlines is the deadline detector as it was before its heap was made
// cheaper (commit 74b3095), kept verbatim but for the names, the counters
// and the log: the reference TestDeadlineHeapMatchesReference holds the
// detector to.
type refDeadlines struct {
	cfg     *Config
	cal     WorkingTime
	tickets map[string]*refTicket
	heap    []refAlarm
	fp      []byte
	live    int
	// What a random history exercised.
	compactions, deferrals, fires, foreign int
	// log is every alarm fired and every warning ended, in order.
	log []dlEvent
}

// dlEvent is an alarm fired (end false) or a deadline warning ended, as
// deadlines.trace reports them.
type dlEvent struct {
	end          bool
	id           string
	stage, level uint8
	at           time.Time
}

// refTicket is refDeadlines' dlTicket.
type refTicket struct {
	id       string
	gen      uint32
	paused   bool
	closed   bool
	received time.Time
	pausedD  time.Duration
	due      [nStages]time.Time
	done     [nStages]bool
	fired    [nStages]uint8
	customer string
	region   string
	category string
}

// refAlarm is refDeadlines' alarm.
type refAlarm struct {
	at    int64
	t     *refTicket
	gen   uint32
	stage uint8
	level uint8
}

func (d *refDeadlines) shares() [4]float64 {
	c := d.cfg.Deadline
	return [4]float64{0, c.Countdown, c.Overdue, c.Severe}
}

func (d *refDeadlines) update(t *complaint.Ticket, m *Monitor) {
	st := d.tickets[t.ID]
	if !t.Open() {
		if st != nil {
			delete(d.tickets, t.ID)
			st.closed = true
			d.endAll(st, t.UpdatedAt, m)
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
		st = &refTicket{id: t.ID, received: t.ReceivedAt, customer: t.Customer, region: t.Region, category: t.Category}
		d.tickets[t.ID] = st
	} else if st.due == due && st.done == done && st.paused == paused {
		return
	}
	onlyDone := st.due == due && st.paused == paused
	for i := range done {
		if done[i] && !st.done[i] && st.fired[i] != lvNone {
			d.log = append(d.log, dlEvent{true, t.ID, uint8(i), st.fired[i], t.UpdatedAt})
			d.fp = appendDeadlineFP(d.fp[:0], t.ID, i)
			m.endFP(d.fp, t.UpdatedAt)
		}
		onlyDone = onlyDone && (done[i] || !st.done[i])
	}
	if onlyDone {
		st.done = done
		return
	}
	st.gen++
	st.due, st.done, st.paused, st.pausedD = due, done, paused, t.Paused
	if paused {
		return
	}
	sh := d.shares()
	for i := range due {
		if due[i].IsZero() || done[i] {
			continue
		}
		allowed := due[i].Sub(st.received.Add(st.pausedD))
		for lv := int(st.fired[i]) + 1; lv <= lvSevere; lv++ {
			at := st.received.Add(st.pausedD).Add(time.Duration(math.Round(sh[lv] * float64(allowed))))
			d.push(refAlarm{at: at.UnixNano(), t: st, gen: st.gen, stage: uint8(i), level: uint8(lv)})
		}
	}
}

func (d *refDeadlines) endAll(st *refTicket, at time.Time, m *Monitor) {
	for i := range nStages {
		if st.fired[i] != lvNone {
			d.log = append(d.log, dlEvent{true, st.id, uint8(i), st.fired[i], at})
			d.fp = appendDeadlineFP(d.fp[:0], st.id, i)
			m.endFP(d.fp, at)
		}
	}
}

// ticketOf is the one change from 74b3095: a closed ticket's alarms die
// with it (they used to be checked against the id's reopened successor).
func (d *refDeadlines) ticketOf(a *refAlarm) *refTicket {
	if a.t.closed {
		return nil
	}
	return a.t
}

func (d *refDeadlines) tick(now time.Time, m *Monitor) {
	n := now.UnixNano()
	sh := d.shares()
	for len(d.heap) > 0 && d.heap[0].at <= n {
		a := d.pop()
		if a.t.closed && d.tickets[a.t.id] != nil {
			d.foreign++ // a closed ticket's alarm, its id open again: dropped (74b3095 checked it against the successor)
		}
		st := d.ticketOf(&a)
		if st == nil || st.gen != a.gen || st.paused || st.done[a.stage] || st.fired[a.stage] >= a.level {
			continue
		}
		allowed := st.due[a.stage].Sub(st.received.Add(st.pausedD))
		share := sh[a.level]
		if d.cal != nil {
			start := st.received.Add(st.pausedD)
			used, err1 := d.cal.WorkingDuration(start, now)
			total, err2 := d.cal.WorkingDuration(start, st.due[a.stage])
			if err1 == nil && err2 == nil && total > 0 {
				if need := time.Duration(share * float64(total)); used < need {
					a.at = now.Add(need - used).UnixNano()
					d.deferrals++
					d.push(a)
					continue
				}
			}
		}
		st.fired[a.stage] = a.level
		d.fires++
		d.log = append(d.log, dlEvent{false, st.id, a.stage, a.level, now})
		d.fire(a, st, allowed, share, now, m)
	}
}

func (d *refDeadlines) fire(a refAlarm, st *refTicket, allowed time.Duration, share float64, now time.Time, m *Monitor) {
	stage := stageNames[a.stage]
	level := levelNames[a.level]
	g := [...]Grade{GradeNone, GradeIV, GradeIII, GradeII}[a.level]
	if a.stage == stRegulator || a.stage == stAppeal {
		g--
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

func (d *refDeadlines) valid(a *refAlarm) bool {
	st := d.ticketOf(a)
	return st != nil && st.gen == a.gen && !st.done[a.stage] && st.fired[a.stage] < a.level
}

func (d *refDeadlines) compact() {
	d.compactions++
	keep := d.heap[:0]
	for i := range d.heap {
		if d.valid(&d.heap[i]) {
			keep = append(keep, d.heap[i])
		}
	}
	clear(d.heap[len(keep):])
	if cap(keep) > 4*len(keep)+1024 {
		keep = append([]refAlarm(nil), keep...)
	}
	d.heap = keep
	for i := len(keep)/2 - 1; i >= 0; i-- {
		d.down(i)
	}
	d.live = len(keep)
}

func (d *refDeadlines) push(a refAlarm) {
	if len(d.heap) >= 2*d.live+1024 {
		d.compact()
	}
	d.heap = append(d.heap, a)
	i := len(d.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !d.less(i, p) {
			break
		}
		d.heap[i], d.heap[p] = d.heap[p], d.heap[i]
		i = p
	}
}

func (d *refDeadlines) less(i, j int) bool {
	a, b := d.heap[i], d.heap[j]
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

func (d *refDeadlines) pop() refAlarm {
	h := d.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = refAlarm{}
	d.heap = h[:n]
	d.down(0)
	d.live = min(d.live, n)
	return top
}

func (d *refDeadlines) down(i int) {
	h := d.heap
	n := len(h)
	for {
		l, r, s := 2*i+1, 2*i+2, i
		if l < n && d.less(l, s) {
			s = l
		}
		if r < n && d.less(r, s) {
			s = r
		}
		if s == i {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
}

// shiftCalendar counts as working time only the hours 8:00–20:00 UTC of
// every day but Sunday, so alarms are deferred overnight and over Sundays;
// it fails for spans over 30 days (as a calendar without holiday data does).
type shiftCalendar struct{}

func (shiftCalendar) WorkingDuration(from, to time.Time) (time.Duration, error) {
	if to.Sub(from) > 30*24*time.Hour {
		return 0, errors.New("no holiday data")
	}
	var sum time.Duration
	for t := from; t.Before(to); {
		next := t.UTC().Truncate(time.Hour).Add(time.Hour)
		if next.After(to) {
			next = to
		}
		if h := t.UTC().Hour(); h >= 8 && h < 20 && t.UTC().Weekday() != time.Sunday {
			sum += next.Sub(t)
		}
		t = next
	}
	return sum, nil
}

// TestDeadlineHeapMatchesReference drives the detector and refDeadlines
// through the same random ticket histories (new tickets, deadlines set and
// moved, stages completed and reopened, pauses, closes and reopens under
// the same id, ticks) with and without a calendar that defers alarms, and
// requires, after every step, the same alarms fired and warnings ended in
// the same order (ticket, stage, level, time), the detector's alarm count
// equal to the reference heap's length and the same live count (so the
// same compactions), the same alarms held (as a multiset: at, ticket,
// schedule, stage, level, closed) and a valid calendar queue (checkQueue),
// and at the end the same warnings, actions and ledger. The detector holds
// its alarms in a calendar queue and sorts each tick's due ones: they come
// out in the order the reference heap pops them because that order is
// total on the alarms that can fire; closed tickets' alarms must die
// whether or not a compaction dropped them before their id reopened.
func TestDeadlineHeapMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		cal  WorkingTime
		seed uint64
	}{
		{"wall", nil, 1},
		{"calendar", shiftCalendar{}, 2},
		{"calendar2", shiftCalendar{}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := runDeadlineHistory(t, dlHistory{cal: tc.cal, seed: tc.seed})
			t.Logf("reference: %d compactions, %d fires, %d deferrals, %d alarms of closed tickets popped while their id was open again",
				ref.compactions, ref.fires, ref.deferrals, ref.foreign)
			require.Positive(t, ref.compactions)
			require.Positive(t, ref.fires)
			require.Positive(t, ref.foreign)
			if tc.cal != nil {
				require.Positive(t, ref.deferrals)
			}
		})
	}
}

// dlHistory says what random history runDeadlineHistory runs.
type dlHistory struct {
	cal  WorkingTime
	seed uint64
	// far moves time as a library user's ticks may: ticks at any
	// nanosecond, on the hour, again at the same time, back a few hours,
	// or 170–270 days ahead (past the calendar queue's ring), and
	// deadlines now and then 3,000–9,000 hours ahead (severe alarms up to
	// 13,500: in the queue's overflow). Otherwise ticks come every 0–19
	// minutes and deadlines within 96 hours.
	far bool
	// steps is the history's length (60,000 if 0).
	steps int
}

// runDeadlineHistory runs one random history through a Monitor's detector
// and refDeadlines (on a second Monitor) and compares them as it goes.
func runDeadlineHistory(t *testing.T, h dlHistory) *refDeadlines {
	cal, seed := h.cal, h.seed
	ctx := context.Background()
	appeal := Duration(50 * time.Hour)
	opts := Options{Config: Config{Deadline: DeadlineConfig{Appeal: &appeal}}, Calendar: cal}
	m, err := NewMonitor(ctx, opts)
	require.NoError(t, err)
	mRef, err := NewMonitor(ctx, opts)
	require.NoError(t, err)
	ref := &refDeadlines{cfg: mRef.dl.cfg, cal: cal, tickets: map[string]*refTicket{}}
	r := rand.New(rand.NewPCG(seed, 99))
	base := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	now := base
	// Times on a 15-minute grid, so that alarms of different tickets,
	// stages and schedules fall on the same instant.
	grid := func(d time.Duration) time.Time { return now.Add(d).Truncate(15 * time.Minute) }
	hours := func(lo, hi int) time.Duration { return time.Duration(lo+r.IntN(hi-lo+1)) * time.Hour }
	var tickets []*complaint.Ticket
	setDeadlines := func(tk *complaint.Ticket) {
		from := tk.ReceivedAt
		if r.IntN(3) == 0 {
			from = grid(0)
		}
		pick := func(lo, hi int) time.Time {
			if r.IntN(6) == 0 {
				return time.Time{}
			}
			if h.far && r.IntN(5) == 0 {
				return from.Add(hours(3000, 9000))
			}
			return from.Add(hours(lo, hi))
		}
		tk.Deadlines = complaint.Deadlines{FirstContact: pick(1, 3), Reply: pick(2, 12), Resolve: pick(6, 48)}
		if r.IntN(3) == 0 {
			tk.Deadlines.Regulator = tk.Deadlines.Resolve // same instant as resolve: a tie between stages
		} else if r.IntN(2) == 0 {
			tk.Deadlines.Regulator = pick(24, 96)
		}
	}
	lastCap, lastCompactions, logged := 0, 0, 0
	maxOver, maxLate := 0, 0 // the most alarms seen in the queue's overflow and late bucket
	var log []dlEvent
	m.dl.trace = func(end bool, id string, stage, level uint8, at time.Time) {
		log = append(log, dlEvent{end, id, stage, level, at})
	}
	check := func(step int) {
		t.Helper()
		// What the detector did since the last step, in order.
		require.Equal(t, len(ref.log), len(log), "alarms fired and warnings ended, step %d", step)
		for i := logged; i < len(log); i++ {
			if ref.log[i] != log[i] {
				t.Fatalf("step %d: event %d: reference %+v, got %+v", step, i, ref.log[i], log[i])
			}
		}
		logged = len(log)
		require.Equal(t, len(ref.heap), m.dl.n, "alarms held (the reference heap's length), step %d", step)
		// After the first compaction the queue's chunk arena is replaced
		// only by a compaction: it never regrows between two.
		if c := cap(m.dl.chunks); c != lastCap {
			if ref.compactions > 0 {
				require.NotEqual(t, lastCompactions, ref.compactions, "chunk arena regrown from %d to %d between compactions, step %d", lastCap, c, step)
			}
			lastCap = c
		}
		lastCompactions = ref.compactions
		require.Equal(t, ref.live, m.dl.live, "live, step %d", step)
		// The same alarms: an order-free sum of them every ten steps, the
		// sorted lists and the queue's structure every hundred.
		if step%10 != 0 {
			return
		}
		maxOver = max(maxOver, len(m.dl.over))
		if m.dl.started {
			maxLate = max(maxLate, m.dl.buckets[calLate].n)
		}
		held := m.dl.queued()
		var sumRef, sum uint64
		for i := range ref.heap {
			a := &ref.heap[i]
			sumRef += dlAlarmHash(a.at, a.t.id, a.gen, a.stage, a.level, a.t.closed)
		}
		for i := range held {
			a := &held[i]
			st := m.dl.ticket(a.slot())
			sum += dlAlarmHash(a.at, st.id, a.gen, a.stage(), a.level(), st.closed)
		}
		require.Equal(t, sumRef, sum, "alarms held, step %d", step)
		if step%100 != 0 {
			return
		}
		m.dl.checkQueue(t)
		want, got := make([]dlAlarmRow, len(ref.heap)), make([]dlAlarmRow, len(held))
		for i := range ref.heap {
			a := &ref.heap[i]
			want[i] = dlAlarmRow{a.at, a.t.id, a.gen, a.stage, a.level, a.t.closed}
		}
		for i := range held {
			a := &held[i]
			st := m.dl.ticket(a.slot())
			got[i] = dlAlarmRow{a.at, st.id, a.gen, a.stage(), a.level(), st.closed}
		}
		slices.SortFunc(want, dlAlarmRow.compare)
		slices.SortFunc(got, dlAlarmRow.compare)
		sameList(t, fmt.Sprintf("alarms held, step %d", step), want, got)
		require.Equal(t, len(ref.tickets), m.dl.open(), "tickets, step %d", step)
		for id, a := range ref.tickets {
			_, b := m.dl.lookup(id)
			if b == nil || b.closed || a.gen != b.gen || a.fired != b.fired || a.done != b.done || a.paused != b.paused ||
				a.due != b.due || a.pausedD != b.pausedD {
				t.Fatalf("step %d: ticket %s: reference %+v, got %+v", step, id, a, b)
			}
		}
	}
	steps := cmp.Or(h.steps, 60000)
	for step := range steps {
		switch op := r.IntN(100); {
		case op < 8: // tick
			switch k := r.IntN(20); {
			case !h.far:
				now = now.Add(time.Duration(r.IntN(20)) * time.Minute)
			case k < 12: // at any nanosecond
				now = now.Add(time.Duration(r.Int64N(int64(40 * time.Minute))))
			case k < 15: // on the hour (UTC and the queue's buckets)
				now = now.Truncate(time.Hour).Add(time.Hour)
			case k == 15: // past the queue's ring
				now = now.Add(time.Duration(calBuckets+r.IntN(100*24))*time.Hour + time.Duration(r.Int64N(int64(time.Hour))))
			case k == 16: // back
				now = now.Add(-time.Duration(r.Int64N(int64(3 * time.Hour))))
			default: // the same time again
			}
			m.dl.tick(now, m)
			ref.tick(now, mRef)
			sameList(t, fmt.Sprintf("actions, step %d", step), mRef.Actions(), m.Actions())
		case op < 20 || len(tickets) == 0: // a new ticket
			tk := &complaint.Ticket{ID: "T" + strconv.Itoa(len(tickets)), ReceivedAt: grid(0), Status: complaint.StatusHandling,
				Kind: complaint.KindComplaint, Region: "gd.gz.th.s01", Category: "billing.dispute"}
			if r.IntN(4) == 0 {
				tk.Kind = complaint.KindConsultation // no appeal clock
			}
			if r.IntN(2) == 0 {
				tk.Customer = fmt.Sprintf("C%03d", r.IntN(300))
			}
			setDeadlines(tk)
			tickets = append(tickets, tk)
			tk.UpdatedAt = now
			m.dl.update(tk, m)
			ref.update(tk, mRef)
		default: // something happens to a ticket, recent ones more often
			i := len(tickets) - 1 - min(len(tickets)-1, int(r.ExpFloat64()*60))
			tk := tickets[i]
			open := tk.Status.Open()
			switch k := r.IntN(13); {
			case !open && k < 4: // reopened (the same id), maybe with new deadlines
				tk.Status, tk.ResolvedAt, tk.ClosedAt = complaint.StatusHandling, time.Time{}, time.Time{}
				if r.IntN(2) == 0 {
					setDeadlines(tk)
				}
			case !open:
				continue // stays closed
			case k == 0:
				setDeadlines(tk)
			case k == 1: // one deadline moved
				tk.Deadlines.Resolve = tk.Deadlines.Resolve.Add(time.Duration(r.IntN(9)-4) * time.Hour)
			case k == 2:
				tk.FirstContactAt = now
			case k == 3:
				tk.RepliedAt = now
			case k == 4: // a reply taken back
				tk.RepliedAt = time.Time{}
			case k == 5:
				if tk.Status == complaint.StatusWaiting {
					tk.Status = complaint.StatusHandling
					tk.Paused += time.Duration(1+r.IntN(8)) * 15 * time.Minute
				} else {
					tk.Status = complaint.StatusWaiting
				}
			case k == 6:
				tk.ResolvedAt, tk.Status = now, complaint.StatusResolved
			case k == 7:
				tk.ClosedAt, tk.Status = now, complaint.StatusClosed
			case k == 8: // resolved while open (a stage done by its own clock)
				tk.ResolvedAt = now
			default: // an event that changes nothing the detector follows
			}
			tk.UpdatedAt = now
			m.dl.update(tk, m)
			ref.update(tk, mRef)
		}
		check(step)
	}
	for range 20 { // let every alarm come due
		now = now.Add(24 * time.Hour)
		m.dl.tick(now, m)
		ref.tick(now, mRef)
	}
	check(steps - steps%100) // a full check
	t.Logf("queue: at most %d alarms in the overflow, %d late", maxOver, maxLate)
	if h.far {
		require.Positive(t, maxOver)
		require.Positive(t, maxLate)
	}
	require.Equal(t, len(ref.log), len(log))
	sameList(t, "ledger entries", mRef.Ledger().Entries(), m.Ledger().Entries())
	sameList(t, "active warnings", mRef.Active(), m.Active())
	sameList(t, "actions", mRef.Actions(), m.Actions())
	return ref
}

// dlAlarmRow is an alarm as the reference and the detector can both say
// it.
type dlAlarmRow struct {
	at           int64
	id           string
	gen          uint32
	stage, level uint8
	closed       bool
}

func (a dlAlarmRow) compare(b dlAlarmRow) int {
	return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.id, b.id), cmp.Compare(a.gen, b.gen),
		cmp.Compare(a.stage, b.stage), cmp.Compare(a.level, b.level), cmp.Compare(b2i(a.closed), b2i(b.closed)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dlAlarmHash mixes an alarm's fields into a word, for order-free sums.
func dlAlarmHash(at int64, id string, gen uint32, stage, level uint8, closed bool) uint64 {
	h := idtab.Key(id) ^ uint64(at)*0x9e3779b97f4a7c15
	h ^= (uint64(gen)<<16 | uint64(stage)<<8 | uint64(level)<<1) * 0xc2b2ae3d27d4eb4f
	if closed {
		h = ^h
	}
	return h * 0xff51afd7ed558ccd
}

// lookup returns the slot and state of open ticket id, or -1, nil.
func (d *deadlines) lookup(id string) (int32, *dlTicket) {
	if _, s, ok := d.tab.Find(id, idtab.Hash(id), d.is); ok {
		return s, d.ticket(s)
	}
	return -1, nil
}

// sameList fails t at the first element where got differs from want (a
// whole-list diff of thousands of warnings takes testify minutes).
func sameList[T any](t *testing.T, what string, want, got []T) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Fatalf("%s: element %d of %d: reference\n%+v\ngot\n%+v", what, i, len(want), want[i], got[i])
		}
	}
	require.Equal(t, len(want), len(got), "%s: length", what)
}

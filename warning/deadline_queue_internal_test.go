package warning

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
)

// queued returns the alarms the detector holds: its buckets', the
// overflow's and those of a tick's batch not yet handled.
func (d *deadlines) queued() []alarm {
	var out []alarm
	for i := range d.buckets {
		b := &d.buckets[i]
		for c, left := b.head, b.n; left > 0; c = d.link[c] {
			m := min(left, chunkLen)
			out = append(out, d.chunks[c][:m]...)
			left -= m
		}
	}
	out = append(out, d.over...)
	return append(out, d.batch[d.bi:]...)
}

// checkQueue fails t unless the calendar queue is well formed: every
// ring bucket's alarms fall in its bucket of the ring's span, the late
// bucket's before it, the overflow's past it and in heap order; each
// bucket's chain has the chunks its count needs and ends at its tail; no
// chunk is in two chains or lost; and n counts the alarms held. Every
// slot's alive word must be its state's.
func (d *deadlines) checkQueue(t *testing.T) {
	t.Helper()
	require.Len(t, d.alive, int(d.slots))
	for s := range d.slots {
		if w := aliveWord(d.ticket(s)); d.alive[s] != w {
			t.Fatalf("slot %d: alive word %#x, its state's %#x", s, d.alive[s], w)
		}
	}
	if !d.started {
		require.Zero(t, d.n)
		return
	}
	owner := make([]int, len(d.chunks)) // 0: none, i+1: bucket i, -1: free
	for i := range d.buckets {
		b := &d.buckets[i]
		if b.n == 0 {
			continue
		}
		c, left := b.head, b.n
		for {
			require.Zero(t, owner[c], "bucket %d: chunk %d already in a chain", i, c)
			owner[c] = i + 1
			m := min(left, chunkLen)
			for _, a := range d.chunks[c][:m] {
				k := calKey(a.at)
				if i == calLate {
					require.Less(t, k, d.cur, "late bucket: alarm at %d", a.at)
				} else {
					require.True(t, k >= d.cur && k-d.cur < calBuckets && int(k&(calBuckets-1)) == i,
						"bucket %d (ring from %d): alarm at %d of bucket %d", i, d.cur, a.at, k)
				}
			}
			if left -= m; left == 0 {
				break
			}
			c = d.link[c]
		}
		require.Equal(t, b.tail, c, "bucket %d: the chain does not end at the tail", i)
		require.Equal(t, int32(-1), d.link[c], "bucket %d: the tail links on", i)
	}
	for c := d.freeChunk; c >= 0; c = d.link[c] {
		require.Zero(t, owner[c], "free chunk %d in a chain", c)
		owner[c] = -1
	}
	for c, o := range owner {
		require.NotZero(t, o, "chunk %d lost", c)
	}
	for i, a := range d.over {
		require.GreaterOrEqual(t, calKey(a.at)-d.cur, int64(calBuckets), "overflow alarm at %d within the ring", a.at)
		if i > 0 {
			require.LessOrEqual(t, d.over[(i-1)/2].at, a.at, "overflow heap order at %d", i)
		}
	}
	require.Equal(t, d.n, len(d.queued()), "n")
}

// TestCalKey checks the bucket of a time and the floor of a tick's time
// at bucket boundaries, around zero and at the ends of int64.
func TestCalKey(t *testing.T) {
	const w = calWidth
	for _, c := range []struct{ at, key, floor int64 }{
		{0, -1, 0}, {1, 0, 0}, {w - 1, 0, 0}, {w, 0, 1}, {w + 1, 1, 1},
		{-1, -1, -1}, {-w + 1, -1, -1}, {-w, -2, -1}, {-w - 1, -2, -2},
		{math.MaxInt64, math.MaxInt64 / w, math.MaxInt64 / w},
		{math.MinInt64, math.MinInt64/w - 1, math.MinInt64/w - 1},
	} {
		require.Equal(t, c.key, calKey(c.at), "calKey(%d)", c.at)
		require.Equal(t, c.floor, calFloor(c.at), "calFloor(%d)", c.at)
	}
	r := rand.New(rand.NewPCG(8, 9))
	for range 100000 {
		at := r.Int64() - r.Int64()
		if r.IntN(2) == 0 {
			at = (r.Int64N(1<<20) - 1<<19) * w // on a boundary
			at += r.Int64N(3) - 1
		}
		k, f := calKey(at), calFloor(at)
		// at in (k·w, (k+1)·w], f·w <= at < (f+1)·w (in big numbers'
		// terms: the products may not fit in int64 at the ends).
		require.True(t, k == f || k == f-1, "at %d: key %d floor %d", at, k, f)
		require.Equal(t, at%w == 0, k == f-1, "at %d: key %d floor %d", at, k, f)
	}
}

// dlQueueRow is a due alarm as the queue's order sees it: time, ticket
// id, stage and level.
type dlQueueRow struct {
	at  int64
	id  string
	ref uint32 // stage<<2 | level
}

// TestDeadlineCalendarQueue drives the calendar queue alone with random
// pushes and collections (a tick's taking of the due alarms) and compares
// every tick's due alarms, in order, with a plain reference: the held
// alarms due by the tick, sorted by time, id, stage and level. The times
// fall on and next to bucket boundaries, at any nanosecond, in the past,
// far past the ring (the overflow) and at the ends of int64; ticks go
// forward by any amount (past the ring's span too), back and to the ends
// of int64; alarms tie in time across tickets, among them tickets of one
// id in two slots (closed and reopened) and ids equal in their first 16
// bytes. Alarms handled are pushed again after the tick now and then (as
// the working-time calendar defers them). Half the tickets have moved to
// a new schedule, so compactions drop their old alarms (the reference
// drops them when the queue compacts); a burst of alarms then a drought
// makes a compaction shrink the chunk arena. New alarms are set while a
// tick's due alarms are handled too (tick itself never sets enough then to
// compact), so that compactions drop stale alarms of the batch, in step
// with the reference. The queue's structure is checked as it goes.
func TestDeadlineCalendarQueue(t *testing.T) {
	m, err := NewMonitor(context.Background(), Options{})
	require.NoError(t, err)
	d := m.dl
	r := rand.New(rand.NewPCG(21, 22))
	var ids []string
	for i := range 40 {
		ids = append(ids, "T"+string(rune('a'+i%26)))
	}
	ids = append(ids, "X0000000000000000-a", "X0000000000000000-b", "X0000000000000000", "Ta", "Tb") // long ids; ids in two slots
	slots := make([]int32, len(ids))
	for i, id := range ids {
		slots[i] = d.newSlot()
		st := d.ticket(slots[i])
		*st = dlTicket{id: id, idw: idWords(id), gen: uint32(1 + i%2)} // alarms of gen 1 on a gen-2 ticket are stale
		d.alive[slots[i]] = aliveWord(st)
	}
	var ref []alarm // the reference: the alarms held, in no order
	row := func(a alarm) dlQueueRow { return dlQueueRow{a.at, d.ticket(a.slot()).id, a.ref & 31} }
	now := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC).UnixNano()
	d.start(now) // as the first ticket's update does
	const h = int64(time.Hour)
	pick := func() int64 { // an alarm's time
		switch k := r.IntN(20); {
		case k < 6: // on or next to a boundary near now
			return (now/h+r.Int64N(12)-2)*h + r.Int64N(3) - 1
		case k < 12:
			return now + r.Int64N(72*h) - 8*h
		case k < 14: // the same time as a held alarm
			if len(ref) > 0 {
				return ref[r.IntN(len(ref))].at
			}
			return now
		case k < 17: // past the ring
			return now + (calBuckets-8)*h + r.Int64N(2*calBuckets*h)
		case k == 17:
			return now - r.Int64N(400*h)
		default: // the ends of int64
			return []int64{math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1, math.MaxInt64 - h}[r.IntN(5)]
		}
	}
	// due[di:] are the reference's due alarms of a tick not yet handled:
	// the queue's batch[bi:] must match them.
	var due []alarm
	di, midTick := 0, 0
	maxCap, shrunk := 0, false
	add := func(a alarm) {
		before := d.n
		d.push(a)
		if d.n != before+1 { // compacted: the reference drops the stale alarms too, due ones among them
			stale := func(a alarm) bool { return !a.live(d.ticket(a.slot())) }
			ref = slices.DeleteFunc(ref, stale)
			if di < len(due) {
				midTick++
				due = append(due[:di], slices.DeleteFunc(due[di:], stale)...)
			}
		}
		ref = append(ref, a)
		require.Equal(t, len(ref)+len(due)-di, d.n, "alarms held")
		if c := cap(d.chunks); c < maxCap {
			shrunk = true
		} else {
			maxCap = c
		}
	}
	push := func(at int64) {
		i := r.IntN(len(ids))
		add(alarm{at: at, gen: uint32(1 + r.IntN(2)), ref: uint32(slots[i])<<5 | uint32(r.IntN(nStages))<<2 | uint32(1+r.IntN(3))})
	}
	tick := func(n int64, quiet bool) {
		d.collect(n)
		due, di = due[:0], 0
		ref = slices.DeleteFunc(ref, func(a alarm) bool {
			if a.at <= n {
				due = append(due, a)
				return true
			}
			return false
		})
		slices.SortFunc(due, func(a, b alarm) int {
			return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(d.ticket(a.slot()).id, d.ticket(b.slot()).id), cmp.Compare(a.ref&31, b.ref&31))
		})
		require.Equal(t, len(due), len(d.batch)-d.bi, "alarms due by %d", n)
		// Handle them as tick does, pushing some again after n (which may
		// compact the queue, and drop stale alarms of the batch).
		for d.bi < len(d.batch) {
			require.Less(t, di, len(due), "tick %d: more alarms due than the reference's", n)
			a := d.batch[d.bi]
			if row(a) != row(due[di]) {
				t.Fatalf("tick %d: due alarm %d of %d: want %+v, got %+v", n, di, len(due), row(due[di]), row(a))
			}
			d.bi++
			di++
			d.n--
			d.live = min(d.live, d.n)
			if quiet {
				continue
			}
			if r.IntN(8) == 0 && n < math.MaxInt64-2*h {
				a.at = n + 1 + r.Int64N(2*h)
				add(a)
			}
			// tick pushes only after a pop, which keeps its pushes short of
			// a compaction; stale alarms set after n here make one now and
			// then, with due alarms of the batch still to handle.
			if di == 1 && d.bi < len(d.batch) && r.IntN(40) == 0 && n < math.MaxInt64-2*h {
				for c := midTick; midTick == c; {
					i := r.IntN(len(ids))
					add(alarm{at: n + 1 + r.Int64N(100*h), gen: 3, ref: uint32(slots[i])<<5 | 1})
				}
			}
		}
		require.Equal(t, len(due), di, "tick %d: alarms handled", n)
		d.batch, d.bi = d.batch[:0], 0
		due, di = due[:0], 0
	}
	steps := 20000
	if testing.Short() {
		steps = 5000
	}
	for round := range 6 {
		for step := range steps {
			switch k := r.IntN(100); {
			case k < 80:
				push(pick())
			case k < 92: // forward by up to two hours, at any nanosecond or on the hour
				now += r.Int64N(2 * h)
				if r.IntN(3) == 0 {
					now = now / h * h
				}
				tick(now, false)
			case k < 94: // past the ring
				now += calBuckets*h + r.Int64N(3*calBuckets*h)
				tick(now, false)
			case k < 97: // back
				now -= r.Int64N(6 * h)
				tick(now, false)
			case k < 98: // the same time again
				tick(now, false)
			default: // an end of int64, then back to now's time
				tick([]int64{math.MinInt64, math.MinInt64 + 1, math.MaxInt64 - 1}[r.IntN(3)], false)
				tick(now, false)
			}
			if step%500 == 0 {
				d.checkQueue(t)
				got := d.queued()
				require.Equal(t, len(ref), len(got))
				key := func(a, b alarm) int {
					return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.ref, b.ref), cmp.Compare(a.gen, b.gen))
				}
				want := slices.Clone(ref)
				slices.SortFunc(want, key)
				slices.SortFunc(got, key)
				require.Equal(t, want, got, "alarms held, round %d step %d", round, step)
			}
		}
		if round == 2 { // a burst of alarms, then they all come due
			for range 600_000 {
				push(now + r.Int64N(60*24*h))
			}
			d.checkQueue(t)
			now += 61 * 24 * h
			tick(now, true)
			for range 40_000 { // enough to compact
				push(pick())
			}
		}
	}
	tick(math.MaxInt64, false)
	require.Empty(t, ref)
	require.Zero(t, d.n)
	d.checkQueue(t)
	require.True(t, shrunk, "no compaction shrank the chunk arena (up to %d chunks)", maxCap)
	require.Positive(t, midTick, "no compaction while a tick's due alarms were being handled")
	t.Logf("%d compactions while a tick's due alarms were being handled; the chunk arena up to %d chunks", midTick, maxCap)
}

// TestDeadlineQueueMatchesReference runs the random ticket histories of
// TestDeadlineHeapMatchesReference with time moved as a library user's
// ticks may move it (dlHistory.far): ticks off the hour, on the hour,
// repeated, back, and past the calendar queue's ring; deadlines
// thousands of hours ahead (the queue's overflow). The detector must fire
// and end the reference heap's alarms and warnings in the same order,
// hold the same alarms and compact at the same points.
func TestDeadlineQueueMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		cal  WorkingTime
		seed uint64
	}{
		{"wall", nil, 4},
		{"calendar", shiftCalendar{}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := dlHistory{cal: tc.cal, seed: tc.seed, far: true}
			if testing.Short() {
				h.steps = 20000
			}
			ref := runDeadlineHistory(t, h)
			t.Logf("reference: %d compactions, %d fires, %d deferrals, %d alarms of closed tickets popped while their id was open again",
				ref.compactions, ref.fires, ref.deferrals, ref.foreign)
			require.Positive(t, ref.compactions)
			require.Positive(t, ref.fires)
			if tc.cal != nil {
				require.Positive(t, ref.deferrals)
			}
		})
	}
}

// TestCanFire checks canFire, which reads a slot's alive word, against
// alarm.live on the state, for random states and alarms.
func TestCanFire(t *testing.T) {
	m, err := NewMonitor(context.Background(), Options{})
	require.NoError(t, err)
	d := m.dl
	s := d.newSlot()
	st := d.ticket(s)
	r := rand.New(rand.NewPCG(31, 32))
	gens := []uint32{0, 1, 2, math.MaxUint32 - 1, math.MaxUint32}
	for range 200000 {
		*st = dlTicket{gen: gens[r.IntN(len(gens))], closed: r.IntN(4) == 0}
		for i := range nStages {
			st.done[i] = r.IntN(3) == 0
			st.fired[i] = uint8(r.IntN(4))
		}
		d.alive[s] = aliveWord(st)
		a := alarm{gen: gens[r.IntN(len(gens))], ref: uint32(s)<<5 | uint32(r.IntN(nStages))<<2 | uint32(r.IntN(4))}
		require.Equal(t, a.live(st), d.canFire(&a), "%+v, alarm %+v", *st, a)
	}
}

// TestDeadlineSteadyStateAllocs checks that, once warm, the detector's
// update and tick allocate nothing: a stream like BenchmarkDeadlineEvents'
// (2,000 open tickets taken through their lives, a tick every 256
// events), each stage done shortly before its first alarm (an event every
// 800 s a ticket: contacted at 40 min of a 1 h first contact, replied at
// 53 min of 2 h, resolved at 67 min of 3 h), so that ticks take stale
// alarms out of the queue's buckets between compactions; measured over
// 100,000 events.
func TestDeadlineSteadyStateAllocs(t *testing.T) {
	m, err := NewMonitor(context.Background(), Options{})
	require.NoError(t, err)
	const open = 2000
	ts, phase := make([]complaint.Ticket, open), make([]uint8, open)
	ids := make([]string, 2*open)
	for i := range ids {
		ids[i] = "X" + strconv.Itoa(10_000_000+i)
	}
	now, next, i := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), 0, 0
	event := func() {
		i++
		now = now.Add(400 * time.Millisecond)
		j := (i * 7919) % open
		tk := &ts[j]
		tk.UpdatedAt = now
		switch phase[j] {
		case 0:
			*tk = complaint.Ticket{ID: ids[next], Kind: complaint.KindComplaint, Status: complaint.StatusHandling,
				ReceivedAt: now, UpdatedAt: now, Customer: "C0000001", Region: "gd.c01.d01.s01", Category: "billing.dispute",
				Deadlines: complaint.Deadlines{FirstContact: now.Add(time.Hour), Reply: now.Add(2 * time.Hour), Resolve: now.Add(3 * time.Hour)}}
			next = (next + 1) % len(ids)
		case 3:
			tk.FirstContactAt = now
		case 4:
			tk.RepliedAt = now
		case 5:
			tk.ResolvedAt, tk.Status = now, complaint.StatusResolved
		case 6:
			tk.Status = complaint.StatusClosed
		}
		phase[j] = (phase[j] + 1) % 7
		m.dl.update(tk, m)
		if i%256 == 0 {
			m.dl.tick(now, m)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for range 70 * open { // every ticket through its life ten times
		event()
	}
	allocs := testing.AllocsPerRun(10, func() {
		for range 10000 {
			event()
		}
	})
	require.Zero(t, allocs, "allocations per 10,000 events")
	require.Empty(t, m.active, "warnings fired")
}

// TestDeadlineSlotsFollowOpenTickets follows 2,000 tickets whose alarms
// are months away, and takes in 50,000 more with a 1 h resolve deadline,
// 100 at a time, lets all their alarms fire (severe at 1.5 h) and then
// forgets or closes them. No alarm is left to die, and the alarms waiting
// stay many (the far ones), so the queue never compacts for dead alarms;
// yet the slots stay bounded by the tickets followed (drop compacts when
// closed slots pile up), not by every ticket ever taken in.
func TestDeadlineSlotsFollowOpenTickets(t *testing.T) {
	off := Duration(0) // no appeal clock: the far tickets' alarms stay waiting
	m, err := NewMonitor(context.Background(), Options{Config: Config{Deadline: DeadlineConfig{Appeal: &off}}})
	require.NoError(t, err)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	ticket := func(id string, due time.Duration) complaint.Ticket {
		return complaint.Ticket{ID: id, Kind: complaint.KindComplaint, Status: complaint.StatusHandling,
			ReceivedAt: now, UpdatedAt: now, Customer: "C1", Region: "gd.c01", Category: "billing.dispute",
			Deadlines: complaint.Deadlines{Resolve: now.Add(due)}}
	}
	const far, batch, batches = 2000, 100, 500
	for i := range far {
		tk := ticket("F"+strconv.Itoa(i), 200*24*time.Hour)
		m.dl.update(&tk, m)
	}
	for b := range batches {
		tks := make([]complaint.Ticket, batch)
		for i := range tks {
			tks[i] = ticket("X"+strconv.Itoa(10_000_000+b*batch+i), time.Hour)
			m.dl.update(&tks[i], m)
		}
		now = now.Add(2 * time.Hour)
		m.dl.tick(now, m) // countdown, overdue and severe: nothing left to fire
		for i := range tks {
			if i%2 == 0 {
				m.dl.forget(tks[i].ID, now, m)
			} else {
				tks[i].Status, tks[i].UpdatedAt = complaint.StatusClosed, now
				m.dl.update(&tks[i], m)
			}
		}
	}
	require.Equal(t, far, m.dl.open())
	require.LessOrEqual(t, int(m.dl.slots), far+batch+minClosedCompact, "slots for %d tickets taken in", far+batch*batches)
	require.Len(t, m.active, batch*batches, "a warning for each ticket gone, none for the far ones")
	for fp, a := range m.active { // dropped at the next notice
		require.True(t, a.ended, "%s still fires", fp)
	}
}

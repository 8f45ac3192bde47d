package warning_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/warning"
)

var t0 = time.Date(2025, 3, 3, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

// feeder drives a Monitor with hand-built tickets, folding their events.
type feeder struct {
	t       testing.TB
	mon     *warning.Monitor
	tickets map[string]*complaint.Ticket
	n       int
	forget  bool // keep no tickets (long streams)
}

func newFeeder(t testing.TB, opts warning.Options) *feeder {
	t.Helper()
	m, err := warning.NewMonitor(context.Background(), opts)
	require.NoError(t, err)
	return &feeder{t: t, mon: m, tickets: map[string]*complaint.Ticket{}}
}

func (f *feeder) intake(at time.Time, in complaint.Intake) string {
	f.t.Helper()
	f.n++
	id := fmt.Sprintf("T%06d", f.n)
	if in.Kind == "" {
		in.Kind = complaint.KindComplaint
	}
	if in.Channel == "" {
		in.Channel = complaint.ChannelHotline
	}
	in.ReceivedAt = at
	tk := new(complaint.Ticket)
	ev := complaint.Event{Ticket: id, Seq: 1, Type: complaint.EventReceived, At: at, Intake: &in}
	require.NoError(f.t, complaint.Apply(tk, &ev))
	if !f.forget {
		f.tickets[id] = tk
	}
	f.mon.Observe(&ev, tk)
	return id
}

func (f *feeder) apply(id string, ev complaint.Event) {
	f.t.Helper()
	tk := f.tickets[id]
	ev.Ticket, ev.Seq = id, tk.Version+1
	require.NoError(f.t, complaint.Apply(tk, &ev))
	f.mon.Observe(&ev, tk)
}

func (f *feeder) tick(now time.Time) {
	f.t.Helper()
	require.NoError(f.t, f.mon.Tick(context.Background(), now))
}

func (f *feeder) active(kind warning.Kind) []warning.Warning {
	var out []warning.Warning
	for _, w := range f.mon.Active() {
		if w.Kind == kind {
			out = append(out, w)
		}
	}
	return out
}

// background feeds a quiet stream: one ticket every 3 hours for weeks days
// on other keys, and one on the watched key per day, so the key has a
// baseline.
func (f *feeder) background(days int, region, category string) time.Time {
	at := t0
	for d := 0; d < days; d++ {
		for h := 1; h < 24; h += 3 {
			f.intake(at.Add(time.Duration(d*24+h)*time.Hour), complaint.Intake{Category: "billing.dispute", Region: "gd.sz.ns.s01", Customer: fmt.Sprintf("B%d-%d", d, h)})
		}
		f.intake(at.Add(time.Duration(d*24+10)*time.Hour), complaint.Intake{Category: category, Region: region, Customer: fmt.Sprintf("K%d", d)})
		f.tick(at.Add(time.Duration(d+1) * 24 * time.Hour))
	}
	return at.Add(time.Duration(days) * 24 * time.Hour)
}

func TestBatchFiresOnBurstNotBefore(t *testing.T) {
	f := newFeeder(t, warning.Options{})
	start := f.background(35, "gd.gz.th.s01", "vas.unaware").Add(9 * time.Hour)
	require.Empty(t, f.active(warning.KindBatch), "no burst yet")
	var ids []string
	for i := 0; i < 12; i++ {
		at := start.Add(time.Duration(i) * 4 * time.Minute)
		ids = append(ids, f.intake(at, complaint.Intake{Category: "vas.unaware", Region: "gd.gz.th.s01", Customer: fmt.Sprintf("X%d", i), Partner: "SP9"}))
		ws := f.active(warning.KindBatch)
		if i < 4 {
			require.Empty(t, ws, "fired at ticket %d, before the minimum of 5", i+1)
			continue
		}
		if len(ws) > 0 && i == 4 {
			t.Logf("fired at the 5th ticket: %s", ws[0].Explanation)
		}
	}
	ws := f.active(warning.KindBatch)
	require.NotEmpty(t, ws)
	var fine *warning.Warning
	for i := range ws {
		if ws[i].Key.Get("region") == "gd.gz.th" && ws[i].Key.Get("category") == "vas.unaware" {
			fine = &ws[i]
		}
	}
	require.NotNil(t, fine, "the region-L3 × sub-category key fires: %v", ws)
	ev := fine.Evidence
	assert.GreaterOrEqual(t, ev.Observed, 5)
	assert.GreaterOrEqual(t, ev.Customers, 3)
	assert.Positive(t, ev.Baseline)
	assert.Less(t, ev.PValue, ev.Threshold)
	assert.GreaterOrEqual(t, ev.Dispersion, 1.0)
	assert.Contains(t, ev.Rule, "batch/")
	assert.Equal(t, 12, ev.Members)
	assert.Subset(t, ids, ev.Tickets)
	assert.Contains(t, fine.Explanation, "expected")
	assert.NotEmpty(t, fine.GradedBy)
	// Members are tagged through actions.
	tagged := map[string]bool{}
	for _, a := range f.mon.Actions() {
		for _, tg := range a.Event.Tags {
			if tg.Name == warning.TagBatch {
				tagged[a.Ticket] = true
			}
		}
	}
	for _, id := range ids {
		assert.True(t, tagged[id], "member %s tagged", id)
	}
}

func TestBatchNeedsDistinctCustomers(t *testing.T) {
	f := newFeeder(t, warning.Options{})
	start := f.background(35, "gd.gz.th.s01", "vas.unaware").Add(9 * time.Hour)
	for i := 0; i < 12; i++ {
		f.intake(start.Add(time.Duration(i)*time.Minute), complaint.Intake{Category: "vas.unaware", Region: "gd.sz.ft.s01", Customer: fmt.Sprintf("X%d", i%2)})
	}
	assert.Empty(t, f.active(warning.KindBatch), "two customers are not a batch")
}

func TestBatchParentInhibitsChild(t *testing.T) {
	f := newFeeder(t, warning.Options{})
	start := f.background(35, "gd.gz.th.s01", "network.quality").Add(9 * time.Hour)
	// A city-wide burst across two counties.
	for i := 0; i < 40; i++ {
		region := []string{"gd.gz.th.s01", "gd.gz.yx.s01"}[i%2]
		f.intake(start.Add(time.Duration(i)*time.Minute), complaint.Intake{Category: "network.quality", Region: region, Customer: fmt.Sprintf("N%d", i)})
	}
	ws := f.active(warning.KindBatch)
	var parent *warning.Warning
	for i := range ws {
		if ws[i].Key.Get("region") == "gd.gz" && ws[i].Key.Get("category") == "network" {
			parent = &ws[i]
		}
	}
	require.NotNil(t, parent, "the city key fires: %v", ws)
	assert.False(t, parent.Inhibited)
	for _, w := range ws {
		if w.Key.Get("region") == "gd.gz.th" || w.Key.Get("region") == "gd.gz.yx" {
			assert.True(t, w.Inhibited, "child %s inhibited", w.Fingerprint)
			assert.Equal(t, parent.ID, w.Parent)
		}
	}
}

func TestEscalationScore(t *testing.T) {
	dir := new(complaint.Directory)
	dir.Put(complaint.Customer{ID: "C1", Flags: []complaint.Flag{complaint.FlagProfessional}, PriorEscalations: 2})
	f := newFeeder(t, warning.Options{Customers: dir})
	// A plain ticket from an unflagged customer scores nothing.
	f.intake(t0, complaint.Intake{Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: "C2", Text: "话费有疑问"})
	require.Empty(t, f.active(warning.KindEscalation))
	// Words alone (3) stay under grade III (5).
	f.intake(t0.Add(time.Hour), complaint.Intake{Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: "C3", Text: "我要找媒体曝光"})
	require.Empty(t, f.active(warning.KindEscalation))
	// Words + professional + prior = 9: grade II.
	id := f.intake(t0.Add(2*time.Hour), complaint.Intake{Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: "C1", Text: "再不解决就投诉到工信部"})
	ws := f.active(warning.KindEscalation)
	require.Len(t, ws, 1)
	w := ws[0]
	assert.Equal(t, "C1", w.Key.Get("customer"))
	assert.Equal(t, 9, w.Evidence.Score)
	assert.Equal(t, warning.GradeII, w.Grade)
	rules := map[string]int{}
	for _, p := range w.Evidence.Points {
		rules[p.Rule] = p.Points
		assert.NotEmpty(t, p.Why)
	}
	assert.Equal(t, map[string]int{warning.PointWords: 3, warning.PointProfessional: 3, warning.PointPrior: 3}, rules)
	// Two urges raise it to 11: grade I, the same warning updated.
	f.apply(id, complaint.Event{Type: complaint.EventUrged, At: t0.Add(3 * time.Hour)})
	f.apply(id, complaint.Event{Type: complaint.EventUrged, At: t0.Add(4 * time.Hour)})
	ws = f.active(warning.KindEscalation)
	require.Len(t, ws, 1)
	assert.Equal(t, w.ID, ws[0].ID)
	assert.Equal(t, 11, ws[0].Evidence.Score)
	assert.Equal(t, warning.GradeI, ws[0].Grade)
}

func TestRepeatContact(t *testing.T) {
	f := newFeeder(t, warning.Options{})
	in := complaint.Intake{Category: "broadband.delay", Region: "gd.gz.th.s01", Customer: "C7"}
	f.intake(t0, in)
	f.intake(t0.Add(2*24*time.Hour), in)
	require.Empty(t, f.active(warning.KindRepeat), "two contacts are not yet a repeat warning")
	other := in
	other.Category = "billing.dispute"
	f.intake(t0.Add(3*24*time.Hour), other)
	require.Empty(t, f.active(warning.KindRepeat), "another issue does not count")
	f.intake(t0.Add(5*24*time.Hour), in)
	ws := f.active(warning.KindRepeat)
	require.Len(t, ws, 1)
	assert.Equal(t, "repeat/7d", ws[0].Evidence.Rule)
	assert.Equal(t, "broadband.delay", ws[0].Key.Get("category"))
}

// assignedTicket returns a feeder without the appeal clock and a ticket
// taken in, accepted, dispatched and assigned at t0.
func assignedTicket(t *testing.T) (*feeder, string) {
	off := warning.Duration(0)
	f := newFeeder(t, warning.Options{Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off}}})
	id := f.intake(t0, complaint.Intake{Category: "broadband.delay", Region: "gd.gz.th.s01", Customer: "C9"})
	f.apply(id, complaint.Event{Type: complaint.EventAccepted, At: t0})
	f.apply(id, complaint.Event{Type: complaint.EventDispatched, At: t0, Dispatch: &complaint.Dispatch{Unit: "u1"}})
	f.apply(id, complaint.Event{Type: complaint.EventAssigned, At: t0, Assign: &complaint.Assign{Assignee: "a1"}})
	return f, id
}

func TestDeadlineAlarms(t *testing.T) {
	f, id := assignedTicket(t)
	f.apply(id, complaint.Event{Type: complaint.EventDeadlinesSet, At: t0, Deadlines: &complaint.Deadlines{Resolve: t0.Add(10 * time.Hour)}})
	stage := func() string {
		ws := f.active(warning.KindDeadline)
		if len(ws) == 0 {
			return ""
		}
		return ws[0].Evidence.Rule
	}
	f.tick(t0.Add(7*time.Hour + 59*time.Minute))
	require.Equal(t, "", stage(), "not before 80%")
	f.tick(t0.Add(8 * time.Hour))
	require.Equal(t, "deadline/countdown", stage())
	// Waiting on the customer for 2 hours pauses the clock.
	f.apply(id, complaint.Event{Type: complaint.EventWaiting, At: t0.Add(9 * time.Hour)})
	f.tick(t0.Add(10 * time.Hour))
	require.Equal(t, "deadline/countdown", stage(), "paused: no overdue")
	f.apply(id, complaint.Event{Type: complaint.EventResumed, At: t0.Add(11 * time.Hour)})
	f.tick(t0.Add(11*time.Hour + 59*time.Minute))
	require.Equal(t, "deadline/countdown", stage())
	f.tick(t0.Add(12 * time.Hour))
	require.Equal(t, "deadline/overdue", stage())
	w := f.active(warning.KindDeadline)[0]
	assert.Equal(t, warning.GradeIII, w.Grade)
	assert.Contains(t, w.Explanation, "resolve")
	f.tick(t0.Add(17 * time.Hour))
	require.Equal(t, "deadline/severe", stage())
	// Resolving ends the alarm.
	f.apply(id, complaint.Event{Type: complaint.EventResolved, At: t0.Add(18 * time.Hour), Resolution: &complaint.Resolution{Outcome: "ok"}})
	f.tick(t0.Add(18 * time.Hour))
	require.Empty(t, f.active(warning.KindDeadline))
}

// TestDeadlineReopenedTicketOwnSchedule closes a ticket and reopens it
// with a new schedule of the same generation as one of the closed
// ticket's: the closed ticket's alarms die with it, so the reopened ticket
// warns on its own schedule only (before, the old countdown fired for it).
func TestDeadlineReopenedTicketOwnSchedule(t *testing.T) {
	f, id := assignedTicket(t)
	deadline := func(at, due time.Time) {
		f.apply(id, complaint.Event{Type: complaint.EventDeadlinesSet, At: at, Deadlines: &complaint.Deadlines{Resolve: due}})
	}
	deadline(t0, t0.Add(5*time.Hour))                      // schedule 1
	deadline(t0.Add(30*time.Minute), t0.Add(10*time.Hour)) // schedule 2: countdown at 8 h
	f.apply(id, complaint.Event{Type: complaint.EventResolved, At: t0.Add(time.Hour), Resolution: &complaint.Resolution{Outcome: "ok"}})
	f.apply(id, complaint.Event{Type: complaint.EventReopened, At: t0.Add(2 * time.Hour)}) // its schedule 1
	deadline(t0.Add(2*time.Hour), t0.Add(30*time.Hour))                                    // its schedule 2: countdown at 24 h
	f.tick(t0.Add(8 * time.Hour))
	require.Empty(t, f.active(warning.KindDeadline), "the closed ticket's countdown")
	f.tick(t0.Add(24*time.Hour - time.Minute))
	require.Empty(t, f.active(warning.KindDeadline))
	f.tick(t0.Add(24 * time.Hour))
	ws := f.active(warning.KindDeadline)
	require.Len(t, ws, 1)
	assert.Equal(t, "deadline/countdown", ws[0].Evidence.Rule)
	assert.Contains(t, ws[0].Explanation, "30h")
}

func TestOutageCorrelation(t *testing.T) {
	src := new(warning.MemOutages)
	f := newFeeder(t, warning.Options{Outages: src})
	src.Put(warning.Outage{ID: "O1", Area: "gd.sz.ns", Start: t0, End: t0.Add(4 * time.Hour), Planned: true,
		Customers: 1000, Notified: 700, Important: []string{"南山医院"}, Updated: t0})
	f.tick(t0.Add(time.Minute))
	ws := f.active(warning.KindOutage)
	require.Len(t, ws, 2)
	reasons := []string{ws[0].Key.Get("reason"), ws[1].Key.Get("reason")}
	assert.ElementsMatch(t, []string{"important-users", "low-notice"}, reasons)
	// Tickets outside the area or the window, or of other categories, are not linked.
	f.intake(t0.Add(time.Hour), complaint.Intake{Category: "outage.long", Region: "gd.sz.ft.s01", Customer: "A"})
	f.intake(t0.Add(7*time.Hour), complaint.Intake{Category: "outage.long", Region: "gd.sz.ns.s01", Customer: "B"})
	f.intake(t0.Add(time.Hour), complaint.Intake{Category: "billing.dispute", Region: "gd.sz.ns.s01", Customer: "C"})
	for i := 0; i < 4; i++ {
		f.intake(t0.Add(time.Duration(i+1)*time.Hour), complaint.Intake{Category: "outage.long", Region: "gd.sz.ns.s01", Customer: fmt.Sprint("D", i)})
	}
	require.Len(t, f.active(warning.KindOutage), 2, "4 linked tickets: not yet")
	f.intake(t0.Add(5*time.Hour), complaint.Intake{Category: "quality.low-voltage", Region: "gd.sz.ns.s01", Customer: "E"})
	ws = f.active(warning.KindOutage)
	require.Len(t, ws, 3)
	for _, w := range ws {
		if w.Key.Get("reason") == "complaints" {
			assert.Equal(t, 5, w.Evidence.Observed)
			assert.Equal(t, warning.GradeII, w.Grade, "important users raise the grade")
		}
	}
	// Repeated outages in an area.
	for i := 2; i <= 3; i++ {
		f.mon.AddOutage(warning.Outage{ID: fmt.Sprint("O", i), Area: "gd.sz.ns", Start: t0.Add(time.Duration(i) * 24 * time.Hour),
			End: t0.Add(time.Duration(i)*24*time.Hour + time.Hour), Updated: t0.Add(time.Duration(i) * 24 * time.Hour)})
	}
	var repeated bool
	for _, w := range f.active(warning.KindOutage) {
		repeated = repeated || w.Key.Get("reason") == "repeated"
	}
	assert.True(t, repeated)
}

func TestTrendWeekOverWeek(t *testing.T) {
	f := newFeeder(t, warning.Options{})
	for d := 0; d < 28; d++ {
		n := 3
		if d >= 21 {
			n = 12 // the last week quadruples
		}
		for i := 0; i < n; i++ {
			f.intake(t0.Add(time.Duration(d)*24*time.Hour+time.Duration(8+i/2)*time.Hour+time.Duration(i)*time.Minute),
				complaint.Intake{Category: "network.coverage", Region: "gd.sz.ft.s01", Customer: fmt.Sprintf("D%d-%d", d, i)})
		}
		f.tick(t0.Add(time.Duration(d+1) * 24 * time.Hour))
		if d < 21 {
			require.Empty(t, f.active(warning.KindTrend), "day %d", d)
		}
	}
	ws := f.active(warning.KindTrend)
	require.NotEmpty(t, ws)
	assert.GreaterOrEqual(t, ws[0].Evidence.Ratio, 1.5)
}

func TestStateBoundedByTTL(t *testing.T) {
	if testing.Short() {
		t.Skip("a million customers")
	}
	off := warning.Duration(0) // tickets never resolve here: no appeal clock
	f := newFeeder(t, warning.Options{Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off}}})
	f.forget = true
	// A million distinct customers over 400 days: idle state must not grow
	// past what the TTLs keep (30 days of customers).
	const n = 1_000_000
	step := 400 * 24 * time.Hour / n
	var mem []uint64
	for i := 0; i < n; i++ {
		at := t0.Add(time.Duration(i) * step)
		f.intake(at, complaint.Intake{Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: fmt.Sprintf("M%07d", i)})
		if i%50_000 == 49_999 {
			f.tick(at)
			_ = f.mon.Actions()
			mem = append(mem, heapInUse())
		}
	}
	// Memory after 200 days and at the end stay within 1.5× of each other.
	mid, end := mem[len(mem)/2], mem[len(mem)-1]
	t.Logf("heap in use: day 200 %d MB, day 400 %d MB", mid>>20, end>>20)
	assert.Less(t, float64(end), 1.5*float64(mid))
}

// TestDeadlineForget forgets an overdue ticket (kesu.Forgetter, as a replay
// window forgetting a ticket idle past its horizon): its deadline warning
// ends and expires in the ledger, and none of its later alarms fires; the
// other ticket's clock runs on, and forgetting a ticket not followed does
// nothing.
func TestDeadlineForget(t *testing.T) {
	f, id := assignedTicket(t)
	f.apply(id, complaint.Event{Type: complaint.EventDeadlinesSet, At: t0, Deadlines: &complaint.Deadlines{Resolve: t0.Add(10 * time.Hour)}})
	other := f.intake(t0, complaint.Intake{Category: "broadband.delay", Region: "gd.gz.th.s01", Customer: "C8"})
	f.apply(other, complaint.Event{Type: complaint.EventDeadlinesSet, At: t0, Deadlines: &complaint.Deadlines{Resolve: t0.Add(20 * time.Hour)}})
	f.tick(t0.Add(10 * time.Hour))
	ws := f.active(warning.KindDeadline)
	require.Len(t, ws, 1)
	require.Equal(t, id, ws[0].Key.Get("ticket"))
	require.Equal(t, "deadline/overdue", ws[0].Evidence.Rule)
	wid := ws[0].ID

	f.mon.Forget(&complaint.Ticket{ID: "T-never-seen"}, t0.Add(11*time.Hour))
	f.mon.Forget(f.tickets[id], t0.Add(11*time.Hour))
	f.tick(t0.Add(11 * time.Hour))
	require.Empty(t, f.active(warning.KindDeadline), "the forgotten ticket's warning ended")
	e, err := f.mon.Ledger().Get(wid)
	require.NoError(t, err)
	assert.Equal(t, warning.StateClosed, e.State, "expired: closed by the system")
	assert.Equal(t, warning.AutoClosedBy, e.ClosedBy)
	assert.Equal(t, t0.Add(11*time.Hour), e.Ended)

	f.tick(t0.Add(15 * time.Hour)) // the forgotten ticket's severe alarm, the other's countdown (16 h)
	require.Empty(t, f.active(warning.KindDeadline), "no alarm of the forgotten ticket fires")
	f.tick(t0.Add(16 * time.Hour))
	ws = f.active(warning.KindDeadline)
	require.Len(t, ws, 1, "the other ticket's clock runs on")
	assert.Equal(t, other, ws[0].Key.Get("ticket"))
}

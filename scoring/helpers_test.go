package scoring_test

import (
	"context"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

var cst = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at returns a time in Asia/Shanghai.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, cst)
}

// world drives a real engine with a fake clock and feeds a Book.
type world struct {
	t      *testing.T
	ctx    context.Context
	now    time.Time
	store  *complaint.MemStore
	engine *kesu.Engine
	book   *scoring.Book
	seq    int
}

// tagStage tags every complaint at intake (in the intake batch), so the
// live and rebuilt projections see different tickets for the received event.
var tagStage = kesu.StageFunc(func(_ context.Context, in kesu.Input) ([]complaint.Event, error) {
	if in.Trigger.Type != complaint.EventReceived {
		return nil, nil
	}
	return []complaint.Event{{Type: complaint.EventTagged, Tags: []complaint.Tag{{Name: "watched", Rule: "test", At: in.Now}}}}, nil
})

func newWorld(t *testing.T, pol *scoring.Policy, cfg scoring.BookConfig, extra ...kesu.Observer) *world {
	t.Helper()
	return newWorldStore(t, complaint.NewMemStore(), pol, cfg, extra...)
}

func newWorldStore(t *testing.T, store *complaint.MemStore, pol *scoring.Policy, cfg scoring.BookConfig, extra ...kesu.Observer) *world {
	t.Helper()
	book, err := scoring.NewBook(pol, cfg)
	require.NoError(t, err)
	w := &world{t: t, ctx: context.Background(), store: store, book: book}
	w.engine = kesu.New(kesu.Config{Store: w.store, Now: func() time.Time { return w.now },
		Stages: []kesu.Stage{tagStage}, Observers: append([]kesu.Observer{book}, extra...)})
	return w
}

func (w *world) intake(when time.Time, in complaint.Intake) string {
	w.t.Helper()
	w.now = when
	in.ReceivedAt = when
	if in.Channel == "" {
		in.Channel = complaint.ChannelHotline
	}
	if in.Customer == "" {
		w.seq++
		in.Customer = "C" + string(rune('A'+w.seq%26))
	}
	if in.Region == "" {
		in.Region = "gd.gz.th.s01"
	}
	tk, err := w.engine.Intake(w.ctx, in)
	require.NoError(w.t, err)
	return tk.ID
}

func (w *world) do(id string, when time.Time, ev complaint.Event) {
	w.t.Helper()
	w.now = when
	ev.At = when
	if ev.Actor.Kind == "" {
		ev.Actor = complaint.Actor{Kind: complaint.ActorAgent, ID: "a"}
	}
	_, err := w.engine.Apply(w.ctx, id, ev)
	require.NoError(w.t, err, "%s on %s", ev.Type, id)
}

func (w *world) dispatch(id string, when time.Time, unit, queue string, centralised bool) {
	w.do(id, when, complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: unit, Queue: queue, Centralised: centralised}})
}

func (w *world) assign(id string, when time.Time, agent string) {
	w.do(id, when, complaint.Event{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: agent}})
}

func (w *world) deadlines(id string, when time.Time, reply, resolve time.Time) {
	w.do(id, when, complaint.Event{Type: complaint.EventDeadlinesSet, Deadlines: &complaint.Deadlines{Reply: reply, Resolve: resolve}})
}

func (w *world) reply(id string, when time.Time) {
	w.do(id, when, complaint.Event{Type: complaint.EventReplied, Text: "answered"})
}

func (w *world) resolve(id string, when time.Time, money complaint.Money) {
	w.do(id, when, complaint.Event{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "done", Refund: money}})
}

func (w *world) visit(id string, when time.Time, satisfied bool) {
	w.do(id, when, complaint.Event{Type: complaint.EventVisited, Visit: &complaint.Visit{Satisfied: satisfied}})
}

func (w *world) close(id string, when time.Time, side, dept string, controllable bool, h complaint.HandlingClass) {
	w.do(id, when, complaint.Event{Type: complaint.EventClosed, Closing: &complaint.Closing{Handling: h,
		Responsibility: complaint.Responsibility{Unit: "u-" + side, Department: dept, Side: side, Cause: "c", LocallyControllable: controllable}}})
}

var (
	_ kesu.Observer = (*scoring.Book)(nil)
	_ kesu.Observer = (*scoring.Sanctions)(nil)
	_ kesu.Ticker   = (*scoring.Sanctions)(nil)
)

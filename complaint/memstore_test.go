package complaint_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTicket(t *testing.T, id, ext string) (*complaint.Ticket, []complaint.Event) {
	t.Helper()
	e := sample(complaint.EventReceived)
	e.Ticket, e.Seq, e.At = id, 1, t0
	e.Intake.ExternalID = ext
	tk := new(complaint.Ticket)
	require.NoError(t, complaint.Apply(tk, &e))
	return tk, []complaint.Event{e}
}

func next(t *testing.T, tk *complaint.Ticket, et complaint.EventType) []complaint.Event {
	t.Helper()
	e := sample(et)
	e.Ticket, e.Seq, e.At = tk.ID, tk.Version+1, t0.Add(time.Duration(tk.Version)*time.Minute)
	require.NoError(t, complaint.Apply(tk, &e))
	return []complaint.Event{e}
}

func TestMemStoreCreateAppend(t *testing.T) {
	ctx := context.Background()
	s := complaint.NewMemStore()
	tk, evs := newTicket(t, "T1", "ext-1")
	require.NoError(t, s.Create(ctx, tk, evs))
	assert.Equal(t, int64(1), evs[0].Pos)

	dup, devs := newTicket(t, "T2", "ext-1")
	assert.ErrorIs(t, s.Create(ctx, dup, devs), complaint.ErrDuplicate)
	_, err := s.Get(ctx, "T2")
	assert.ErrorIs(t, err, complaint.ErrNotFound, "nothing stored on duplicate")

	stale := tk.Clone()
	require.NoError(t, s.Append(ctx, tk, next(t, tk, complaint.EventDispatched)))
	assert.ErrorIs(t, s.Append(ctx, stale, next(t, stale, complaint.EventAccepted)), complaint.ErrConflict)

	got, err := s.Get(ctx, "T1")
	require.NoError(t, err)
	assert.Equal(t, tk, got)
	got.Unit = "changed"
	again, _ := s.Get(ctx, "T1")
	assert.NotEqual(t, "changed", again.Unit, "Get returns a copy")

	byExt, err := s.GetExternal(ctx, "ext-1")
	require.NoError(t, err)
	assert.Equal(t, "T1", byExt.ID)

	all, err := s.Events(ctx, "T1")
	require.NoError(t, err)
	folded, err := complaint.Fold(all)
	require.NoError(t, err)
	assert.Equal(t, got.Version, folded.Version)
	assert.Equal(t, again, folded, "the stored ticket is the fold of its stored events")

	var seen []int64
	require.NoError(t, s.Scan(ctx, 1, func(e *complaint.Event) error { seen = append(seen, e.Pos); return nil }))
	assert.Equal(t, []int64{2}, seen)
}

func TestMemStoreConcurrentAppendOneWinner(t *testing.T) {
	ctx := context.Background()
	s := complaint.NewMemStore()
	tk, evs := newTicket(t, "T1", "")
	require.NoError(t, s.Create(ctx, tk, evs))
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := tk.Clone()
			e := sample(complaint.EventUrged)
			e.Ticket, e.Seq, e.At = c.ID, c.Version+1, t0
			if err := complaint.Apply(c, &e); err != nil {
				errs[i] = err
				return
			}
			errs[i] = s.Append(ctx, c, []complaint.Event{e})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			assert.ErrorIs(t, err, complaint.ErrConflict)
		}
	}
	assert.Equal(t, 1, wins)
	got, _ := s.Get(ctx, "T1")
	assert.Equal(t, 1, got.UrgeCount)
	assert.Equal(t, 2, s.Len())
}

func TestMemStoreFind(t *testing.T) {
	ctx := context.Background()
	s := complaint.NewMemStore()
	mk := func(id, cust, cat, region string, at time.Time) {
		e := sample(complaint.EventReceived)
		e.Ticket, e.Seq, e.At = id, 1, at
		e.Intake.Customer, e.Intake.Category, e.Intake.Region = cust, cat, region
		tk := new(complaint.Ticket)
		require.NoError(t, complaint.Apply(tk, &e))
		require.NoError(t, s.Create(ctx, tk, []complaint.Event{e}))
	}
	mk("T3", "C1", "vas.unaware", "gd.gz.th", t0.Add(2*time.Hour))
	mk("T1", "C1", "billing.dispute", "gd.gz.yx", t0)
	mk("T2", "C2", "vas.unaware", "gd.sz.ns", t0.Add(time.Hour))
	ids := func(q complaint.Query) []string {
		ts, err := s.Find(ctx, q)
		require.NoError(t, err)
		var out []string
		for _, x := range ts {
			out = append(out, x.ID)
		}
		return out
	}
	assert.Equal(t, []string{"T1", "T2", "T3"}, ids(complaint.Query{}))
	assert.Equal(t, []string{"T1", "T3"}, ids(complaint.Query{Customer: "C1"}))
	assert.Equal(t, []string{"T2", "T3"}, ids(complaint.Query{Category: "vas"}))
	assert.Equal(t, []string{"T1", "T3"}, ids(complaint.Query{Region: "gd.gz"}))
	assert.Equal(t, []string{"T2"}, ids(complaint.Query{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}))
	assert.Equal(t, []string{"T1"}, ids(complaint.Query{Limit: 1}))
	assert.Equal(t, []string{"T1", "T2", "T3"}, ids(complaint.Query{Status: []complaint.Status{complaint.StatusReceived}, Open: true}))
	assert.Empty(t, ids(complaint.Query{Status: []complaint.Status{complaint.StatusClosed}}))
}

func TestMemStoreJournal(t *testing.T) {
	ctx := context.Background()
	s := complaint.NewMemStore()
	r := []complaint.Record{{Stream: "warning/W1", Seq: 1, Type: "raised", At: t0, Data: []byte(`{"k":1}`)}}
	require.NoError(t, s.AppendRecords(ctx, "warning/W1", 0, r))
	assert.Equal(t, int64(1), r[0].Pos)
	assert.ErrorIs(t, s.AppendRecords(ctx, "warning/W1", 0, []complaint.Record{{Stream: "warning/W1", Seq: 1, Type: "raised", At: t0}}), complaint.ErrConflict)
	assert.ErrorIs(t, s.AppendRecords(ctx, "warning/W1", 1, []complaint.Record{{Stream: "warning/W1", Seq: 5}}), complaint.ErrInvalid)
	got, err := s.Records(ctx, "warning/W1")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.JSONEq(t, `{"k":1}`, string(got[0].Data))
	n := 0
	require.NoError(t, s.ScanRecords(ctx, 0, func(*complaint.Record) error { n++; return nil }))
	assert.Equal(t, 1, n)
}

func TestDirectory(t *testing.T) {
	var d complaint.Directory
	_, err := d.Customer(context.Background(), "x")
	assert.ErrorIs(t, err, complaint.ErrNotFound)
	d.Put(complaint.Customer{ID: "C1", Flags: []complaint.Flag{complaint.FlagVIP}})
	c, err := d.Customer(context.Background(), "C1")
	require.NoError(t, err)
	assert.True(t, c.Has(complaint.FlagVIP))
	assert.False(t, c.Has(complaint.FlagSensitive))
	var nilc *complaint.Customer
	assert.False(t, nilc.Has(complaint.FlagVIP))
}

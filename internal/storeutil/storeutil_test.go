package storeutil_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/internal/retention"
	"github.com/kesu-go/kesu/internal/storeutil"
)

var errCorrupt = errors.New("test: corrupt row")

var codec = storeutil.Codec{Name: "test", Corrupt: errCorrupt}

// rows is a storeutil.Rows over values held in memory.
type rows struct {
	vals [][]any
	i    int
	err  error // returned by Err after the last row
}

func (r *rows) Next() bool { r.i++; return r.i <= len(r.vals) }

func (r *rows) Scan(dest ...any) error {
	row := r.vals[r.i-1]
	if len(row) != len(dest) {
		return fmt.Errorf("scan: %d columns into %d values", len(row), len(dest))
	}
	for i, d := range dest {
		switch d := d.(type) {
		case *int64:
			*d = row[i].(int64)
		case *int:
			*d = row[i].(int)
		case *string:
			*d = row[i].(string)
		case *[]byte:
			*d = row[i].([]byte)
		default:
			return fmt.Errorf("scan: unexpected %T", d)
		}
	}
	return nil
}

func (r *rows) Err() error { return r.err }

func TestChecks(t *testing.T) {
	tk, evs := storetest.Fixture("T1", "EXT-1", complaint.Intake{}, storetest.Base)
	other, oevs := storetest.Fixture("T2", "EXT-1", complaint.Intake{}, storetest.Base)
	tests := []struct {
		name string
		err  error
		is   error
		msg  string
	}{
		{"create ok", codec.CheckCreate(tk, evs), nil, ""},
		{"create without id", codec.CheckCreate(&complaint.Ticket{}, evs), complaint.ErrInvalid, "id"},
		{"create without events", codec.CheckCreate(tk, nil), complaint.ErrInvalid, "test: store ticket T1: no events"},
		{"create wrong version", codec.CheckCreate(&complaint.Ticket{ID: "T1", Version: 5}, evs), complaint.ErrInvalid, "version 5 with 2 events"},
		{"batch wrong seq", codec.CheckBatch(tk, evs, 1), complaint.ErrInvalid, "event 0 is (T1, seq 1), want (T1, seq 2)"},
		{"batch other ticket", codec.CheckBatch(other, evs, 0), complaint.ErrInvalid, "want (T2, seq 1)"},
		{"records ok", codec.CheckRecords("s", 1, []complaint.Record{{Stream: "s", Seq: 2}}), nil, ""},
		{"records no stream", codec.CheckRecords("", 0, nil), complaint.ErrInvalid, "stream"},
		{"records wrong seq", codec.CheckRecords("s", 1, []complaint.Record{{Stream: "s", Seq: 1}}), complaint.ErrInvalid,
			"test: journal s: record 0 is (s, seq 1), want seq 2"},
		{"records other stream", codec.CheckRecords("s", 0, []complaint.Record{{Stream: "x", Seq: 1}}), complaint.ErrInvalid, "(x, seq 1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.is == nil {
				require.NoError(t, tc.err)
				return
			}
			require.ErrorIs(t, tc.err, tc.is)
			assert.ErrorContains(t, tc.err, tc.msg)
		})
	}

	n, err := codec.CheckNewBatch([]complaint.NewTicket{{Ticket: tk, Events: evs}})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	_, err = codec.CheckNewBatch([]complaint.NewTicket{{Ticket: tk, Events: evs}, {Ticket: tk, Events: evs}})
	require.ErrorIs(t, err, complaint.ErrDuplicate)
	assert.ErrorContains(t, err, "entries 0 and 1 are both ticket T1")
	_, err = codec.CheckNewBatch([]complaint.NewTicket{{Ticket: tk, Events: evs}, {Ticket: other, Events: oevs}})
	require.ErrorIs(t, err, complaint.ErrDuplicate)
	assert.ErrorContains(t, err, `external id "EXT-1"`)
	_, err = codec.CheckNewBatch([]complaint.NewTicket{{Ticket: tk, Events: evs}, {Ticket: other, Events: evs}})
	require.ErrorIs(t, err, complaint.ErrInvalid)
	assert.ErrorContains(t, err, "test: create batch entry 1")
}

func TestClearPos(t *testing.T) {
	batch := []complaint.NewTicket{{Events: []complaint.Event{{Pos: 1}, {Pos: 2}}}, {Events: []complaint.Event{{Pos: 3}}}}
	storeutil.ClearBatchPos(batch)
	for _, nt := range batch {
		for _, e := range nt.Events {
			assert.Zero(t, e.Pos)
		}
	}
}

func TestClosedStatuses(t *testing.T) {
	require.NotEmpty(t, storeutil.ClosedStatuses)
	assert.Contains(t, storeutil.ClosedStatuses, string(complaint.StatusClosed))
	for _, st := range storeutil.ClosedStatuses {
		assert.False(t, complaint.Status(st).Open(), st)
	}
}

func encoded(t *testing.T, evs []complaint.Event) [][]any {
	t.Helper()
	var out [][]any
	for i := range evs {
		evs[i].Pos = int64(10 + i)
		b, err := storeutil.EncodeEvent(&evs[i])
		require.NoError(t, err)
		assert.NotContains(t, string(b), `"pos"`, "Pos is not stored in the data")
		out = append(out, []any{evs[i].Pos, evs[i].Seq, b})
	}
	return out
}

func TestReadEvents(t *testing.T) {
	_, evs := storetest.Fixture("T1", "", complaint.Intake{Customer: "C1", Text: "投诉"}, storetest.Base)
	vals := encoded(t, evs)

	got, err := codec.ReadEvents(&rows{vals: vals}, "T1", "events of T1", nil)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int64(10), got[0].Pos)
	assert.Equal(t, evs[1].Type, got[1].Type)

	_, err = codec.ReadEvents(&rows{vals: vals}, "T9", "events of T9", nil)
	require.ErrorIs(t, err, errCorrupt, "rows of another ticket")
	assert.ErrorContains(t, err, "test: event at pos 10 (ticket T9, seq 1)")

	_, err = codec.ReadEvents(&rows{vals: vals, err: errors.New("gone")}, "T1", "events of T1", nil)
	require.EqualError(t, err, "test: events of T1: gone")

	_, err = codec.ReadEvents(&rows{vals: [][]any{{int64(1), 1}}}, "T1", "events of T1", nil)
	require.ErrorContains(t, err, "test: events of T1: scan")
	require.NotErrorIs(t, err, errCorrupt)

	log := make([][]any, len(vals))
	for i, v := range vals {
		log[i] = []any{v[0], "T1", v[1], v[2]}
	}
	got, err = codec.ReadLog(&rows{vals: log}, "scan", nil)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int64(11), got[1].Pos)
	log[1][3] = []byte(`{"ticket":`)
	_, err = codec.ReadLog(&rows{vals: log}, "scan", nil)
	require.ErrorIs(t, err, errCorrupt)
	assert.ErrorContains(t, err, "pos 11")
}

func TestReadTickets(t *testing.T) {
	tk, _ := storetest.Fixture("T1", "", complaint.Intake{}, storetest.Base)
	data, err := marshal(tk)
	require.NoError(t, err)
	got, err := codec.ReadTickets(&rows{vals: [][]any{{"T1", 2, data}}}, "find")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "T1", got[0].ID)

	_, err = codec.ReadTickets(&rows{vals: [][]any{{"T1", 3, data}}}, "find")
	require.ErrorIs(t, err, errCorrupt)
	assert.ErrorContains(t, err, "test: ticket T1")
	_, err = codec.ReadTickets(&rows{vals: [][]any{{"T1", 2, []byte{0, 0xff}}}}, "find")
	require.ErrorIs(t, err, errCorrupt)
	_, err = codec.ReadTickets(&rows{err: errors.New("gone")}, "find")
	require.EqualError(t, err, "test: find: gone")
}

func marshal(tk *complaint.Ticket) ([]byte, error) { return json.Marshal(tk) }

func TestReadRecords(t *testing.T) {
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	vals := [][]any{
		{int64(1), "s", 1, "contact", at.UnixNano(), []byte(`{"phone":"138"}`)},
		{int64(2), "s", 2, "note", at.UnixNano(), []byte(nil)},
	}
	got, err := codec.ReadRecords(&rows{vals: vals}, "journal s", nil)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, time.UTC, got[0].At.Location())
	assert.True(t, got[0].At.Equal(at))
	assert.JSONEq(t, `{"phone":"138"}`, string(got[0].Data))
	assert.Nil(t, got[1].Data)
	_, err = codec.ReadRecords(&rows{vals: vals, err: errors.New("gone")}, "journal s", nil)
	require.EqualError(t, err, "test: journal s: gone")
}

func TestPaginate(t *testing.T) {
	const size = 3
	log := []int64{1, 2, 3, 5, 6, 7, 9}
	fetch := func(calls *[]int64) func(after int64, page []int64) ([]int64, error) {
		return func(after int64, page []int64) ([]int64, error) {
			*calls = append(*calls, after)
			for _, p := range log {
				if p > after && len(page) < size {
					page = append(page, p)
				}
			}
			return page, nil
		}
	}
	pos := func(p *int64) int64 { return *p }
	tests := []struct {
		name      string
		after     int64
		stopAt    int64 // fn fails at this position (0: never)
		want      []int64
		wantCalls []int64
		wantLast  int64
	}{
		{"all", 0, 0, log, []int64{0, 3, 7}, 9},
		{"from a position", 5, 0, []int64{6, 7, 9}, []int64{5, 9}, 9},
		{"past the end", 9, 0, nil, []int64{9}, 9},
		{"fn fails", 0, 5, []int64{1, 2, 3, 5}, []int64{0, 3}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen, calls []int64
			stop := errors.New("stop")
			last, err := storeutil.Paginate(t.Context(), tc.after, size, fetch(&calls), pos, func(p *int64) error {
				seen = append(seen, *p)
				if *p == tc.stopAt {
					return stop
				}
				return nil
			})
			if tc.stopAt != 0 {
				require.ErrorIs(t, err, stop)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, seen)
			assert.Equal(t, tc.wantCalls, calls)
			assert.Equal(t, tc.wantLast, last)
		})
	}

	ctx, cancel := context.WithCancel(t.Context())
	var calls []int64
	_, err := storeutil.Paginate(ctx, 0, size, fetch(&calls), pos, func(*int64) error { cancel(); return nil })
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, calls, 1, "no page after ctx is done")

	_, err = storeutil.Paginate(t.Context(), 0, size, func(int64, []int64) ([]int64, error) { return nil, errors.New("down") }, pos,
		func(*int64) error { return nil })
	require.EqualError(t, err, "down")
}

func TestMask(t *testing.T) {
	p := &retention.Policy{Years: 3}
	closedAt := storetest.Base.Add(24 * time.Hour)
	tk, evs := storetest.Fixture("T1", "", complaint.Intake{Customer: "C1", Subscriber: "13800000000", Text: "未经同意开通"}, storetest.Base)
	tk, more := storetest.Close(tk, closedAt)
	evs = append(evs, more...)
	data, err := marshal(tk)
	require.NoError(t, err)

	got, _, kept, err := codec.MaskTicket(p, "T1", tk.Version, data, closedAt.AddDate(1, 0, 0))
	require.NoError(t, err)
	assert.Nil(t, got, "not due within Years")
	assert.False(t, kept)

	now := closedAt.AddDate(4, 0, 0)
	got, masked, _, err := codec.MaskTicket(p, "T1", tk.Version, data, now)
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, retention.Masked, got.Customer)
	assert.Equal(t, retention.Masked, got.Subscriber)
	assert.NotContains(t, string(masked), "C1")
	assert.NotContains(t, string(masked), "13800000000")

	_, _, _, err = codec.MaskTicket(p, "T1", tk.Version+1, data, now)
	require.ErrorIs(t, err, errCorrupt)

	pos, datas, err := codec.MaskEvents(&rows{vals: encoded(t, evs)}, "T1")
	require.NoError(t, err)
	require.NotEmpty(t, pos)
	assert.Equal(t, int64(10), pos[0], "the intake event carries the customer")
	for _, d := range datas {
		assert.NotContains(t, string(d), "13800000000")
	}
	_, _, err = codec.MaskEvents(&rows{vals: encoded(t, evs)}, "T2")
	require.ErrorIs(t, err, errCorrupt)

	at := now.AddDate(-5, 0, 0)
	recs := [][]any{
		{int64(1), "s", 1, "contact", at.UnixNano(), []byte(`{"phone":"138"}`)},
		{int64(2), "s", 2, "other", at.UnixNano(), []byte(`{"x":1}`)},
		{int64(3), "s", 3, "contact", now.UnixNano(), []byte(`{"phone":"139"}`)},
	}
	due, err := codec.DueRecords(&rows{vals: recs}, &retention.Policy{Years: 3, RecordTypes: []string{"contact"}}, now)
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, due)
}

func FuzzDecodeEvent(f *testing.F) { storetest.FuzzDecodeEvent(f, codec.DecodeEvent, errCorrupt) }

func FuzzDecodeTicket(f *testing.F) { storetest.FuzzDecodeTicket(f, codec.DecodeTicket, errCorrupt) }

// row is a storeutil.Row that fails with err or scans like rows.
type row struct {
	rows
	err error
}

func (r *row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	r.i = 1
	return r.rows.Scan(dest...)
}

func TestScanTicket(t *testing.T) {
	errNoRows := errors.New("no rows")
	tk, _ := storetest.Fixture("T1", "", complaint.Intake{}, storetest.Base)
	data, err := marshal(tk)
	require.NoError(t, err)
	got, err := codec.ScanTicket(&row{rows: rows{vals: [][]any{{"T1", 2, data}}}}, errNoRows, "ticket T1")
	require.NoError(t, err)
	assert.Equal(t, "T1", got.ID)
	_, err = codec.ScanTicket(&row{err: errNoRows}, errNoRows, "ticket T1")
	require.ErrorIs(t, err, complaint.ErrNotFound)
	assert.EqualError(t, err, "test: ticket T1: "+complaint.ErrNotFound.Error())
	_, err = codec.ScanTicket(&row{err: errors.New("down")}, errNoRows, "ticket T1")
	require.EqualError(t, err, "test: ticket T1: down")
	_, err = codec.ScanTicket(&row{rows: rows{vals: [][]any{{"T1", 3, data}}}}, errNoRows, "ticket T1")
	require.ErrorIs(t, err, errCorrupt)
}

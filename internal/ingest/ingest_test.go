package ingest_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
)

// got is one row read, or its error, as a compact string for table tests.
type got struct {
	Line   int
	Source string
	What   string // intake category, event type, or the error
}

func readAll(t *testing.T, r ingest.Reader) []got {
	t.Helper()
	var out []got
	var row ingest.Row
	for {
		err := r.Read(&row)
		if errors.Is(err, io.EOF) {
			return out
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			out = append(out, got{Line: re.Line, What: "error: " + re.Error()})
			continue
		}
		require.NoError(t, err)
		switch {
		case row.Intake != nil:
			out = append(out, got{row.Line, row.Source, "intake " + string(row.Intake.Kind) + " " + row.Intake.Category})
		case row.Event != nil:
			out = append(out, got{row.Line, row.Source, "event " + string(row.Event.Type)})
		}
		require.Less(t, len(out), 1000, "reader does not end")
	}
}

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

func TestJSONL(t *testing.T) {
	rows := readAll(t, ingest.NewJSONL(open(t, "testdata/history.jsonl")))
	assert.Equal(t, []got{
		{1, "W1", "intake complaint vas.unaware"},
		{2, "W2", "intake complaint billing.dispute"},
		{4, "W2", "event accepted"},
		{5, "W2", "event urged"},
		{6, "", "error: line 6: not JSON: invalid character 'o' in literal null (expecting 'u') (at byte 2)"},
		{7, "", "error: line 7: customer: customer or subscriber required for a complaint"},
		{8, "W9", "event urged"},
		{9, "", `error: line 9: type: unknown event type "bogus"`},
		{10, "", "error: line 10: at: required (RFC 3339 time of the contact)"},
	}, rows)
}

func TestJSONLLongLine(t *testing.T) {
	long := `{"text":"` + strings.Repeat("x", ingest.MaxLine) + `"}`
	src := long + "\n" + `{"id":"W1","at":"2025-03-03T09:00:00Z","kind":"complaint","channel":"hotline","category":"billing","region":"gd","customer":"C1"}` + "\n" + long
	rows := readAll(t, ingest.NewJSONL(strings.NewReader(src)))
	assert.Equal(t, []got{
		{1, "", "error: line 1: longer than 1048576 bytes"},
		{2, "W1", "intake complaint billing"},
		{3, "", "error: line 3: longer than 1048576 bytes"},
	}, rows)
}

func TestCSV(t *testing.T) {
	m, err := ingest.LoadMapping("testdata/map.yaml")
	require.NoError(t, err)
	r, err := ingest.NewCSV(open(t, "testdata/history.csv"), m)
	require.NoError(t, err)
	rows := readAll(t, r)
	assert.Equal(t, []got{
		{2, "W1", "intake complaint vas.unaware"},
		{3, "W2", "intake complaint billing.dispute"},
		{4, "", `error: line 4: time: "2025-03-03 9点" matches none of the time formats ["2006-01-02 15:04:05" "2006/1/2 15:04"]`},
		{5, "", "error: line 5: region: the row has 4 columns; region is column 5"},
		{6, "W5", "intake consultation billing.dispute"},
		{8, "", "error: line 8: category: required"},
	}, rows)
}

func TestCSVValues(t *testing.T) {
	m, err := ingest.ParseMapping("m.yaml", []byte(`
header: false
delimiter: ";"
zone: UTC
time_formats: ["2006-01-02T15:04"]
columns: {time: "1", category: "2", region: "3", customer: "4", text: "5"}
defaults: {kind: complaint, channel: app}
`))
	require.NoError(t, err)
	r, err := ingest.NewCSV(strings.NewReader("2025-03-03T09:00;vas.unaware;gd.gz;C1;\"a;b\"\n2025-03-03T09:00;vas\"x;gd;C2;t\n2025-03-03T10:00;billing;gd;C3;ok\n"), m)
	require.NoError(t, err)
	var row ingest.Row
	require.NoError(t, r.Read(&row))
	assert.Equal(t, 1, row.Line)
	assert.Equal(t, time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC), row.At)
	assert.Equal(t, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelApp, Category: "vas.unaware", Region: "gd.gz", Customer: "C1", Text: "a;b"}, *row.Intake)
	var re *ingest.RowError
	require.ErrorAs(t, r.Read(&row), &re, "a bare quote is a malformed row")
	assert.Equal(t, 2, re.Line)
	require.NoError(t, r.Read(&row), "the reader goes on after a malformed row")
	assert.Equal(t, "C3", row.Intake.Customer)
	assert.Equal(t, 3, row.Line)
	assert.ErrorIs(t, r.Read(&row), io.EOF)
}

func TestCSVHeaderMissing(t *testing.T) {
	m, err := ingest.LoadMapping("testdata/map.yaml")
	require.NoError(t, err)
	_, err = ingest.NewCSV(strings.NewReader("工单编号,时间\n"), m)
	assert.ErrorContains(t, err, `the header lacks the mapped columns time ("受理时间")`)
	_, err = ingest.NewCSV(strings.NewReader(""), m)
	assert.ErrorContains(t, err, "no header row")
}

func TestMappingErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown key", "columns: {time: t, category: c, region: r}\ncolour: red\n", "m.yaml:2: colour: unknown key"},
		{"unknown field", "columns: {time: t, category: c, region: r, mood: m}\n", "m.yaml:1: columns.mood: unknown field"},
		{"missing time", "columns: {category: c, region: r}\n", "m.yaml:1: columns.time: required"},
		{"numbered", "header: false\ncolumns: {time: t, category: \"2\", region: \"3\"}\n", `m.yaml:2: columns.time: without a header a column is a number from 1, got "t"`},
		{"layout", "time_formats: [yyyy-mm-dd]\ncolumns: {time: t, category: c, region: r}\n", `m.yaml:1: time_formats[0]: "yyyy-mm-dd" is not a Go time layout`},
		{"delimiter", "delimiter: ab\ncolumns: {time: t, category: c, region: r}\n", "m.yaml:1: delimiter: one character"},
		{"zone", "zone: Mars/Base\ncolumns: {time: t, category: c, region: r}\n", `m.yaml:1: zone: unknown time zone "Mars/Base"`},
		{"not a mapping", "- a\n", "m.yaml:1: a mapping file is a YAML mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ingest.ParseMapping("m.yaml", []byte(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func newReplay(t *testing.T, horizon time.Duration) (*ingest.Replay, *ingest.Window) {
	t.Helper()
	clock := new(ingest.Clock)
	w := ingest.NewWindow(horizon)
	eng := kesu.New(kesu.Config{Store: w, Now: clock.Now})
	return &ingest.Replay{Engine: eng, Clock: clock, Window: w}, w
}

func TestReplay(t *testing.T) {
	r, w := newReplay(t, 30*24*time.Hour)
	var skipped []string
	r.Skip = func(err error) { skipped = append(skipped, err.Error()) }
	s, err := r.Run(t.Context(), ingest.NewJSONL(open(t, "testdata/history.jsonl")))
	require.NoError(t, err)
	assert.Equal(t, int64(9), s.Rows)
	assert.Equal(t, int64(2), s.Tickets)
	assert.Equal(t, int64(1), s.Actions)
	assert.Equal(t, int64(1), s.Superseded)
	assert.Equal(t, int64(4), s.Malformed)
	assert.Equal(t, int64(1), s.Unknown)
	assert.Equal(t, s.Rows, s.Tickets+s.Actions+s.Superseded+s.Skipped(), "every row counted once")
	assert.Len(t, skipped, 5)
	assert.Contains(t, skipped[2], `line 8: ticket: urged on unknown ticket "W9"`)
	assert.Equal(t, 2, w.Len())
	tk, err := w.GetExternal(t.Context(), "W2")
	require.NoError(t, err)
	assert.Equal(t, 1, tk.UrgeCount)
}

func TestReplayStrict(t *testing.T) {
	r, _ := newReplay(t, 30*24*time.Hour)
	r.Strict = true
	s, err := r.Run(t.Context(), ingest.NewJSONL(open(t, "testdata/history.jsonl")))
	var re *ingest.RowError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 6, re.Line)
	assert.Equal(t, int64(5), s.Rows, "stopped at the first malformed row (line 3 is blank)")
}

func TestReplayRefusedAndDuplicate(t *testing.T) {
	src := `{"id":"A","at":"2025-03-03T09:00:00Z","kind":"complaint","channel":"hotline","category":"billing","region":"gd","customer":"C1"}
{"id":"A","at":"2025-03-03T09:01:00Z","kind":"complaint","channel":"hotline","category":"billing","region":"gd","customer":"C1"}
{"ticket":"A","seq":3,"type":"closed","at":"2025-03-03T09:02:00Z","closing":{"responsibility":{"unit":"u"}}}
`
	r, _ := newReplay(t, 30*24*time.Hour)
	s, err := r.Run(t.Context(), ingest.NewJSONL(strings.NewReader(src)))
	require.NoError(t, err)
	assert.Equal(t, int64(1), s.Tickets)
	assert.Equal(t, int64(1), s.Duplicates)
	assert.Equal(t, int64(1), s.Refused, "closing an accepted ticket is refused by the lifecycle")
}

func TestWindowForgets(t *testing.T) {
	// A ticket that closes is forgotten at once; one idle past the horizon
	// is forgotten at the next tick.
	var lines []string
	day := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	intake := func(id string, at time.Time) string {
		return `{"id":"` + id + `","at":"` + at.Format(time.RFC3339) + `","kind":"complaint","channel":"hotline","category":"billing","region":"gd","customer":"C1"}`
	}
	ev := func(id, typ string, at time.Time, payload string) string {
		return `{"ticket":"` + id + `","type":"` + typ + `","at":"` + at.Format(time.RFC3339) + `"` + payload + `}`
	}
	lines = append(lines,
		intake("A", day), intake("B", day),
		ev("A", "dispatched", day.Add(time.Minute), `,"dispatch":{"unit":"u"}`),
	)
	for i := 2; i <= 3; i++ {
		lines = append(lines, intake("X"+string(rune('0'+i)), day.Add(time.Duration(i)*24*time.Hour)))
	}
	r, w := newReplay(t, 24*time.Hour)
	s, err := r.Run(t.Context(), ingest.NewJSONL(strings.NewReader(strings.Join(lines, "\n"))))
	require.NoError(t, err)
	assert.Equal(t, int64(4), s.Tickets)
	assert.Equal(t, int64(1), s.Actions, "without a policy the history's dispatch is applied")
	assert.Zero(t, s.Superseded)
	// A and B were idle from day 0: at the tick of day 3 09:00 both are
	// past the 1-day horizon; X2 (day 2 09:00) is exactly at it and stays.
	assert.Equal(t, int64(2), s.Expired)
	assert.Equal(t, 2, w.Len())
}

func TestWindowStore(t *testing.T) {
	ctx := t.Context()
	w := ingest.NewWindow(48 * time.Hour)
	clock := new(ingest.Clock)
	clock.Set(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	eng := kesu.New(kesu.Config{Store: w, Now: clock.Now})
	tk, err := eng.Intake(ctx, complaint.Intake{ExternalID: "E1", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: "C1"})
	require.NoError(t, err)
	_, err = w.Events(ctx, tk.ID)
	assert.ErrorIs(t, err, ingest.ErrNotKept)
	found, err := w.Find(ctx, complaint.Query{Customer: "C1"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	_, err = eng.Apply(ctx, tk.ID, complaint.Event{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "u"}})
	require.NoError(t, err)
	for _, ev := range []complaint.Event{
		{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "a"}},
		{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "ok"}},
		{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "u"}}},
	} {
		_, err = eng.Apply(ctx, tk.ID, ev)
		require.NoError(t, err)
	}
	closed, expired := w.Counts()
	assert.Equal(t, int64(1), closed)
	assert.Zero(t, expired)
	_, err = w.Get(ctx, tk.ID)
	assert.ErrorIs(t, err, complaint.ErrNotFound)
	_, err = w.GetExternal(ctx, "E1")
	assert.ErrorIs(t, err, complaint.ErrNotFound)
}

func TestJSONLGeneratorItems(t *testing.T) {
	src := `{"at":"2025-01-06T00:12:00+08:00","intake":{"external_id":"G1","kind":"complaint","channel":"hotline","category":"billing.dispute","region":"gd.c01","customer":"C7"}}
{"at":"2025-01-06T00:17:00+08:00","ticket":"G1","event":{"type":"dispatched","at":"0001-01-01T00:00:00Z","dispatch":{"unit":"gd.c01","tier":"city"}}}
{"at":"2025-01-06T01:00:00+08:00","ticket":"G1","event":{"type":"urged","at":"0001-01-01T00:00:00Z","text":"催单"}}
{"at":"2025-01-06T01:00:00+08:00","intake":{"kind":"complaint"}}
`
	rows := readAll(t, ingest.NewJSONL(strings.NewReader(src)))
	assert.Equal(t, []got{
		{1, "G1", "intake complaint billing.dispute"},
		{2, "G1", "event dispatched"},
		{3, "G1", "event urged"},
		{4, "", "error: line 4: intake.external_id: required: later rows name the ticket by it"},
	}, rows)
}

// TestWindowEngineNoAllocs checks the replay path's promise: over a
// Window, an engine with no stages or observers allocates nothing for an
// action without payload, and a ticket that closes gives its slot to the
// next one (taking in and closing tickets one after another allocates
// nothing for the window once warm).
func TestWindowEngineNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts need a plain build")
	}
	ctx := t.Context()
	w := ingest.NewWindow(30 * 24 * time.Hour)
	clock := new(ingest.Clock)
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	clock.Set(now)
	ids := new(ingest.IDs)
	eng := kesu.New(kesu.Config{Store: w, Now: clock.Now, NewID: ids.NewID})
	in := complaint.Intake{ExternalID: "E1", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: "C1"}
	ids.Next("E1")
	id, err := eng.Take(ctx, in)
	require.NoError(t, err)
	urge := complaint.Event{Type: complaint.EventUrged, Text: "催单"}
	allocs := testing.AllocsPerRun(200, func() {
		now = now.Add(time.Second)
		clock.Set(now)
		if err := eng.Act(ctx, id, urge); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "allocations per Act over the window")
	tk, err := w.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 201, tk.UrgeCount)

	// Create and close tickets one after another: one slot serves them all.
	closed := complaint.Ticket{ID: "X", ExternalID: "X", Status: complaint.StatusResolved, Version: 1, UpdatedAt: now,
		Tags: []complaint.Tag{{Name: "billing"}}}
	evs := make([]complaint.Event, 1)
	allocs = testing.AllocsPerRun(200, func() {
		closed.Status, closed.Version = complaint.StatusResolved, 1
		if err := w.Create(ctx, &closed, evs); err != nil {
			t.Fatal(err)
		}
		closed.Status, closed.Version = complaint.StatusClosed, 2
		if err := w.Append(ctx, &closed, evs); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "allocations per ticket taken in and closed")
	assert.Equal(t, 1, w.Len())
}

// TestWindowConcurrent runs Act, Get and Expire on one window from several
// goroutines (go test -race): every action lands once.
func TestWindowConcurrent(t *testing.T) {
	ctx := t.Context()
	w := ingest.NewWindow(30 * 24 * time.Hour)
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	eng := kesu.New(kesu.Config{Store: w, Now: func() time.Time { return at }})
	const workers, urges = 4, 50
	ids := make([]string, workers)
	for i := range ids {
		var err error
		ids[i], err = eng.Take(ctx, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing", Region: "gd", Customer: "C1"})
		require.NoError(t, err)
	}
	done := make(chan error, workers)
	for i := range workers {
		go func() {
			var err error
			for range urges {
				if e := eng.Act(ctx, ids[i], complaint.Event{Type: complaint.EventUrged}); e != nil {
					err = e
				}
				if _, e := w.Get(ctx, ids[(i+1)%workers]); e != nil {
					err = e
				}
				w.Expire(at)
			}
			done <- err
		}()
	}
	for range workers {
		require.NoError(t, <-done)
	}
	for _, id := range ids {
		tk, err := w.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, urges, tk.UrgeCount)
	}
}

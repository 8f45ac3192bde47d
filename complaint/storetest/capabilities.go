package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/retention"
)

func rec(stream string, seq int, typ string, at time.Time, data string) complaint.Record {
	r := complaint.Record{Stream: stream, Seq: seq, Type: typ, At: at}
	if data != "" {
		r.Data = json.RawMessage(data)
	}
	return r
}

func testJournal(t *testing.T, j complaint.Journal) {
	ctx := ctxOf(t)
	empty, err := j.Records(ctx, "warning/W1")
	require.NoError(t, err)
	assert.Empty(t, empty)

	w1 := []complaint.Record{
		rec("warning/W1", 1, "raised", Base, `{"grade":"II","key":"gd.gz|vas.unaware","note":"批量投诉"}`),
		rec("warning/W1", 2, "acknowledged", Base.Add(time.Minute), `{"by":"a1"}`),
	}
	require.NoError(t, j.AppendRecords(ctx, "warning/W1", 0, w1))
	assert.Positive(t, w1[0].Pos)
	assert.Greater(t, w1[1].Pos, w1[0].Pos)
	p1 := []complaint.Record{rec("problem/P1", 1, "opened", Base.Add(2*time.Minute), "")}
	require.NoError(t, j.AppendRecords(ctx, "problem/P1", 0, p1))
	w1b := []complaint.Record{rec("warning/W1", 3, "handled", Base.Add(3*time.Minute), `{"feedback":"已退费"}`)}
	require.NoError(t, j.AppendRecords(ctx, "warning/W1", 2, w1b))

	got, err := j.Records(ctx, "warning/W1")
	require.NoError(t, err)
	want := slices.Concat(w1, w1b)
	require.Len(t, got, 3)
	for i := range want {
		assert.Equal(t, want[i].Stream, got[i].Stream)
		assert.Equal(t, want[i].Seq, got[i].Seq)
		assert.Equal(t, want[i].Pos, got[i].Pos)
		assert.Equal(t, want[i].Type, got[i].Type)
		assert.True(t, want[i].At.Equal(got[i].At), "record %d time", i)
		assert.JSONEq(t, string(want[i].Data), string(got[i].Data))
	}
	pr, err := j.Records(ctx, "problem/P1")
	require.NoError(t, err)
	require.Len(t, pr, 1)
	assert.Empty(t, pr[0].Data, "a record without data comes back without data")

	before := all(t, j)
	// Stale and future versions are refused, nothing stored.
	err = j.AppendRecords(ctx, "warning/W1", 2, []complaint.Record{rec("warning/W1", 3, "verified", Base, `{}`)})
	require.ErrorIs(t, err, complaint.ErrConflict)
	err = j.AppendRecords(ctx, "warning/W9", 1, []complaint.Record{rec("warning/W9", 2, "verified", Base, `{}`)})
	require.ErrorIs(t, err, complaint.ErrConflict)
	// Malformed batches are refused, nothing stored.
	err = j.AppendRecords(ctx, "warning/W1", 3, []complaint.Record{rec("warning/W1", 5, "verified", Base, `{}`)})
	require.ErrorIs(t, err, complaint.ErrInvalid)
	err = j.AppendRecords(ctx, "warning/W1", 3, []complaint.Record{rec("warning/W2", 4, "verified", Base, `{}`)})
	require.ErrorIs(t, err, complaint.ErrInvalid)
	err = j.AppendRecords(ctx, "", 0, []complaint.Record{rec("", 1, "x", Base, `{}`)})
	require.ErrorIs(t, err, complaint.ErrInvalid)
	assert.Equal(t, before, all(t, j))

	// ScanRecords: journal order, from a position, fn's error returned.
	log := all(t, j)
	require.Len(t, log, 4)
	for i := 1; i < len(log); i++ {
		assert.Greater(t, log[i].Pos, log[i-1].Pos)
	}
	assert.Equal(t, []string{"raised", "acknowledged", "opened", "handled"}, types(log))
	var after []string
	require.NoError(t, j.ScanRecords(ctx, log[1].Pos, func(r *complaint.Record) error {
		after = append(after, r.Type)
		return nil
	}))
	assert.Equal(t, []string{"opened", "handled"}, after)
	stop := fmt.Errorf("stop")
	n := 0
	require.ErrorIs(t, j.ScanRecords(ctx, 0, func(*complaint.Record) error { n++; return stop }), stop)
	assert.Equal(t, 1, n)

	// Copies: changing returned data changes nothing stored.
	got[0].Data[2] = 'X'
	require.NoError(t, j.ScanRecords(ctx, 0, func(r *complaint.Record) error {
		if len(r.Data) > 0 {
			r.Data[0] = 'X'
		}
		return nil
	}))
	again, err := j.Records(ctx, "warning/W1")
	require.NoError(t, err)
	assert.JSONEq(t, string(w1[0].Data), string(again[0].Data))
}

func types(rs []complaint.Record) []string {
	out := make([]string, len(rs))
	for i := range rs {
		out[i] = rs[i].Type
	}
	return out
}

func all(t *testing.T, j complaint.Journal) []complaint.Record {
	t.Helper()
	var out []complaint.Record
	require.NoError(t, j.ScanRecords(ctxOf(t), 0, func(r *complaint.Record) error {
		c := *r
		c.Data = slices.Clone(r.Data)
		out = append(out, c)
		return nil
	}))
	return out
}

func testJournalConcurrent(t *testing.T, j complaint.Journal) {
	ctx := ctxOf(t)
	errs := make(chan error, Writers)
	start := make(chan struct{})
	for w := range Writers {
		r := []complaint.Record{rec("warning/W1", 1, "raised", Base, fmt.Sprintf(`{"writer":%d}`, w))}
		go func() {
			<-start
			errs <- j.AppendRecords(ctx, "warning/W1", 0, r)
		}()
	}
	close(start)
	wins := 0
	for range Writers {
		if err := <-errs; err != nil {
			require.ErrorIs(t, err, complaint.ErrConflict)
			continue
		}
		wins++
	}
	require.Equal(t, 1, wins)
	got, err := j.Records(ctx, "warning/W1")
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

func testCreateBatch(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	b := s.(complaint.BatchCreator)
	create(t, s, "T0", "EXT-0", complaint.Intake{}, Base)
	mk := func(ids ...string) []complaint.NewTicket {
		var out []complaint.NewTicket
		for _, id := range ids {
			tk, evs := Fixture(id, "EXT-"+id, complaint.Intake{Text: "批量 " + id}, Base.Add(time.Minute))
			if id == "T2" {
				tk, evs = closeAll(tk, evs)
			}
			out = append(out, complaint.NewTicket{Ticket: tk, Events: evs})
		}
		return out
	}
	batch := mk("T1", "T2", "T3")
	require.NoError(t, b.CreateBatch(ctx, batch))
	var prev int64
	for _, nt := range batch {
		for _, e := range nt.Events {
			assert.Greater(t, e.Pos, prev, "positions follow the batch order")
			prev = e.Pos
		}
		got, err := s.Get(ctx, nt.Ticket.ID)
		require.NoError(t, err)
		sameTicket(t, nt.Ticket, got)
		got, err = s.GetExternal(ctx, nt.Ticket.ExternalID)
		require.NoError(t, err)
		sameTicket(t, nt.Ticket, got)
		evs, err := s.Events(ctx, nt.Ticket.ID)
		require.NoError(t, err)
		sameEvents(t, nt.Events, evs)
	}
	found, err := s.Find(ctx, complaint.Query{Status: []complaint.Status{complaint.StatusClosed}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "T2", found[0].ID)
	before := logOf(t, s)

	tests := []struct {
		name  string
		batch []complaint.NewTicket
		want  error
	}{
		{"id stored", mk("T4", "T1"), complaint.ErrDuplicate},
		{"external id stored", func() []complaint.NewTicket {
			b := mk("T5", "T6")
			b[1].Ticket.ExternalID, b[1].Events[0].Intake.ExternalID = "EXT-0", "EXT-0"
			return b
		}(), complaint.ErrDuplicate},
		{"id twice in batch", mk("T7", "T7"), complaint.ErrDuplicate},
		{"external id twice in batch", func() []complaint.NewTicket {
			b := mk("T8", "T9")
			b[1].Ticket.ExternalID = "EXT-T8"
			return b
		}(), complaint.ErrDuplicate},
		{"malformed entry", func() []complaint.NewTicket {
			b := mk("T10", "T11")
			b[1].Events[1].Seq = 9
			return b
		}(), complaint.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, b.CreateBatch(ctx, tc.batch), tc.want)
			assert.Len(t, logOf(t, s), len(before), "nothing stored")
			for _, nt := range tc.batch {
				if nt.Ticket.ID == "T1" {
					continue
				}
				_, err := s.Get(ctx, nt.Ticket.ID)
				require.ErrorIs(t, err, complaint.ErrNotFound)
			}
		})
	}
	require.NoError(t, b.CreateBatch(ctx, nil), "an empty batch is fine")
	// Appends continue after a batch.
	appendStep(t, s, batch[0].Ticket, Base.Add(time.Hour), complaint.Event{Type: complaint.EventUrged})
}

func closeAll(tk *complaint.Ticket, evs []complaint.Event) (*complaint.Ticket, []complaint.Event) {
	n, more := Close(tk, tk.ReceivedAt.Add(time.Minute))
	return n, append(evs, more...)
}

func testCheckpoints(t *testing.T, c complaint.Checkpoints) {
	ctx := ctxOf(t)
	_, _, err := c.LoadCheckpoint(ctx, "warning")
	require.ErrorIs(t, err, complaint.ErrNotFound)
	state := []byte{0, 1, 2, 0xff, 'x'}
	require.NoError(t, c.SaveCheckpoint(ctx, "warning", 42, state))
	state[0] = 9
	require.NoError(t, c.SaveCheckpoint(ctx, "scoring", 7, []byte("{}")))
	pos, got, err := c.LoadCheckpoint(ctx, "warning")
	require.NoError(t, err)
	assert.Equal(t, int64(42), pos)
	assert.Equal(t, []byte{0, 1, 2, 0xff, 'x'}, got)
	require.NoError(t, c.SaveCheckpoint(ctx, "warning", 99, []byte("new")))
	pos, got, err = c.LoadCheckpoint(ctx, "warning")
	require.NoError(t, err)
	assert.Equal(t, int64(99), pos)
	assert.Equal(t, []byte("new"), got)
	pos, got, err = c.LoadCheckpoint(ctx, "scoring")
	require.NoError(t, err)
	assert.Equal(t, int64(7), pos)
	assert.Equal(t, []byte("{}"), got)
	require.NoError(t, c.SaveCheckpoint(ctx, "empty", 1, nil))
	_, got, err = c.LoadCheckpoint(ctx, "empty")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testRetain(t *testing.T, s complaint.Store) {
	ctx := ctxOf(t)
	r := s.(Retainer)
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	year := func(y int) time.Time { return time.Date(y, 3, 1, 9, 0, 0, 0, Base.Location()) }
	consent := []complaint.Event{{Type: complaint.EventTagged, Tags: []complaint.Tag{{Name: "consent-recorded", Rule: "sale"}}}}
	type fx struct {
		id       string
		closedIn int // 0: open
		consent  bool
	}
	fxs := []fx{
		{"OLD", 2026, false},       // closed > 3 years before now: masked
		{"OLDCONSENT", 2026, true}, // closed > 3 years: consent kept min 2y, but Years=3 > 2: masked
		{"MID", 2028, false},       // closed 2 years ago: kept (policy 1 year would mask; see below)
		{"MIDCONSENT", 2029, true}, // closed 1 year ago, consent: kept with Years=1
		{"NEW", 2030, false},       // closed this year: kept
		{"OPEN", 0, false},         // open: never masked
		{"OPENOLD", 0, true},       // open since long ago: never masked
	}
	want := map[string]*complaint.Ticket{}
	for _, f := range fxs {
		at := year(2025)
		if f.closedIn != 0 {
			at = year(f.closedIn)
		}
		tk, evs := Fixture(f.id, "EXT-"+f.id, complaint.Intake{Subscriber: "13800000000", Text: "客户张三 身份证 440101…"}, at)
		require.NoError(t, s.Create(ctx, tk, evs))
		if f.consent {
			tk = appendStep(t, s, tk, at, consent[0])
		}
		if f.closedIn != 0 {
			n, evs := Close(tk, at.Add(time.Hour))
			require.NoError(t, s.Append(ctx, n, evs))
			tk = n
		}
		want[f.id] = tk
	}
	var j complaint.Journal
	if jj, ok := s.(complaint.Journal); ok {
		j = jj
		require.NoError(t, j.AppendRecords(ctx, "consent/C1", 0, []complaint.Record{
			rec("consent/C1", 1, "consent", year(2028), `{"recording":"rec-1.wav","subscriber":"13800000000"}`),
			rec("consent/C1", 2, "consent", year(2029), `{"recording":"rec-2.wav","subscriber":"13800000000"}`),
		}))
		require.NoError(t, j.AppendRecords(ctx, "contact/K1", 0, []complaint.Record{
			rec("contact/K1", 1, "contact", year(2027), `{"subscriber":"13800000000"}`),
			rec("contact/K1", 2, "ledger", year(2020), `{"grade":"I"}`),
		}))
	}

	_, err := r.Retain(ctx, retention.Policy{Years: 0}, now)
	require.ErrorIs(t, err, complaint.ErrInvalid, "a policy without Years is refused")

	policy := retention.Policy{Years: 3, ConsentTags: []string{"consent-recorded"}, RecordTypes: []string{"contact"}, ConsentRecordTypes: []string{"consent"}}
	rep, err := r.Retain(ctx, policy, now)
	require.NoError(t, err)
	assert.Equal(t, []string{"OLD", "OLDCONSENT"}, rep.Masked)
	assert.Empty(t, rep.Kept)
	assert.Equal(t, 4, rep.Events, "the received and note events of the two tickets")
	assert.True(t, rep.Cutoff.Equal(now.AddDate(-3, 0, 0)))
	if j != nil {
		assert.Equal(t, 1, rep.Records, "the 2027 contact record; consent records are younger than 3 years")
	}
	checkMasked(t, s, want, "OLD", "OLDCONSENT")

	// A shorter period reaches more tickets; consent tickets stay two years.
	policy.Years = 1
	rep, err = r.Retain(ctx, policy, now)
	require.NoError(t, err)
	assert.Equal(t, []string{"MID"}, rep.Masked)
	assert.Equal(t, []string{"MIDCONSENT"}, rep.Kept)
	assert.Equal(t, 2, rep.Events)
	assert.True(t, rep.ConsentCutoff.Equal(now.AddDate(-2, 0, 0)))
	if j != nil {
		assert.Equal(t, 1, rep.Records, "the 2028 consent record is older than two years; the 2029 one, past the 1-year cutoff, is kept")
		cs, err := j.Records(ctx, "consent/C1")
		require.NoError(t, err)
		assert.Empty(t, cs[0].Data)
		assert.JSONEq(t, `{"recording":"rec-2.wav","subscriber":"13800000000"}`, string(cs[1].Data))
		ks, err := j.Records(ctx, "contact/K1")
		require.NoError(t, err)
		assert.Empty(t, ks[0].Data)
		assert.JSONEq(t, `{"grade":"I"}`, string(ks[1].Data), "types not in the policy are untouched")
	}
	checkMasked(t, s, want, "OLD", "OLDCONSENT", "MID")

	// Idempotent: a second run finds nothing new.
	rep, err = r.Retain(ctx, policy, now)
	require.NoError(t, err)
	assert.Empty(t, rep.Masked)
	assert.Zero(t, rep.Events)
	assert.Zero(t, rep.Records)
	checkMasked(t, s, want, "OLD", "OLDCONSENT", "MID")
}

// checkMasked asserts that the masked tickets lost their personal data and
// still fold from their events, and that every other ticket is unchanged.
func checkMasked(t *testing.T, s complaint.Store, want map[string]*complaint.Ticket, masked ...string) {
	t.Helper()
	ctx := ctxOf(t)
	for id, w := range want {
		got, err := s.Get(ctx, id)
		require.NoError(t, err)
		evs, err := s.Events(ctx, id)
		require.NoError(t, err)
		folded, err := complaint.Fold(evs)
		require.NoError(t, err, "a masked ticket still folds from its events")
		sameTicket(t, got, folded)
		if !slices.Contains(masked, id) {
			sameTicket(t, w, got)
			continue
		}
		m := w.Clone()
		retention.MaskTicket(m)
		sameTicket(t, m, got)
		assert.Equal(t, retention.Masked, got.Customer)
		assert.Equal(t, retention.Masked, got.Subscriber)
		for _, e := range evs {
			b, _ := json.Marshal(e)
			assert.NotContains(t, string(b), "13800000000", "%s event %d", id, e.Seq)
			assert.NotContains(t, string(b), "张三")
			assert.NotContains(t, string(b), "C-"+id)
		}
		// Lookup by external id (not personal data) still works.
		byExt, err := s.GetExternal(ctx, w.ExternalID)
		require.NoError(t, err)
		assert.Equal(t, id, byExt.ID)
	}
}

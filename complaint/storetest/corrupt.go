package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
)

// Corruption names a way a stored row is damaged behind a store's back,
// for RunCorrupt. The rows are those RunCorrupt creates: tickets T1 and T2
// (external ids EXT-T1 and EXT-T2) with two events each, T1's first, so
// T2's first event is at log position 3.
type Corruption int

// The corruptions RunCorrupt checks; the store's corrupt function applies
// each with its own SQL.
const (
	// EventNotJSON: the data of the event at position 3 is `{"ticket":`.
	EventNotJSON Corruption = iota
	// EventWrongType: the data of the event at position 3 is JSON with a
	// field of the wrong type, `{"ticket":"T2","seq":"one"}`.
	EventWrongType
	// EventOtherTicket: the data of the event at position 3 says it is
	// ticket T1's event 1, `{"ticket":"T1","seq":1,"type":"received"}`.
	EventOtherTicket
	// TicketNotJSON: T1's snapshot data is the bytes 00 ff.
	TicketNotJSON
	// TicketVersion: T1's version column is 9 (its data says 2).
	TicketVersion
)

// String returns the corruption's name, e.g. "EventNotJSON".
func (c Corruption) String() string {
	switch c {
	case EventNotJSON:
		return "EventNotJSON"
	case EventWrongType:
		return "EventWrongType"
	case EventOtherTicket:
		return "EventOtherTicket"
	case TicketNotJSON:
		return "TicketNotJSON"
	case TicketVersion:
		return "TicketVersion"
	}
	return "Corruption(?)"
}

// RunCorrupt checks that a durable store refuses damaged rows: for each
// Corruption it opens a fresh store with open, creates T1 and T2, calls
// corrupt to damage the rows (failing t if it cannot), and checks that the
// reads meeting the damaged row (Scan, Events, Get, GetExternal, Find)
// return an error wrapping errCorrupt that names the log position or the
// ticket, while the other ticket still reads.
func RunCorrupt(t *testing.T, open func(t *testing.T) complaint.Store, corrupt func(t *testing.T, s complaint.Store, c Corruption), errCorrupt error) {
	t.Helper()
	checks := map[Corruption]func(t *testing.T, s complaint.Store){
		EventNotJSON: func(t *testing.T, s complaint.Store) {
			err := s.Scan(t.Context(), 0, func(*complaint.Event) error { return nil })
			require.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "pos 3")
			assert.ErrorContains(t, err, "ticket T2")
			_, err = s.Events(t.Context(), "T2")
			require.ErrorIs(t, err, errCorrupt)
			_, err = s.Events(t.Context(), "T1")
			require.NoError(t, err, "other tickets still read")
		},
		EventWrongType: func(t *testing.T, s complaint.Store) {
			err := s.Scan(t.Context(), 2, func(*complaint.Event) error { return nil })
			require.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "pos 3")
		},
		EventOtherTicket: func(t *testing.T, s complaint.Store) {
			_, err := s.Events(t.Context(), "T2")
			require.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "pos 3")
		},
		TicketNotJSON: func(t *testing.T, s complaint.Store) {
			_, err := s.Get(t.Context(), "T1")
			require.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
			_, err = s.GetExternal(t.Context(), "EXT-T1")
			require.ErrorIs(t, err, errCorrupt)
			_, err = s.Find(t.Context(), complaint.Query{})
			require.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
			_, err = s.Get(t.Context(), "T2")
			require.NoError(t, err, "other tickets still read")
		},
		TicketVersion: func(t *testing.T, s complaint.Store) {
			_, err := s.Get(t.Context(), "T1")
			require.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
			_, err = s.GetExternal(t.Context(), "EXT-T1")
			require.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
		},
	}
	for c := EventNotJSON; c <= TicketVersion; c++ {
		t.Run(c.String(), func(t *testing.T) {
			s := open(t)
			for _, id := range []string{"T1", "T2"} {
				tk, evs := Fixture(id, "EXT-"+id, complaint.Intake{}, Base)
				require.NoError(t, s.Create(t.Context(), tk, evs))
			}
			corrupt(t, s, c)
			checks[c](t, s)
		})
	}
}

// FuzzDecodeEvent fuzzes a store's event row decoder: decode must either
// return an error wrapping errCorrupt or an event that matches the row's
// pos, ticket and seq and has a valid type. Call it from the store's own
// FuzzXxx function.
func FuzzDecodeEvent(f *testing.F, decode func(pos int64, ticket string, seq int, data []byte) (complaint.Event, error), errCorrupt error) {
	f.Add(int64(1), "T1", 1, []byte(`{"ticket":"T1","seq":1,"type":"received","at":"2025-01-01T00:00:00Z","intake":{"kind":"complaint"}}`))
	f.Add(int64(2), "T1", 2, []byte(`{"ticket":"T1","seq":2,"type":"accepted"}`))
	f.Add(int64(3), "T1", 1, []byte(`{"ticket":`))
	f.Add(int64(4), "", 0, []byte(`null`))
	f.Add(int64(5), "T1", 1, []byte(`{"ticket":"T1","seq":1,"type":"tagged","tags":[{"name":1}]}`))
	f.Fuzz(func(t *testing.T, pos int64, ticket string, seq int, data []byte) {
		e, err := decode(pos, ticket, seq, data)
		if err != nil {
			require.ErrorIs(t, err, errCorrupt)
			return
		}
		assert.Equal(t, pos, e.Pos)
		assert.Equal(t, ticket, e.Ticket)
		assert.Equal(t, seq, e.Seq)
		assert.True(t, e.Type.Valid())
	})
}

// FuzzDecodeTicket fuzzes a store's ticket row decoder: decode must either
// return an error wrapping errCorrupt or a ticket with the row's id and
// version. Call it from the store's own FuzzXxx function.
func FuzzDecodeTicket(f *testing.F, decode func(id string, version int, data []byte) (*complaint.Ticket, error), errCorrupt error) {
	f.Add("T1", 2, []byte(`{"id":"T1","version":2,"status":"accepted"}`))
	f.Add("T1", 2, []byte(`{"id":"T1","version":"2"}`))
	f.Add("T1", 2, []byte(`{"id":1}`))
	f.Add("T1", 0, []byte(`[]`))
	f.Fuzz(func(t *testing.T, id string, version int, data []byte) {
		tk, err := decode(id, version, data)
		if err != nil {
			require.ErrorIs(t, err, errCorrupt)
			return
		}
		assert.Equal(t, id, tk.ID)
		assert.Equal(t, version, tk.Version)
	})
}

package sqlite_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/sqlite"
)

func TestCorruptRows(t *testing.T) {
	ctx := t.Context()
	var s *sqlite.Store
	tests := []struct {
		name, sql string
		check     func(t *testing.T)
	}{
		{"event not JSON", `UPDATE events SET data = '{"ticket":' WHERE pos = 3`, func(t *testing.T) {
			err := s.Scan(ctx, 0, func(*complaint.Event) error { return nil })
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			assert.ErrorContains(t, err, "pos 3")
			assert.ErrorContains(t, err, "ticket T2")
			_, err = s.Events(ctx, "T2")
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			_, err = s.Events(ctx, "T1")
			require.NoError(t, err, "other tickets still read")
		}},
		{"event of the wrong type", `UPDATE events SET data = '{"ticket":"T2","seq":"one"}' WHERE pos = 3`, func(t *testing.T) {
			err := s.Scan(ctx, 2, func(*complaint.Event) error { return nil })
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			assert.ErrorContains(t, err, "pos 3")
		}},
		{"event of another ticket", `UPDATE events SET data = '{"ticket":"T1","seq":1,"type":"received"}' WHERE pos = 3`, func(t *testing.T) {
			_, err := s.Events(ctx, "T2")
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			assert.ErrorContains(t, err, "pos 3")
		}},
		{"ticket not JSON", `UPDATE tickets SET data = x'00ff' WHERE id = 'T1'`, func(t *testing.T) {
			_, err := s.Get(ctx, "T1")
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
			_, err = s.GetExternal(ctx, "EXT-T1")
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			_, err = s.Find(ctx, complaint.Query{})
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
			_, err = s.Get(ctx, "T2")
			require.NoError(t, err, "other tickets still read")
		}},
		{"ticket version mismatch", `UPDATE tickets SET version = 9 WHERE id = 'T1'`, func(t *testing.T) {
			_, err := s.Get(ctx, "T1")
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s = open(t)
			for _, id := range []string{"T1", "T2"} {
				tk, evs := storetest.Fixture(id, "EXT-"+id, complaint.Intake{}, storetest.Base)
				require.NoError(t, s.Create(ctx, tk, evs))
			}
			raw, err := sql.Open("sqlite", "file:"+s.Path())
			require.NoError(t, err)
			defer raw.Close()
			_, err = raw.Exec(tc.sql)
			require.NoError(t, err)
			tc.check(t)
		})
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(int64(1), "T1", 1, []byte(`{"ticket":"T1","seq":1,"type":"received","at":"2025-01-01T00:00:00Z","intake":{"kind":"complaint"}}`))
	f.Add(int64(2), "T1", 2, []byte(`{"ticket":"T1","seq":2,"type":"accepted"}`))
	f.Add(int64(3), "T1", 1, []byte(`{"ticket":`))
	f.Add(int64(4), "", 0, []byte(`null`))
	f.Add(int64(5), "T1", 1, []byte(`{"ticket":"T1","seq":1,"type":"tagged","tags":[{"name":1}]}`))
	f.Fuzz(func(t *testing.T, pos int64, ticket string, seq int, data []byte) {
		e, err := sqlite.DecodeEvent(pos, ticket, seq, data)
		if err != nil {
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			return
		}
		assert.Equal(t, pos, e.Pos)
		assert.Equal(t, ticket, e.Ticket)
		assert.Equal(t, seq, e.Seq)
		assert.True(t, e.Type.Valid())
	})
}

func FuzzDecodeTicket(f *testing.F) {
	f.Add("T1", 2, []byte(`{"id":"T1","version":2,"status":"accepted"}`))
	f.Add("T1", 2, []byte(`{"id":"T1","version":"2"}`))
	f.Add("T1", 0, []byte(`[]`))
	f.Fuzz(func(t *testing.T, id string, version int, data []byte) {
		tk, err := sqlite.DecodeTicket(id, version, data)
		if err != nil {
			require.ErrorIs(t, err, sqlite.ErrCorrupt)
			return
		}
		assert.Equal(t, id, tk.ID)
		assert.Equal(t, version, tk.Version)
	})
}

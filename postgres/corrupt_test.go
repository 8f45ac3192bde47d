package postgres_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/postgres"
)

func TestCorruptRows(t *testing.T) {
	ctx := t.Context()
	var s *postgres.Store
	tests := []struct {
		name, sql string
		check     func(t *testing.T)
	}{
		{"event not JSON", `UPDATE %s.events SET data = '{"ticket":'::bytea WHERE pos = 3`, func(t *testing.T) {
			err := s.Scan(ctx, 0, func(*complaint.Event) error { return nil })
			require.ErrorIs(t, err, postgres.ErrCorrupt)
			assert.ErrorContains(t, err, "pos 3")
			assert.ErrorContains(t, err, "ticket T2")
			_, err = s.Events(ctx, "T2")
			require.ErrorIs(t, err, postgres.ErrCorrupt)
			_, err = s.Events(ctx, "T1")
			require.NoError(t, err, "other tickets still read")
		}},
		{"event of another ticket", `UPDATE %s.events SET data = '{"ticket":"T1","seq":1,"type":"received"}'::bytea WHERE pos = 3`, func(t *testing.T) {
			_, err := s.Events(ctx, "T2")
			require.ErrorIs(t, err, postgres.ErrCorrupt)
			assert.ErrorContains(t, err, "pos 3")
		}},
		{"ticket not JSON", `UPDATE %s.tickets SET data = '\x00ff'::bytea WHERE id = 'T1'`, func(t *testing.T) {
			_, err := s.Get(ctx, "T1")
			require.ErrorIs(t, err, postgres.ErrCorrupt)
			assert.ErrorContains(t, err, "ticket T1")
			_, err = s.Find(ctx, complaint.Query{})
			require.ErrorIs(t, err, postgres.ErrCorrupt)
			_, err = s.Get(ctx, "T2")
			require.NoError(t, err)
		}},
		{"ticket version mismatch", `UPDATE %s.tickets SET version = 9 WHERE id = 'T1'`, func(t *testing.T) {
			_, err := s.GetExternal(ctx, "EXT-T1")
			require.ErrorIs(t, err, postgres.ErrCorrupt)
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
			_, err := s.Pool().Exec(ctx, fmt.Sprintf(tc.sql, s.Schema()))
			require.NoError(t, err)
			tc.check(t)
		})
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(int64(1), "T1", 1, []byte(`{"ticket":"T1","seq":1,"type":"received","at":"2025-01-01T00:00:00Z","intake":{"kind":"complaint"}}`))
	f.Add(int64(3), "T1", 1, []byte(`{"ticket":`))
	f.Add(int64(4), "", 0, []byte(`null`))
	f.Fuzz(func(t *testing.T, pos int64, ticket string, seq int, data []byte) {
		e, err := postgres.DecodeEvent(pos, ticket, seq, data)
		if err != nil {
			require.ErrorIs(t, err, postgres.ErrCorrupt)
			return
		}
		assert.Equal(t, pos, e.Pos)
		assert.Equal(t, ticket, e.Ticket)
		assert.Equal(t, seq, e.Seq)
	})
}

func FuzzDecodeTicket(f *testing.F) {
	f.Add("T1", 2, []byte(`{"id":"T1","version":2}`))
	f.Add("T1", 2, []byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, id string, version int, data []byte) {
		tk, err := postgres.DecodeTicket(id, version, data)
		if err != nil {
			require.ErrorIs(t, err, postgres.ErrCorrupt)
			return
		}
		assert.Equal(t, id, tk.ID)
		assert.Equal(t, version, tk.Version)
	})
}

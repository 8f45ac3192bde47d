package postgres_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/postgres"
)

func TestCorruptRows(t *testing.T) {
	url(t)
	damage := map[storetest.Corruption]string{
		storetest.EventNotJSON:     `UPDATE %s.events SET data = '{"ticket":'::bytea WHERE pos = 3`,
		storetest.EventWrongType:   `UPDATE %s.events SET data = '{"ticket":"T2","seq":"one"}'::bytea WHERE pos = 3`,
		storetest.EventOtherTicket: `UPDATE %s.events SET data = '{"ticket":"T1","seq":1,"type":"received"}'::bytea WHERE pos = 3`,
		storetest.TicketNotJSON:    `UPDATE %s.tickets SET data = '\x00ff'::bytea WHERE id = 'T1'`,
		storetest.TicketVersion:    `UPDATE %s.tickets SET version = 9 WHERE id = 'T1'`,
	}
	storetest.RunCorrupt(t, func(t *testing.T) complaint.Store { return open(t) },
		func(t *testing.T, s complaint.Store, c storetest.Corruption) {
			ps := s.(*postgres.Store)
			_, err := ps.Pool().Exec(t.Context(), fmt.Sprintf(damage[c], ps.Schema()))
			require.NoError(t, err)
		}, postgres.ErrCorrupt)
}

func FuzzDecodeEvent(f *testing.F) {
	storetest.FuzzDecodeEvent(f, postgres.DecodeEvent, postgres.ErrCorrupt)
}

func FuzzDecodeTicket(f *testing.F) {
	storetest.FuzzDecodeTicket(f, postgres.DecodeTicket, postgres.ErrCorrupt)
}

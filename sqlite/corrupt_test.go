package sqlite_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/sqlite"
)

func TestCorruptRows(t *testing.T) {
	damage := map[storetest.Corruption]string{
		storetest.EventNotJSON:     `UPDATE events SET data = '{"ticket":' WHERE pos = 3`,
		storetest.EventWrongType:   `UPDATE events SET data = '{"ticket":"T2","seq":"one"}' WHERE pos = 3`,
		storetest.EventOtherTicket: `UPDATE events SET data = '{"ticket":"T1","seq":1,"type":"received"}' WHERE pos = 3`,
		storetest.TicketNotJSON:    `UPDATE tickets SET data = x'00ff' WHERE id = 'T1'`,
		storetest.TicketVersion:    `UPDATE tickets SET version = 9 WHERE id = 'T1'`,
	}
	storetest.RunCorrupt(t, func(t *testing.T) complaint.Store { return open(t) },
		func(t *testing.T, s complaint.Store, c storetest.Corruption) {
			raw, err := sql.Open("sqlite", "file:"+s.(*sqlite.Store).Path())
			require.NoError(t, err)
			defer raw.Close()
			_, err = raw.Exec(damage[c])
			require.NoError(t, err)
		}, sqlite.ErrCorrupt)
}

func FuzzDecodeEvent(f *testing.F) {
	storetest.FuzzDecodeEvent(f, sqlite.DecodeEvent, sqlite.ErrCorrupt)
}

func FuzzDecodeTicket(f *testing.F) {
	storetest.FuzzDecodeTicket(f, sqlite.DecodeTicket, sqlite.ErrCorrupt)
}

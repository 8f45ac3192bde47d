package storeutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// Rows is the part of a query's result the readers use; *sql.Rows and
// pgx.Rows both satisfy it. The caller closes the rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// EncodeEvent returns the JSON stored for e (without its Pos).
func EncodeEvent(e *complaint.Event) ([]byte, error) {
	c := *e
	c.Pos = 0
	return json.Marshal(&c)
}

// DecodeEvent decodes a stored event row: the JSON data of the event at
// log position pos, which the row's indexed columns say is event seq of
// ticket. It returns an error wrapping c.Corrupt, naming pos and ticket,
// when data does not decode to a well-formed event matching the columns.
func (c Codec) DecodeEvent(pos int64, ticket string, seq int, data []byte) (complaint.Event, error) {
	var e complaint.Event
	if err := json.Unmarshal(data, &e); err != nil {
		return complaint.Event{}, fmt.Errorf("%s: event at pos %d (ticket %s, seq %d): %w: %v", c.Name, pos, ticket, seq, c.Corrupt, err)
	}
	if e.Ticket != ticket || e.Seq != seq || !e.Type.Valid() {
		return complaint.Event{}, fmt.Errorf("%s: event at pos %d (ticket %s, seq %d): %w: data says ticket %q seq %d type %q",
			c.Name, pos, ticket, seq, c.Corrupt, e.Ticket, e.Seq, e.Type)
	}
	e.Pos = pos
	return e, nil
}

// DecodeTicket decodes a stored ticket snapshot row with the given id and
// version columns. It returns an error wrapping c.Corrupt, naming the id,
// when data does not decode to that ticket.
func (c Codec) DecodeTicket(id string, version int, data []byte) (*complaint.Ticket, error) {
	t := new(complaint.Ticket)
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("%s: ticket %s: %w: %v", c.Name, id, c.Corrupt, err)
	}
	if t.ID != id || t.Version != version {
		return nil, fmt.Errorf("%s: ticket %s: %w: data says ticket %q version %d, row says version %d",
			c.Name, id, c.Corrupt, t.ID, t.Version, version)
	}
	return t, nil
}

// ReadTickets reads rows of (id, version, data) and decodes them. A scan
// or read error is wrapped as "<name>: <what>: ..."; a corrupt row gives
// DecodeTicket's error.
func (c Codec) ReadTickets(rows Rows, what string) ([]*complaint.Ticket, error) {
	var out []*complaint.Ticket
	for rows.Next() {
		var (
			id      string
			version int
			data    []byte
		)
		if err := rows.Scan(&id, &version, &data); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.Name, what, err)
		}
		t, err := c.DecodeTicket(id, version, data)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.Name, what, err)
	}
	return out, nil
}

// ReadEvents reads rows of (pos, seq, data) of ticket id's events and
// appends them decoded to out. Errors are as for ReadTickets.
func (c Codec) ReadEvents(rows Rows, id, what string, out []complaint.Event) ([]complaint.Event, error) {
	for rows.Next() {
		var (
			pos  int64
			seq  int
			data []byte
		)
		if err := rows.Scan(&pos, &seq, &data); err != nil {
			return out, fmt.Errorf("%s: %s: %w", c.Name, what, err)
		}
		e, err := c.DecodeEvent(pos, id, seq, data)
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("%s: %s: %w", c.Name, what, err)
	}
	return out, nil
}

// ReadLog reads rows of (pos, ticket, seq, data) of the log and appends
// them decoded to out. Errors are as for ReadTickets.
func (c Codec) ReadLog(rows Rows, what string, out []complaint.Event) ([]complaint.Event, error) {
	for rows.Next() {
		var (
			pos    int64
			ticket string
			seq    int
			data   []byte
		)
		if err := rows.Scan(&pos, &ticket, &seq, &data); err != nil {
			return out, fmt.Errorf("%s: %s: %w", c.Name, what, err)
		}
		e, err := c.DecodeEvent(pos, ticket, seq, data)
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("%s: %s: %w", c.Name, what, err)
	}
	return out, nil
}

// ScanRecord scans one row of (pos, stream, seq, type, at, data) into a
// journal record; at is Unix nanoseconds and comes back in UTC, an empty
// data column is a record without Data.
func ScanRecord(rows Rows) (complaint.Record, error) {
	var (
		r    complaint.Record
		at   int64
		data []byte
	)
	if err := rows.Scan(&r.Pos, &r.Stream, &r.Seq, &r.Type, &at, &data); err != nil {
		return r, err
	}
	r.At = time.Unix(0, at).UTC()
	if len(data) > 0 {
		r.Data = json.RawMessage(data)
	}
	return r, nil
}

// ReadRecords reads rows as ScanRecord does and appends them to out. A
// scan or read error is wrapped as "<name>: <what>: ...".
func (c Codec) ReadRecords(rows Rows, what string, out []complaint.Record) ([]complaint.Record, error) {
	for rows.Next() {
		r, err := ScanRecord(rows)
		if err != nil {
			return out, fmt.Errorf("%s: %s: %w", c.Name, what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("%s: %s: %w", c.Name, what, err)
	}
	return out, nil
}

// Row is a one-row query result; *sql.Row and pgx.Row both satisfy it.
type Row interface {
	Scan(dest ...any) error
}

// ScanTicket scans a row of (id, version, data) and decodes it. When the
// scan fails with an error that is noRows (sql.ErrNoRows, pgx.ErrNoRows)
// the error wraps complaint.ErrNotFound; other scan errors are wrapped;
// both read "<name>: <what>: ...". A corrupt row gives DecodeTicket's
// error.
func (c Codec) ScanTicket(row Row, noRows error, what string) (*complaint.Ticket, error) {
	var (
		id      string
		version int
		data    []byte
	)
	switch err := row.Scan(&id, &version, &data); {
	case errors.Is(err, noRows):
		return nil, fmt.Errorf("%s: %s: %w", c.Name, what, complaint.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("%s: %s: %w", c.Name, what, err)
	}
	return c.DecodeTicket(id, version, data)
}

package storeutil

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/retention"
)

// MaskTicket decodes the stored snapshot of ticket id (version, data) and,
// when p says it is due at now, masks its personal data (retention.MaskTicket)
// and returns it with its new JSON; t is nil when the ticket is not due,
// and kept then reports a consent ticket kept for the longer period. A
// corrupt row gives DecodeTicket's error.
func (c Codec) MaskTicket(p *retention.Policy, id string, version int, data []byte, now time.Time) (t *complaint.Ticket, masked []byte, kept bool, err error) {
	t, err = c.DecodeTicket(id, version, data)
	if err != nil {
		return nil, nil, false, err
	}
	due, kept := p.Due(t, now)
	if !due {
		return nil, nil, kept, nil
	}
	retention.MaskTicket(t)
	if masked, err = json.Marshal(t); err != nil {
		return nil, nil, false, fmt.Errorf("%s: retain %s: %w", c.Name, id, err)
	}
	return t, masked, false, nil
}

// MaskEvents reads rows of (pos, seq, data) of ticket id's events, masks
// each (retention.MaskEvent) and returns the positions and new JSON of the
// events that changed. A corrupt row gives DecodeEvent's error; others are
// wrapped as "<name>: retain <id>: ...".
func (c Codec) MaskEvents(rows Rows, id string) (pos []int64, data [][]byte, err error) {
	for rows.Next() {
		var (
			p   int64
			seq int
			d   []byte
		)
		if err := rows.Scan(&p, &seq, &d); err != nil {
			return nil, nil, fmt.Errorf("%s: retain %s: %w", c.Name, id, err)
		}
		e, err := c.DecodeEvent(p, id, seq, d)
		if err != nil {
			return nil, nil, err
		}
		if retention.MaskEvent(&e) {
			b, err := EncodeEvent(&e)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: retain %s: %w", c.Name, id, err)
			}
			pos, data = append(pos, p), append(data, b)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: retain %s: %w", c.Name, id, err)
	}
	return pos, data, nil
}

// DueRecords reads journal record rows (as ScanRecord) and returns the
// positions of those whose Data p says is due for removal at now. Errors
// are wrapped as "<name>: retain records: ...".
func (c Codec) DueRecords(rows Rows, p *retention.Policy, now time.Time) ([]int64, error) {
	var due []int64
	for rows.Next() {
		r, err := ScanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: retain records: %w", c.Name, err)
		}
		if p.RecordDue(&r, now) {
			due = append(due, r.Pos)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: retain records: %w", c.Name, err)
	}
	return due, nil
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/internal/retention"
)

// RetentionPolicy says what Retain masks: tickets closed more than Years
// years ago lose their personal data; tickets carrying a ConsentTags tag
// and journal records of ConsentRecordTypes are kept at least two years
// (DOMAIN.md R9).
type RetentionPolicy = retention.Policy

// RetentionReport says what one Retain run did.
type RetentionReport = retention.Report

// Retain masks the personal data that policy says is due at now: the
// customer id, subscriber number and texts of each due ticket's snapshot
// and events become retention.Masked ("***"), one transaction per ticket
// (which locks the ticket's row, so a concurrent Append either comes first
// or gets ErrConflict); the Data of due journal records is removed.
// Versions and log positions do not change, and every ticket still folds
// from its events. Retain is an explicit operation: it logs each masked
// ticket and a summary to the store's logger and returns the report.
// Running it again masks nothing new. An invalid policy gives a
// *complaint.ValidationError.
func (s *Store) Retain(ctx context.Context, policy RetentionPolicy, now time.Time) (RetentionReport, error) {
	var rep RetentionReport
	if err := policy.Validate(); err != nil {
		return rep, err
	}
	rep.Cutoff, rep.ConsentCutoff = policy.Cutoffs(now)
	rows, err := s.pool.Query(ctx, `SELECT id FROM `+s.schema+`.tickets WHERE closed_at IS NOT NULL AND masked_at IS NULL AND closed_at < $1
		ORDER BY id`, rep.Cutoff.UnixNano())
	if err != nil {
		return rep, fmt.Errorf("postgres: retain: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return rep, fmt.Errorf("postgres: retain: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("postgres: retain: %w", err)
	}
	for _, id := range ids {
		n, kept, err := s.retainTicket(ctx, &policy, id, now)
		if err != nil {
			rep.Log(ctx, s.log, "postgres")
			return rep, err
		}
		switch {
		case kept:
			rep.Kept = append(rep.Kept, id)
		case n >= 0:
			rep.Masked = append(rep.Masked, id)
			rep.Events += n
		}
	}
	if types := policy.RecordTypesDue(); len(types) > 0 {
		n, err := s.retainRecords(ctx, &policy, types, now)
		rep.Records = n
		if err != nil {
			rep.Log(ctx, s.log, "postgres")
			return rep, err
		}
	}
	rep.Log(ctx, s.log, "postgres")
	return rep, nil
}

func (s *Store) retainTicket(ctx context.Context, p *RetentionPolicy, id string, now time.Time) (n int, kept bool, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	defer tx.Rollback(ctx)
	var (
		version int
		data    []byte
	)
	if err := tx.QueryRow(ctx, "SELECT version, data FROM "+s.schema+".tickets WHERE id = $1 FOR UPDATE", id).Scan(&version, &data); err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	t, err := DecodeTicket(id, version, data)
	if err != nil {
		return 0, false, err
	}
	due, kept := p.Due(t, now)
	if !due {
		return -1, kept, nil
	}
	retention.MaskTicket(t)
	if data, err = json.Marshal(t); err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE "+s.schema+".tickets SET customer = $1, data = $2, masked_at = $3 WHERE id = $4",
		t.Customer, data, now.UnixNano(), id); err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	rows, err := tx.Query(ctx, "SELECT pos, seq, data FROM "+s.schema+".events WHERE ticket = $1 ORDER BY seq", id)
	if err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	var (
		pos   []int64
		datas [][]byte
	)
	for rows.Next() {
		var (
			p   int64
			seq int
			d   []byte
		)
		if err := rows.Scan(&p, &seq, &d); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
		}
		e, err := DecodeEvent(p, id, seq, d)
		if err != nil {
			rows.Close()
			return 0, false, err
		}
		if retention.MaskEvent(&e) {
			b, err := encodeEvent(&e)
			if err != nil {
				rows.Close()
				return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
			}
			pos, datas = append(pos, p), append(datas, b)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	if len(pos) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE `+s.schema+`.events e SET data = u.d FROM unnest($1::bigint[], $2::bytea[]) AS u(p, d)
			WHERE e.pos = u.p`, pos, datas); err != nil {
			return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	return len(pos), false, nil
}

func (s *Store) retainRecords(ctx context.Context, p *RetentionPolicy, types []string, now time.Time) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: retain records: %w", err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, "SELECT pos, stream, seq, type, at, data FROM "+s.schema+
		".records WHERE data IS NOT NULL AND at < $1 AND type = ANY($2) ORDER BY pos FOR UPDATE",
		now.AddDate(-p.Years, 0, 0).UnixNano(), types)
	if err != nil {
		return 0, fmt.Errorf("postgres: retain records: %w", err)
	}
	var due []int64
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("postgres: retain records: %w", err)
		}
		if p.RecordDue(&r, now) {
			due = append(due, r.Pos)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("postgres: retain records: %w", err)
	}
	if len(due) > 0 {
		if _, err := tx.Exec(ctx, "UPDATE "+s.schema+".records SET data = NULL WHERE pos = ANY($1)", due); err != nil {
			return 0, fmt.Errorf("postgres: retain records: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("postgres: retain records: %w", err)
	}
	if len(due) > 0 {
		s.log.InfoContext(ctx, "postgres: retention: removed record data", "records", len(due), "types", types)
	}
	return len(due), nil
}

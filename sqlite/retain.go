package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
// and events become retention.Masked ("***"), one transaction per ticket;
// the Data of due journal records is removed. Versions and log positions do
// not change, and every ticket still folds from its events. Retain is an
// explicit operation: it logs each masked ticket and a summary to the
// store's logger and returns the report. Running it again masks nothing
// new. An invalid policy gives a *complaint.ValidationError.
func (s *Store) Retain(ctx context.Context, policy RetentionPolicy, now time.Time) (RetentionReport, error) {
	var rep RetentionReport
	if err := policy.Validate(); err != nil {
		return rep, err
	}
	rep.Cutoff, rep.ConsentCutoff = policy.Cutoffs(now)
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM tickets WHERE closed_at IS NOT NULL AND masked_at IS NULL AND closed_at < ?
		ORDER BY id`, nanos(rep.Cutoff))
	if err != nil {
		return rep, fmt.Errorf("sqlite: retain: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return rep, fmt.Errorf("sqlite: retain: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("sqlite: retain: %w", err)
	}
	for _, id := range ids {
		n, kept, err := s.retainTicket(ctx, &policy, id, now)
		if err != nil {
			rep.Log(ctx, s.log, "sqlite")
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
			rep.Log(ctx, s.log, "sqlite")
			return rep, err
		}
	}
	rep.Log(ctx, s.log, "sqlite")
	return rep, nil
}

// retainTicket masks one ticket if due; n is the number of events
// rewritten (-1 when the ticket was not due), kept whether it is a consent
// ticket kept longer.
func (s *Store) retainTicket(ctx context.Context, p *RetentionPolicy, id string, now time.Time) (n int, kept bool, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	defer tx.Rollback()
	var (
		version int
		data    []byte
	)
	if err := tx.QueryRowContext(ctx, "SELECT version, data FROM tickets WHERE id = ?", id).Scan(&version, &data); err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
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
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET customer = ?, data = ?, masked_at = ? WHERE id = ?",
		t.Customer, data, nanos(now), id); err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT pos, seq, data FROM events WHERE ticket = ? ORDER BY seq", id)
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	type upd struct {
		pos  int64
		data []byte
	}
	var ups []upd
	for rows.Next() {
		var (
			pos int64
			seq int
			d   []byte
		)
		if err := rows.Scan(&pos, &seq, &d); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
		}
		e, err := DecodeEvent(pos, id, seq, d)
		if err != nil {
			rows.Close()
			return 0, false, err
		}
		if retention.MaskEvent(&e) {
			b, err := encodeEvent(&e)
			if err != nil {
				rows.Close()
				return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
			}
			ups = append(ups, upd{pos, b})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	for _, u := range ups {
		if _, err := tx.ExecContext(ctx, "UPDATE events SET data = ? WHERE pos = ?", u.data, u.pos); err != nil {
			return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	return len(ups), false, nil
}

func (s *Store) retainRecords(ctx context.Context, p *RetentionPolicy, types []string, now time.Time) (int, error) {
	args := []any{nanos(now.AddDate(-p.Years, 0, 0))}
	for _, t := range types {
		args = append(args, t)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: retain records: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT pos, stream, seq, type, at, data FROM records WHERE data IS NOT NULL AND at < ? AND type IN ("+
		placeholders(len(types))+") ORDER BY pos", args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: retain records: %w", err)
	}
	var due []int64
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: retain records: %w", err)
		}
		if p.RecordDue(&r, now) {
			due = append(due, r.Pos)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: retain records: %w", err)
	}
	for _, pos := range due {
		if _, err := tx.ExecContext(ctx, "UPDATE records SET data = NULL WHERE pos = ?", pos); err != nil {
			return 0, fmt.Errorf("sqlite: retain records: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: retain records: %w", err)
	}
	if len(due) > 0 {
		s.log.InfoContext(ctx, "sqlite: retention: removed record data", "records", len(due), "types", slices.Clone(types))
	}
	return len(due), nil
}

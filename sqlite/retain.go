package sqlite

import (
	"context"
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
// and events become retention.Masked ("***"), one transaction per ticket;
// the Data of due journal records is removed. Versions and log positions do
// not change, and every ticket still folds from its events. Retain is an
// explicit operation: it logs each masked ticket and a summary to the
// store's logger and returns the report. Running it again masks nothing
// new. An invalid policy gives a *complaint.ValidationError.
func (s *Store) Retain(ctx context.Context, policy RetentionPolicy, now time.Time) (RetentionReport, error) {
	return retention.Run(ctx, retainer{s}, policy, now, s.log, "sqlite")
}

// retainer is the store's SQL for retention.Run.
type retainer struct{ s *Store }

func (r retainer) DueTickets(ctx context.Context, cutoff time.Time) ([]string, error) {
	rows, err := r.s.r.QueryContext(ctx, `SELECT id FROM tickets WHERE closed_at IS NOT NULL AND masked_at IS NULL AND closed_at < ?
		ORDER BY id`, nanos(cutoff))
	if err != nil {
		return nil, fmt.Errorf("sqlite: retain: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: retain: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: retain: %w", err)
	}
	return ids, nil
}

func (r retainer) RetainTicket(ctx context.Context, p *RetentionPolicy, id string, now time.Time) (n int, kept bool, err error) {
	tx, err := r.s.w.BeginTx(ctx, nil)
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
	t, data, kept, err := codec.MaskTicket(p, id, version, data, now)
	if t == nil || err != nil {
		return -1, kept, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET customer = ?, data = ?, masked_at = ? WHERE id = ?",
		t.Customer, data, nanos(now), id); err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT pos, seq, data FROM events WHERE ticket = ? ORDER BY seq", id)
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	pos, datas, err := codec.MaskEvents(rows, id)
	rows.Close()
	if err != nil {
		return 0, false, err
	}
	for i := range pos {
		if _, err := tx.ExecContext(ctx, "UPDATE events SET data = ? WHERE pos = ?", datas[i], pos[i]); err != nil {
			return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("sqlite: retain %s: %w", id, err)
	}
	return len(pos), false, nil
}

func (r retainer) RetainRecords(ctx context.Context, p *RetentionPolicy, types []string, now time.Time) (int, error) {
	args := []any{nanos(now.AddDate(-p.Years, 0, 0))}
	for _, t := range types {
		args = append(args, t)
	}
	tx, err := r.s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: retain records: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT pos, stream, seq, type, at, data FROM records WHERE data IS NOT NULL AND at < ? AND type IN ("+
		placeholders(len(types))+") ORDER BY pos", args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: retain records: %w", err)
	}
	due, err := codec.DueRecords(rows, p, now)
	rows.Close()
	if err != nil {
		return 0, err
	}
	for _, pos := range due {
		if _, err := tx.ExecContext(ctx, "UPDATE records SET data = NULL WHERE pos = ?", pos); err != nil {
			return 0, fmt.Errorf("sqlite: retain records: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: retain records: %w", err)
	}
	return len(due), nil
}

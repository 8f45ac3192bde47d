package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	return retention.Run(ctx, retainer{s}, policy, now, s.log, "postgres")
}

// retainer is the store's SQL for retention.Run.
type retainer struct{ s *Store }

func (r retainer) DueTickets(ctx context.Context, cutoff time.Time) ([]string, error) {
	rows, err := r.s.pool.Query(ctx, `SELECT id FROM `+r.s.schema+`.tickets WHERE closed_at IS NOT NULL AND masked_at IS NULL AND closed_at < $1
		ORDER BY id`, cutoff.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("postgres: retain: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: retain: %w", err)
	}
	return ids, nil
}

// RetainTicket locks the ticket's row, so a concurrent Append either comes
// first or gets ErrConflict.
func (r retainer) RetainTicket(ctx context.Context, p *RetentionPolicy, id string, now time.Time) (n int, kept bool, err error) {
	s := r.s
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
	t, data, kept, err := codec.MaskTicket(p, id, version, data, now)
	if t == nil || err != nil {
		return -1, kept, err
	}
	if _, err := tx.Exec(ctx, "UPDATE "+s.schema+".tickets SET customer = $1, data = $2, masked_at = $3 WHERE id = $4",
		t.Customer, data, now.UnixNano(), id); err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	rows, err := tx.Query(ctx, "SELECT pos, seq, data FROM "+s.schema+".events WHERE ticket = $1 ORDER BY seq", id)
	if err != nil {
		return 0, false, fmt.Errorf("postgres: retain %s: %w", id, err)
	}
	pos, datas, err := codec.MaskEvents(rows, id)
	rows.Close()
	if err != nil {
		return 0, false, err
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

func (r retainer) RetainRecords(ctx context.Context, p *RetentionPolicy, types []string, now time.Time) (int, error) {
	s := r.s
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
	due, err := codec.DueRecords(rows, p, now)
	rows.Close()
	if err != nil {
		return 0, err
	}
	if len(due) > 0 {
		if _, err := tx.Exec(ctx, "UPDATE "+s.schema+".records SET data = NULL WHERE pos = ANY($1)", due); err != nil {
			return 0, fmt.Errorf("postgres: retain records: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("postgres: retain records: %w", err)
	}
	return len(due), nil
}

package sqlite

import (
	"context"
	"fmt"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/storeutil"
)

// AppendRecords implements complaint.Journal.
func (s *Store) AppendRecords(ctx context.Context, stream string, expect int, recs []complaint.Record) error {
	if err := codec.CheckRecords(stream, expect, recs); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: journal %s: %w", stream, err)
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM records WHERE stream = ?", stream).Scan(&cur); err != nil {
		return fmt.Errorf("sqlite: journal %s: %w", stream, err)
	}
	if cur != expect {
		return fmt.Errorf("sqlite: journal %s: at version %d, expected %d: %w", stream, cur, expect, complaint.ErrConflict)
	}
	for i := range recs {
		r := &recs[i]
		var data any
		if len(r.Data) > 0 {
			data = []byte(r.Data)
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO records (stream, seq, type, at, data) VALUES (?, ?, ?, ?, ?)",
			stream, r.Seq, r.Type, nanos(r.At), data)
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("sqlite: journal %s: %w", stream, complaint.ErrConflict)
			}
			return fmt.Errorf("sqlite: journal %s: %w", stream, err)
		}
		if r.Pos, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite: journal %s: %w", stream, err)
		}
	}
	if err := tx.Commit(); err != nil {
		for i := range recs {
			recs[i].Pos = 0
		}
		return fmt.Errorf("sqlite: journal %s: %w", stream, err)
	}
	return nil
}

// Records implements complaint.Journal. Record times come back in UTC.
func (s *Store) Records(ctx context.Context, stream string) ([]complaint.Record, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT pos, stream, seq, type, at, data FROM records WHERE stream = ? ORDER BY seq", stream)
	if err != nil {
		return nil, fmt.Errorf("sqlite: journal %s: %w", stream, err)
	}
	defer rows.Close()
	return codec.ReadRecords(rows, "journal "+stream, []complaint.Record{})
}

// ScanRecords implements complaint.Journal. It reads ScanPage records per
// query and holds no connection while fn runs.
func (s *Store) ScanRecords(ctx context.Context, after int64, fn func(*complaint.Record) error) error {
	_, err := storeutil.Paginate(ctx, after, ScanPage, func(after int64, page []complaint.Record) ([]complaint.Record, error) {
		rows, err := s.r.QueryContext(ctx, "SELECT pos, stream, seq, type, at, data FROM records WHERE pos > ? ORDER BY pos LIMIT ?", after, ScanPage)
		if err != nil {
			return page, fmt.Errorf("sqlite: scan journal after %d: %w", after, err)
		}
		defer rows.Close()
		return codec.ReadRecords(rows, fmt.Sprintf("scan journal after %d", after), page)
	}, storeutil.RecordPos, fn)
	return err
}

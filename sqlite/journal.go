package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// AppendRecords implements complaint.Journal.
func (s *Store) AppendRecords(ctx context.Context, stream string, expect int, recs []complaint.Record) error {
	if stream == "" {
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Path: "stream", Message: "required"}}}
	}
	for i := range recs {
		if recs[i].Stream != stream || recs[i].Seq != expect+i+1 {
			return fmt.Errorf("sqlite: journal %s: record %d is (%s, seq %d), want seq %d: %w",
				stream, i, recs[i].Stream, recs[i].Seq, expect+i+1, complaint.ErrInvalid)
		}
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

func scanRecord(rows *sql.Rows) (complaint.Record, error) {
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

// Records implements complaint.Journal. Record times come back in UTC.
func (s *Store) Records(ctx context.Context, stream string) ([]complaint.Record, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT pos, stream, seq, type, at, data FROM records WHERE stream = ? ORDER BY seq", stream)
	if err != nil {
		return nil, fmt.Errorf("sqlite: journal %s: %w", stream, err)
	}
	defer rows.Close()
	out := []complaint.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: journal %s: %w", stream, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: journal %s: %w", stream, err)
	}
	return out, nil
}

// ScanRecords implements complaint.Journal. It reads ScanPage records per
// query and holds no connection while fn runs.
func (s *Store) ScanRecords(ctx context.Context, after int64, fn func(*complaint.Record) error) error {
	page := make([]complaint.Record, 0, ScanPage)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page = page[:0]
		rows, err := s.r.QueryContext(ctx, "SELECT pos, stream, seq, type, at, data FROM records WHERE pos > ? ORDER BY pos LIMIT ?", after, ScanPage)
		if err != nil {
			return fmt.Errorf("sqlite: scan journal after %d: %w", after, err)
		}
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: scan journal after %d: %w", after, err)
			}
			page = append(page, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlite: scan journal after %d: %w", after, err)
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < ScanPage {
			return nil
		}
		after = page[len(page)-1].Pos
	}
}

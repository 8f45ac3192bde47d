package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kesu-go/kesu/complaint"
)

// AppendRecords implements complaint.Journal. Two instances appending to
// one stream at the same version: one wins, the other gets ErrConflict.
func (s *Store) AppendRecords(ctx context.Context, stream string, expect int, recs []complaint.Record) (err error) {
	if stream == "" {
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Path: "stream", Message: "required"}}}
	}
	for i := range recs {
		if recs[i].Stream != stream || recs[i].Seq != expect+i+1 {
			return fmt.Errorf("postgres: journal %s: record %d is (%s, seq %d), want seq %d: %w",
				stream, i, recs[i].Stream, recs[i].Seq, expect+i+1, complaint.ErrInvalid)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	defer tx.Rollback(ctx)
	var cur int
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM "+s.schema+".records WHERE stream = $1", stream).Scan(&cur); err != nil {
		return fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	if cur != expect {
		return fmt.Errorf("postgres: journal %s: at version %d, expected %d: %w", stream, cur, expect, complaint.ErrConflict)
	}
	first, err := s.claim(ctx, tx, "records", len(recs))
	if err != nil {
		return fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	n := len(recs)
	pos, seqs, ats := make([]int64, n), make([]int32, n), make([]int64, n)
	types, data := make([]string, n), make([][]byte, n)
	for i := range recs {
		r := &recs[i]
		pos[i], seqs[i], types[i], ats[i] = first+int64(i), int32(r.Seq), r.Type, r.At.UnixNano()
		if len(r.Data) > 0 {
			data[i] = []byte(r.Data)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+s.schema+`.records (pos, stream, seq, type, at, data)
		SELECT p, $2, q, t, a, d FROM unnest($1::bigint[], $3::integer[], $4::text[], $5::bigint[], $6::bytea[]) AS u(p, q, t, a, d)`,
		pos, stream, seqs, types, ats, data); err != nil {
		if _, ok := isUnique(err); ok {
			return fmt.Errorf("postgres: journal %s: written concurrently: %w", stream, complaint.ErrConflict)
		}
		return fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	if err := tx.Commit(ctx); err != nil {
		if _, ok := isUnique(err); ok {
			return fmt.Errorf("postgres: journal %s: written concurrently: %w", stream, complaint.ErrConflict)
		}
		return fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	for i := range recs {
		recs[i].Pos = pos[i]
	}
	return nil
}

func scanRecord(rows pgx.Rows) (complaint.Record, error) {
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
	rows, err := s.pool.Query(ctx, "SELECT pos, stream, seq, type, at, data FROM "+s.schema+".records WHERE stream = $1 ORDER BY seq", stream)
	if err != nil {
		return nil, fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	defer rows.Close()
	out := []complaint.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: journal %s: %w", stream, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	return out, nil
}

// ScanRecords implements complaint.Journal. It reads ScanPage records per
// query and holds no connection while fn runs.
func (s *Store) ScanRecords(ctx context.Context, after int64, fn func(*complaint.Record) error) error {
	page := make([]complaint.Record, 0, ScanPage)
	q := "SELECT pos, stream, seq, type, at, data FROM " + s.schema + ".records WHERE pos > $1 ORDER BY pos LIMIT $2"
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page = page[:0]
		rows, err := s.pool.Query(ctx, q, after, ScanPage)
		if err != nil {
			return fmt.Errorf("postgres: scan journal after %d: %w", after, err)
		}
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("postgres: scan journal after %d: %w", after, err)
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: scan journal after %d: %w", after, err)
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

package postgres

import (
	"context"
	"fmt"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/storeutil"
)

// AppendRecords implements complaint.Journal. Two instances appending to
// one stream at the same version: one wins, the other gets ErrConflict.
func (s *Store) AppendRecords(ctx context.Context, stream string, expect int, recs []complaint.Record) (err error) {
	if err := codec.CheckRecords(stream, expect, recs); err != nil {
		return err
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

// Records implements complaint.Journal. Record times come back in UTC.
func (s *Store) Records(ctx context.Context, stream string) ([]complaint.Record, error) {
	rows, err := s.pool.Query(ctx, "SELECT pos, stream, seq, type, at, data FROM "+s.schema+".records WHERE stream = $1 ORDER BY seq", stream)
	if err != nil {
		return nil, fmt.Errorf("postgres: journal %s: %w", stream, err)
	}
	defer rows.Close()
	return codec.ReadRecords(rows, "journal "+stream, []complaint.Record{})
}

// ScanRecords implements complaint.Journal. It reads ScanPage records per
// query and holds no connection while fn runs.
func (s *Store) ScanRecords(ctx context.Context, after int64, fn func(*complaint.Record) error) error {
	q := "SELECT pos, stream, seq, type, at, data FROM " + s.schema + ".records WHERE pos > $1 ORDER BY pos LIMIT $2"
	_, err := storeutil.Paginate(ctx, after, ScanPage, func(after int64, page []complaint.Record) ([]complaint.Record, error) {
		rows, err := s.pool.Query(ctx, q, after, ScanPage)
		if err != nil {
			return page, fmt.Errorf("postgres: scan journal after %d: %w", after, err)
		}
		defer rows.Close()
		return codec.ReadRecords(rows, fmt.Sprintf("scan journal after %d", after), page)
	}, storeutil.RecordPos, fn)
	return err
}

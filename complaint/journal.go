package complaint

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Record is one entry of a Journal: a fact about something that is not a
// ticket — a warning's ledger entry, a problem's step, a sanction decision.
// Data holds the owner's JSON encoding of the fact.
type Record struct {
	// Stream names what the record is about, e.g. "warning/W00000012" or
	// "problem/P00000003"; Seq is its version after this record (1-based).
	Stream string `json:"stream"`
	Seq    int    `json:"seq"`
	// Pos is the position in the journal (set by the store).
	Pos  int64           `json:"pos,omitempty"`
	Type string          `json:"type"`
	At   time.Time       `json:"at"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Journal is an optional capability of a Store, found by type assertion
// (as database/sql finds a driver's optional interfaces): an append-only log
// of Records in streams, with the same atomicity and optimistic concurrency
// as ticket events. The warning ledger, problems and sanction decisions keep
// their history in it so they survive restarts and replays. MemStore
// implements it.
type Journal interface {
	// AppendRecords stores records that take stream from version
	// expect to expect+len(recs); recs[i].Seq must be expect+i+1. If the
	// stream is not at version expect it stores nothing and returns an error
	// wrapping ErrConflict. It sets each record's Pos.
	AppendRecords(ctx context.Context, stream string, expect int, recs []Record) error
	// Records returns the records of a stream in order (empty when none).
	Records(ctx context.Context, stream string) ([]Record, error)
	// ScanRecords calls fn with every record whose Pos is greater than after,
	// in journal order, until fn returns an error (which it returns).
	ScanRecords(ctx context.Context, after int64, fn func(*Record) error) error
}

var _ Journal = (*MemStore)(nil)

// AppendRecords implements Journal.
func (s *MemStore) AppendRecords(ctx context.Context, stream string, expect int, recs []Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if stream == "" {
		return &ValidationError{Fields: []FieldError{{Path: "stream", Message: "required"}}}
	}
	for i := range recs {
		if recs[i].Stream != stream || recs[i].Seq != expect+i+1 {
			return fmt.Errorf("complaint: journal %s: record %d is (%s, seq %d), want seq %d: %w",
				stream, i, recs[i].Stream, recs[i].Seq, expect+i+1, ErrInvalid)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams == nil {
		s.streams = make(map[string][]int)
	}
	if cur := len(s.streams[stream]); cur != expect {
		return fmt.Errorf("complaint: journal %s: at version %d, expected %d: %w", stream, cur, expect, ErrConflict)
	}
	for i := range recs {
		recs[i].Pos = int64(len(s.journal) + 1)
		r := recs[i]
		r.Data = append(json.RawMessage(nil), r.Data...)
		s.streams[stream] = append(s.streams[stream], len(s.journal))
		s.journal = append(s.journal, r)
	}
	return nil
}

// Records implements Journal.
func (s *MemStore) Records(_ context.Context, stream string) ([]Record, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ix := s.streams[stream]
	out := make([]Record, len(ix))
	for i, j := range ix {
		out[i] = s.journal[j]
		out[i].Data = append(json.RawMessage(nil), out[i].Data...)
	}
	return out, nil
}

// ScanRecords implements Journal.
func (s *MemStore) ScanRecords(ctx context.Context, after int64, fn func(*Record) error) error {
	if after < 0 {
		after = 0
	}
	for pos := after; ; pos++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.RLock()
		if pos >= int64(len(s.journal)) {
			s.mu.RUnlock()
			return nil
		}
		r := s.journal[pos]
		r.Data = append(json.RawMessage(nil), r.Data...)
		s.mu.RUnlock()
		if err := fn(&r); err != nil {
			return err
		}
	}
}

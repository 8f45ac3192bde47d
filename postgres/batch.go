package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/storeutil"
)

// CreateBatch implements complaint.BatchCreator with COPY: the whole batch
// is one transaction that claims its log positions up front and copies the
// tickets and then the events, in the batch's order. It is the fast path
// for replays and bulk loads.
func (s *Store) CreateBatch(ctx context.Context, batch []complaint.NewTicket) (err error) {
	if len(batch) == 0 {
		return nil
	}
	nev, err := codec.CheckNewBatch(batch)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			storeutil.ClearBatchPos(batch)
		}
	}()
	trows := make([][]any, len(batch))
	erows := make([][]any, 0, nev)
	for i := range batch {
		t := batch[i].Ticket
		data, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("postgres: create batch entry %d: %w", i, err)
		}
		trows[i] = []any{t.ID, nullString(t.ExternalID), int32(t.Version), t.Customer, t.Category, t.Region, string(t.Status),
			t.ReceivedAt.UnixNano(), nullNanos(t.ClosedAt), data}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: create batch: %w", err)
	}
	defer tx.Rollback(ctx)
	pos, err := s.claim(ctx, tx, "events", nev)
	if err != nil {
		return fmt.Errorf("postgres: create batch: %w", err)
	}
	for i := range batch {
		evs := batch[i].Events
		for j := range evs {
			e := &evs[j]
			b, err := storeutil.EncodeEvent(e)
			if err != nil {
				return fmt.Errorf("postgres: create batch entry %d: event %d: %w", i, j, err)
			}
			e.Pos = pos
			erows = append(erows, []any{pos, e.Ticket, int32(e.Seq), string(e.Type), e.At.UnixNano(), b})
			pos++
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{s.name, "tickets"},
		[]string{"id", "external_id", "version", "customer", "category", "region", "status", "received_at", "closed_at", "data"},
		pgx.CopyFromRows(trows)); err != nil {
		if c, ok := isUnique(err); ok {
			return fmt.Errorf("postgres: create batch: a ticket is stored already (%s): %w", c, complaint.ErrDuplicate)
		}
		return fmt.Errorf("postgres: create batch: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{s.name, "events"}, []string{"pos", "ticket", "seq", "type", "at", "data"},
		pgx.CopyFromRows(erows)); err != nil {
		return fmt.Errorf("postgres: create batch: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: create batch: %w", err)
	}
	return nil
}

package storeutil

import (
	"context"

	"github.com/kesu-go/kesu/complaint"
)

// Paginate walks a log from position after in pages of up to size items:
// fetch appends to page (given empty, with capacity size) the items after
// a position, in order, and must not hold a connection once it returns;
// then fn is called with each item, so fn may use the store. It stops when
// a page comes back short, ctx is done or fn or fetch fails, and returns
// the position of the last item fn accepted (after when none) with the
// error.
func Paginate[T any](ctx context.Context, after int64, size int, fetch func(after int64, page []T) ([]T, error),
	pos func(*T) int64, fn func(*T) error) (int64, error) {
	page := make([]T, 0, size)
	for {
		if err := ctx.Err(); err != nil {
			return after, err
		}
		var err error
		if page, err = fetch(after, page[:0]); err != nil {
			return after, err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return after, err
			}
			after = pos(&page[i])
		}
		if len(page) < size {
			return after, nil
		}
	}
}

// EventPos returns e.Pos, for Paginate.
func EventPos(e *complaint.Event) int64 { return e.Pos }

// RecordPos returns r.Pos, for Paginate.
func RecordPos(r *complaint.Record) int64 { return r.Pos }

package warning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// recorder writes records to a journal: immediately for explicit actions,
// or queued (from the hot path) and flushed on Tick. Without a journal it
// drops them (the entries count their versions).
type recorder struct {
	j       complaint.Journal
	pending map[string][]complaint.Record
	order   []string
}

func newRecorder(j complaint.Journal) *recorder {
	return &recorder{j: j, pending: map[string][]complaint.Record{}}
}

func record(stream string, seq int, typ string, at time.Time, data any) complaint.Record {
	b, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("warning: encoding %s record: %v", typ, err)) // our own types always encode
	}
	return complaint.Record{Stream: stream, Seq: seq, Type: typ, At: at, Data: b}
}

// queue keeps r to be written on the next flush.
func (w *recorder) queue(r complaint.Record) {
	if w.j == nil {
		return
	}
	if len(w.pending[r.Stream]) == 0 {
		w.order = append(w.order, r.Stream)
	}
	w.pending[r.Stream] = append(w.pending[r.Stream], r)
}

// write writes r now, after anything queued for its stream.
func (w *recorder) write(ctx context.Context, r complaint.Record) error {
	if w.j == nil {
		return nil
	}
	if err := w.flush(ctx, r.Stream); err != nil {
		return err
	}
	recs := []complaint.Record{r}
	if err := w.j.AppendRecords(ctx, r.Stream, r.Seq-1, recs); err != nil {
		return fmt.Errorf("warning: journal %s: %w", r.Stream, err)
	}
	return nil
}

func (w *recorder) flush(ctx context.Context, stream string) error {
	recs := w.pending[stream]
	if len(recs) == 0 {
		return nil
	}
	if err := w.j.AppendRecords(ctx, stream, recs[0].Seq-1, recs); err != nil {
		return fmt.Errorf("warning: journal %s: %w", stream, err)
	}
	delete(w.pending, stream)
	return nil
}

func (w *recorder) flushAll(ctx context.Context) error {
	var errs []error
	keep := w.order[:0]
	for _, s := range w.order {
		if len(w.pending[s]) == 0 {
			continue
		}
		if err := w.flush(ctx, s); err != nil {
			errs = append(errs, err)
			keep = append(keep, s)
		}
	}
	w.order = keep
	return errors.Join(errs...)
}

package complaint

import "context"

// NewTicket is a ticket with its first events, as Store.Create takes them;
// BatchCreator stores many at once.
type NewTicket struct {
	Ticket *Ticket
	Events []Event
}

// BatchCreator is an optional capability of a Store, found by type
// assertion: it stores many new tickets in one transaction, for replays and
// bulk loads. CreateBatch checks each entry as Create does; if any entry is
// malformed, or has the ID or non-empty ExternalID of a stored ticket or of
// another entry, it stores nothing and returns an error wrapping ErrInvalid
// or ErrDuplicate. It sets each event's Pos, in the order of the entries.
type BatchCreator interface {
	CreateBatch(ctx context.Context, batch []NewTicket) error
}

// Checkpoints is an optional capability of a Store, found by type
// assertion: projections (warning state, scorecards) save their state with
// the log position it covers, so that on start they load it and scan only
// the events after it instead of the whole log. The state is opaque bytes.
type Checkpoints interface {
	// SaveCheckpoint stores state as the checkpoint called name, covering
	// the log up to and including pos, replacing any earlier one.
	SaveCheckpoint(ctx context.Context, name string, pos int64, state []byte) error
	// LoadCheckpoint returns the checkpoint called name, or an error
	// wrapping ErrNotFound when there is none.
	LoadCheckpoint(ctx context.Context, name string) (pos int64, state []byte, err error)
}

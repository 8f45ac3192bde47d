package kesu

import (
	"context"
	"fmt"

	"github.com/kesu-go/kesu/complaint"
)

// RebuildAfter replays the events of the store's log after position after
// into obs: the tail path of a projection that restored its state from a
// checkpoint (complaint.Checkpoints) saved at that position. Each observer
// sees the ticket after each event, as with Rebuild; a ticket whose earlier
// events lie before after is first folded from the store's Events. With
// after <= 0 it is Rebuild. It returns the position of the last event seen
// (after itself when there is none), and an error when the store fails or
// a stored event does not fold.
func RebuildAfter(ctx context.Context, store complaint.Store, after int64, obs ...Observer) (int64, error) {
	if after <= 0 {
		return Rebuild(ctx, store, obs...)
	}
	tickets := make(map[string]*complaint.Ticket)
	last := after
	err := store.Scan(ctx, after, func(ev *complaint.Event) error {
		t := tickets[ev.Ticket]
		if t == nil {
			t = new(complaint.Ticket)
			if ev.Seq > 1 {
				prior, err := store.Events(ctx, ev.Ticket)
				if err != nil {
					return fmt.Errorf("kesu: rebuild after %d: ticket %s: %w", after, ev.Ticket, err)
				}
				for i := range prior {
					if prior[i].Seq >= ev.Seq {
						break
					}
					if err := complaint.Apply(t, &prior[i]); err != nil {
						return fmt.Errorf("kesu: rebuild after %d: ticket %s at pos %d: %w", after, ev.Ticket, prior[i].Pos, err)
					}
				}
			}
			tickets[ev.Ticket] = t
		}
		if err := complaint.Apply(t, ev); err != nil {
			return fmt.Errorf("kesu: rebuild at pos %d: %w", ev.Pos, err)
		}
		for _, o := range obs {
			o.Observe(ev, t)
		}
		last = ev.Pos
		return nil
	})
	return last, err
}

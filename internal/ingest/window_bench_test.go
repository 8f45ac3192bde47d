package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"

	"github.com/kesu-go/kesu/complaint"
)

// windowStore is what the replay asks of a window: the Window, and the
// refWindow it replaced (the baseline).
type windowStore interface {
	complaint.Store
	GetInto(ctx context.Context, id string, dst *complaint.Ticket, tags *[]complaint.Tag) error
	HoldsExternal(externalID string) bool
	state(externalID string) (string, ticketState, bool)
	Expire(now time.Time) []*complaint.Ticket
	Counts() (closed, expired int64)
	Len() int
}

var (
	_ windowStore = (*Window)(nil)
	_ windowStore = (*refWindow)(nil)
)

// benchTicket returns a ticket shaped like the dense stream's: ids of 9
// bytes, the usual codes filled in, 0 to 5 tags.
func benchTicket(n int, at time.Time, rng *rand.Rand) *complaint.Ticket {
	id := fmt.Sprintf("X%08d", n)
	t := &complaint.Ticket{ID: id, ExternalID: id, Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: "network.quality", Region: "gd.c02.d04.s03", Customer: fmt.Sprintf("C%07d", n%1000000),
		Subscriber: fmt.Sprintf("1%07d", n%1000000), Text: "信号差,无法正常使用", ReceivedAt: at, UpdatedAt: at,
		Status: complaint.StatusHandling, Unit: "unit-6", Queue: "q", Version: 3}
	for k := range rng.IntN(6) {
		t.Tags = append(t.Tags, complaint.Tag{Name: fmt.Sprint("tag-", k), Rule: "rule", At: at})
	}
	return t
}

// appendBenchID appends the id of ticket n, as fmt.Sprintf("X%08d", n).
func appendBenchID(b []byte, n int) []byte {
	b = append(b, "X00000000"...)
	for i := len(b) - 1; n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

// BenchmarkWindowEvent is the window's part of one replayed event over
// 100,000 open tickets (≈ 120 MB of slots, far more than the caches, as in
// the dense replay): the look-up by external id (state), the read into the
// engine's buffers (GetInto), a change (a second or a few minutes later,
// a tag added now and then) and the write back (Append); one event in 64
// closes its ticket and takes a new one in. The baseline is the window
// before this change (refWindow), in the same run.
func BenchmarkWindowEvent(b *testing.B) {
	const open = 100_000
	for _, c := range []struct {
		name string
		new  func() windowStore
	}{
		{"window", func() windowStore { return NewWindow(30 * 24 * time.Hour) }},
		{"baseline-ref", func() windowStore { return newRefWindow(30 * 24 * time.Hour) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(1, 2))
			w := c.new()
			at := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
			ext := make([]int, open) // the tickets' numbers
			for n := range open {
				t := benchTicket(n, at, rng)
				ext[n] = n
				if err := w.Create(ctx, t, nil); err != nil {
					b.Fatal(err)
				}
			}
			next := open
			fresh := make([]*complaint.Ticket, 64) // tickets to take in, made before the timer
			for k := range fresh {
				fresh[k] = benchTicket(next+k, at, rng)
			}
			var tk complaint.Ticket
			probe := make([]byte, 0, 32)
			var tags []complaint.Tag
			evs := make([]complaint.Event, 1)
			tag := complaint.Tag{Name: "urged", Rule: "r", At: at}
			b.ReportAllocs()
			cpu0 := procCPU()
			i := 0
			for b.Loop() {
				i++
				k := int(rng.Uint32() % open)
				// The replay's probe is the row's id, in the decoder's
				// buffer (in the cache): here made in a reused buffer.
				probe = appendBenchID(probe[:0], ext[k])
				id, st, ok := w.state(unsafe.String(&probe[0], len(probe)))
				if !ok || st.status != complaint.StatusHandling {
					b.Fatal(string(probe), ok)
				}
				if err := w.GetInto(ctx, id, &tk, &tags); err != nil {
					b.Fatal(err)
				}
				tk.Version++
				if i%8 == 0 {
					tk.UpdatedAt = tk.UpdatedAt.Add(7 * time.Minute)
				} else {
					tk.UpdatedAt = tk.UpdatedAt.Add(time.Second)
				}
				if i%16 == 0 && len(tk.Tags) < 8 {
					tk.Tags = append(tk.Tags, tag)
					tags = tk.Tags[:0] // kept, as the engine keeps its buffer
				}
				if i%64 == 0 {
					tk.Status = complaint.StatusClosed
				}
				if err := w.Append(ctx, &tk, evs); err != nil {
					b.Fatal(err)
				}
				if i%64 == 0 { // its slot goes to a new ticket
					f := fresh[(i/64)%len(fresh)]
					f.ID = fmt.Sprintf("X%08d", next) // not counted: ≈ 1 row in 64
					f.ExternalID = f.ID
					next++
					if err := w.Create(ctx, f, nil); err != nil {
						b.Fatal(err)
					}
					ext[k] = next - 1
				}
			}
			b.ReportMetric(float64((procCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

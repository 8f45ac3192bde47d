package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/sqlite"
)

// An engine on a SQLite file resumes after a restart: the ticket taken in
// before is there, and taking it in again is idempotent.
func Example() {
	dir, err := os.MkdirTemp("", "kesu")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "kesu.db")
	ctx := context.Background()
	now := func() time.Time { return time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC) }
	in := complaint.Intake{ExternalID: "CRM-1", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: "vas.unaware", Region: "gd.gz.th", Customer: "C1", Text: "未经同意开通彩铃"}

	// First run.
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	eng := kesu.New(kesu.Config{Store: s, Now: now, NewID: complaint.Sequence("T")})
	t, err := eng.Intake(ctx, in)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("taken in:", t.ID, t.Status)
	s.Close()

	// After a restart.
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	eng = kesu.New(kesu.Config{Store: s, Now: now, NewID: complaint.Sequence("X")})
	again, err := eng.Intake(ctx, in)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("again:", again.ID, again.Version)
	n := 0
	last, err := kesu.Rebuild(ctx, s, kesu.ObserverFunc(func(*complaint.Event, *complaint.Ticket) { n++ }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("events rebuilt:", n, "last position:", last)
	// Output:
	// taken in: T00000001 accepted
	// again: T00000001 2
	// events rebuilt: 2 last position: 2
}

// Retain masks the personal data of tickets closed long ago (R9).
func ExampleStore_Retain() {
	dir, err := os.MkdirTemp("", "kesu")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "kesu.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2020, 1, 6, 9, 0, 0, 0, time.UTC)
	eng := kesu.New(kesu.Config{Store: s, Now: func() time.Time { return at }})
	t, err := eng.Intake(ctx, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: "billing.dispute", Region: "gd.gz", Subscriber: "13800000000", Text: "话费异常"})
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range []complaint.Event{
		{Type: complaint.EventDispatched, Dispatch: &complaint.Dispatch{Unit: "gz"}},
		{Type: complaint.EventAssigned, Assign: &complaint.Assign{Assignee: "a1"}},
		{Type: complaint.EventResolved, Resolution: &complaint.Resolution{Outcome: "explained"}},
		{Type: complaint.EventClosed, Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "gz"}}},
	} {
		if _, err := eng.Apply(ctx, t.ID, ev); err != nil {
			log.Fatal(err)
		}
	}
	rep, err := s.Retain(ctx, sqlite.RetentionPolicy{Years: 3, ConsentTags: []string{"consent-recorded"}},
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	got, err := s.Get(ctx, t.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("masked:", rep.Masked, "events rewritten:", rep.Events)
	fmt.Println(got.Subscriber, got.Text, got.Status)
	// Output:
	// masked: [T00000001] events rewritten: 1
	// *** *** closed
}

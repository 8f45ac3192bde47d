package warning_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scenario"
	"github.com/kesu-go/kesu/warning"
)

type recordNotifier struct{ out *[]warning.Notice }

func (r recordNotifier) Notify(_ context.Context, ns []warning.Notice) error {
	*r.out = append(*r.out, ns...)
	return nil
}

// TestDumpWarnings writes every notice, tag action, ledger entry and the
// summary of a 60-day generated stream as JSON to $KESU_WARN_DUMP, to
// compare the decisions of two builds byte for byte (an optimisation must
// not change them). It is skipped unless the variable is set.
func TestDumpWarnings(t *testing.T) {
	path := os.Getenv("KESU_WARN_DUMP")
	if path == "" {
		t.Skip("set KESU_WARN_DUMP to a file to dump the warnings of a 60-day stream")
	}
	if err := os.WriteFile(path, dumpStreams(t, 60), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dumpStreams replays a carrier and a utility stream of the given days
// through a Monitor (a Tick every 10 minutes, then ten days of Ticks) and
// returns every notice, tag action, ledger entry, active warning and the
// summary as indented JSON.
func dumpStreams(t *testing.T, days int) []byte {
	t.Helper()
	ctx := context.Background()
	type dump struct {
		Notices []warning.Notice
		Actions []warning.Action
		Entries []warning.Entry
		Active  []warning.Warning
		Summary warning.Summary
	}
	var all []dump
	for _, cfg := range []scenario.GenConfig{
		{Seed: 7, Days: days, Incidents: 8},
		{Profile: "utility", Seed: 11, Days: days, Incidents: 8},
	} {
		s, err := scenario.Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var d dump
		off := warning.Duration(0)
		mon, err := warning.NewMonitor(ctx, warning.Options{Notifier: recordNotifier{&d.Notices},
			Config: warning.Config{Deadline: warning.DeadlineConfig{Appeal: &off}}})
		if err != nil {
			t.Fatal(err)
		}
		var next time.Time
		for it := range s.Items() {
			if it.Intake == nil {
				continue
			}
			if next.IsZero() {
				next = it.At.Truncate(10 * time.Minute).Add(10 * time.Minute)
			}
			for !it.At.Before(next) {
				if err := mon.Tick(ctx, next); err != nil {
					t.Fatal(err)
				}
				next = next.Add(10 * time.Minute)
			}
			ev := complaint.Event{Ticket: it.Intake.ExternalID, Seq: 1, Type: complaint.EventReceived, At: it.At, Intake: it.Intake}
			tk := new(complaint.Ticket)
			if err := complaint.Apply(tk, &ev); err != nil {
				t.Fatal(err)
			}
			mon.Observe(&ev, tk)
			d.Actions = append(d.Actions, mon.Actions()...)
		}
		for range 6 * 24 * 10 { // ten more days: warnings end, repeat notices
			if err := mon.Tick(ctx, next); err != nil {
				t.Fatal(err)
			}
			next = next.Add(10 * time.Minute)
		}
		d.Actions = append(d.Actions, mon.Actions()...)
		d.Entries = mon.Ledger().Entries()
		d.Active = mon.Active()
		d.Summary = mon.Ledger().Summary()
		t.Logf("%+v: %d notices, %d actions, %d entries, %d active", cfg, len(d.Notices), len(d.Actions), len(d.Entries), len(d.Active))
		all = append(all, d)
	}
	b, err := json.MarshalIndent(all, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

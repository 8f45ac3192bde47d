package warning_test

import (
	"bytes"
	"testing"
	"testing/synctest"
)

// TestDetectorsUnderSynctest runs every detector's, the ledger's and the
// problems' hand-built tests inside a synctest bubble, where the clock is
// fake and starts in 2000: they see time only through their events and
// Tick, so they pass there as they do outside.
func TestDetectorsUnderSynctest(t *testing.T) {
	for _, c := range []struct {
		name string
		test func(*testing.T)
	}{
		{"BatchFiresOnBurstNotBefore", TestBatchFiresOnBurstNotBefore},
		{"BatchNeedsDistinctCustomers", TestBatchNeedsDistinctCustomers},
		{"BatchParentInhibitsChild", TestBatchParentInhibitsChild},
		{"EscalationScore", TestEscalationScore},
		{"RepeatContact", TestRepeatContact},
		{"DeadlineAlarms", TestDeadlineAlarms},
		{"DeadlineReopenedTicketOwnSchedule", TestDeadlineReopenedTicketOwnSchedule},
		{"OutageCorrelation", TestOutageCorrelation},
		{"TrendWeekOverWeek", TestTrendWeekOverWeek},
		{"LedgerTransitionsAndReload", TestLedgerTransitionsAndReload},
		{"LookbackReopensRecurrence", TestLookbackReopensRecurrence},
		{"ProblemLifecycle", TestProblemLifecycle},
		{"ProblemRecurrence", TestProblemRecurrence},
		{"RepeatNoticeIsUnchanged", TestRepeatNoticeIsUnchanged},
	} {
		t.Run(c.name, func(t *testing.T) { synctest.Test(t, c.test) })
	}
}

// TestDeterministicUnderSynctest replays two generated 10-day streams
// (with incidents) twice in synctest bubbles and once on the real clock:
// every notice, tag action, ledger entry, active warning and the summary
// are the same bytes each time. A detector that read the wall clock, a map
// order or a goroutine's timing would differ.
func TestDeterministicUnderSynctest(t *testing.T) {
	if testing.Short() {
		t.Skip("three replays of two 10-day streams")
	}
	var a, b []byte
	synctest.Test(t, func(t *testing.T) { a = dumpStreams(t, 10) })
	synctest.Test(t, func(t *testing.T) { b = dumpStreams(t, 10) })
	c := dumpStreams(t, 10)
	if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
		t.Fatalf("the dumps differ: %d, %d and %d bytes", len(a), len(b), len(c))
	}
	if len(a) < 1000 || !bytes.Contains(a, []byte(`"reason": "new"`)) {
		t.Fatalf("the dump holds no notices (%d bytes): the comparison proves nothing", len(a))
	}
}

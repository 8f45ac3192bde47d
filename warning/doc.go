// Package warning turns the complaint stream into early warnings, tracks
// each warning to a verified closure in a ledger, and turns warnings into
// root-cause problems (DOMAIN.md R16–R22, R30).
//
// # The Monitor
//
// A Monitor is the one object an engine needs: it is a kesu.Observer (it
// sees every stored event) and a kesu.Ticker (time-driven work).
//
//	mon, err := warning.NewMonitor(ctx, warning.Options{Config: cfg, Journal: store})
//	eng := kesu.New(kesu.Config{Store: store, Observers: []kesu.Observer{mon}, Tickers: []kesu.Ticker{mon}})
//	...
//	eng.Tick(ctx, now)                 // alarms, look-backs, ledger writes, notices
//	for _, a := range mon.Actions() {  // tags for member tickets, merges
//		eng.Apply(ctx, a.Ticket, a.Event)
//	}
//
// Observe only updates memory: it never blocks on I/O and never calls the
// engine. Tags the detectors want on tickets (batch member, escalation
// tendency, warning issued, outage related) wait in Actions.
//
// # Detectors
//
// Each detector is a projection of the event stream with bounded state per
// key; time comes from the events (a ticket's ReceivedAt) or from Tick.
//
//   - Batch (R17): per key, a 24-hour ring of 15-minute counts and a
//     four-week ring of hourly counts. On every ticket the trailing 15m, 1h
//     and 24h windows are tested against the hour-of-week baseline (the
//     same hour over the last four weeks, shrunk toward the key's overall
//     rate shaped by its parent's profile; hours that had a warning are
//     left out) with a negative-binomial tail test, dispersion
//     φ = max(1, var/mean) estimated from daily Pearson residuals. A warning
//     needs at least 5 tickets from 3 distinct customers and a p-value under
//     a threshold derived from the false-alarm budget of the whole system
//     (grade III 1/day, II 1/week, I 1/month, divided among the live keys,
//     the windows and the independent windows per day). Keys are region-L3
//     × sub-category, region-L2 × category, partner × region-L1 and product;
//     a young key borrows its baseline from its parent. A parent burst
//     inhibits its children; two children bursting at once roll up to the
//     parent. Member tickets get the batch-member tag.
//   - Trend (R17, R25): on region-L2 × category and province × category,
//     the last 7 days against the 7 before by a conditional binomial
//     rate-ratio test (ratio ≥ 1.5, ≥ 10 tickets), and a daily CUSUM
//     (k = 0.5, h = 5).
//   - Escalation tendency (R16): an additive point score per customer, each
//     point with its reason: earlier contacts on the same issue, earlier
//     regulator escalations, deadline share used, regulator or media words
//     (工信部, 12300, 12398, 媒体, 律师, 曝光…), a regulator or media channel,
//     the professional-complainant and sensitive flags, urges,
//     dissatisfaction. Graded by thresholds (III 5, II 8, I 11).
//   - Deadlines (R18): a min-heap of alarms at 80 % (countdown), 100 %
//     (overdue) and 150 % (severe) of each stage's allowed time, paused
//     while the ticket waits on the customer, with the regulator's clock and
//     the appeal clock (15 days) beside the internal ones. With a
//     WorkingTime (complaint/calendar) the shares count working time.
//   - Repeat contact (R15): customer × sub-category over 7 and 30 days.
//   - Outage correlation (R19): outages come from an OutageSource (the
//     Outage adapter; MemOutages in memory) or AddOutage; tickets from an
//     outage's area and window are linked, and warnings are raised for
//     important users affected, a low advance-notice share, repeated
//     outages in an area, and complaints from the outage area.
//
// # Warnings, grades and grouping
//
// Every Warning carries its Evidence: the key, the window, the observed
// count, the baseline, the threshold or p-value, the member tickets (at most
// Config.MaxMembers) and the rule, plus an Explanation sentence. Its grade
// comes from the detector, then from the grading standard in the policy
// (the grades section: rules with expr-lang conditions over GradeEnv; the
// most severe match wins) and GradedBy names the rule. The fingerprint is
// the kind plus the sorted key labels: a new member of an open warning
// updates it instead of raising another. Notices follow Alertmanager's
// group wait, group interval and repeat interval; a mass incident groups the
// customer-level warnings under it (Parent) but never mutes them. A
// "repeat" notice repeats the warning's previous notice unchanged; a
// Notifier that keeps the latest state of each warning (a replay, a
// report) has no use for them: Options.NoRepeatNotices turns them off.
//
// # Ledger and problems
//
// The Ledger takes every warning raised → acknowledged → handled (feedback)
// → verified → closed, recording acknowledgement and feedback timeliness by
// grade; look-backs at +7 and +30 days re-test the key and reopen the
// warning as a recurrence when it fires again. Problems hold the cases, the
// value at stake, the analysis and the rectification actions (owning
// department, due date, verification) of a root cause; they close only
// after a look-back with no recurrence. Both are journaled as
// complaint.Records (streams "warning/<id>" and "problem/<id>") in the
// store's complaint.Journal, so NewMonitor rebuilds them after a restart,
// and kesu.Rebuild replays the detectors without raising anything twice:
// warning ids derive from the fingerprint and the raise time.
//
// The ledger's memory is bounded by the open entries plus a recent window
// (LedgerConfig.Recent, default 1000); the journal keeps the full history.
// An entry leaves memory (is archived) when
//
//   - it is a per-ticket warning (deadline, repeat, escalation) whose
//     condition ended (the stage was done, the ticket closed, the customer
//     went quiet): if nobody acknowledged it, the ledger first closes it
//     itself (record "expired", ClosedBy AutoClosedBy, no look-backs),
//     otherwise it keeps its state for its handlers; or
//   - it is closed and all its look-backs are done.
//
// Summary still counts archived entries; Entries lists the open and the
// recently archived ones; Get and the ledger steps reload an archived entry
// from the journal by id (without a journal, an entry beyond the recent
// window is gone: the error wraps ErrArchived). The Monitor's Tick costs
// O(due items · log n): alarms, notices and look-backs wait in min-heaps by
// due time, and stale heap entries (of closed tickets) are dropped lazily.
//
// # Policy
//
// LoadConfig reads the warnings, grades and ledger sections of a policy file;
// every number above is a setting there, with file:line errors.
//
//	warnings:
//	  batch: {windows: [15m, 1h, 24h], min_tickets: 5, min_customers: 3, budget: {III: 1/day, II: 1/week, I: 1/month}}
//	  escalation: {grades: {III: 5, II: 8, I: 11}}
//	  deadline: {countdown: 0.8, overdue: 1.0, severe: 1.5}
//	grades:
//	  - {id: mass-incident, kind: batch, when: 'members >= 50', grade: I}
//	ledger:
//	  ack: {I: 30m}
//	  lookback: [7d, 30d]
package warning

// Package scenario runs complaint stories as tests and makes synthetic
// complaint streams.
//
// A scenario is a YAML file that says what happens — tickets come in, time
// passes, agents and customers act — and what kesu must make of it: the
// ticket's status, tags, route and deadlines, the warnings raised, the
// ledger, KPI values and partner sanctions. A carrier's QA writes the story;
// go test runs it:
//
//	func TestStories(t *testing.T) {
//		scenario.Run(t, "testdata/vas-batch.yaml")
//	}
//
// Run builds a fresh kesu.Engine on a fake clock for each run, so a scenario
// is deterministic: the same file gives the same result, byte for byte.
//
// # The file
//
//	name: VAS partner batch
//	start: 2025-03-03 09:00        # the clock before the first step
//	zone: Asia/Shanghai            # default Asia/Shanghai
//	tick: 1h                       # how often time-driven work runs (default 1h)
//	policy: ../policy/carrier.yaml # a path (relative to this file) or an inline mapping
//	customers:
//	  - {id: C1, flags: [professional-complainant], owner: A007, region: gd.gz.th}
//	outages:
//	  - {id: O1, area: gd.gz.th, start: 2025-03-03 08:00, end: 2025-03-03 20:00, important_users: [C9]}
//	steps:
//	  - intake: {ref: t1, category: vas.unaware, region: gd.gz.th, customer: C1, partner: SP01}
//	  - advance: 2h
//	  - urge: t1
//	  - expect: {ticket: t1, status: handling, queue: vas, tags: [professional-complainant]}
//
// Unknown keys, malformed values and malformed steps are refused by Load and
// Parse, all at once, each with file:line and the path of the key.
//
// # Steps
//
// Each step is a mapping with exactly one action key:
//
//   - advance: 2h — move the clock forward (durations take d and w too:
//     "3d", "1w2d"); at: 2025-03-04 10:00 — move it to a time (never back).
//     The engine's Tick runs at every multiple of tick passed on the way, so
//     countdown and overdue alarms fire when they should.
//   - tick: {} — run the engine's time-driven work now.
//   - intake: the fields of complaint.Intake (kind and channel default to
//     complaint and hotline) and a ref naming the ticket for later steps.
//     With count: N and spread: 2h it takes in a batch of N tickets spread
//     evenly over the spread (the clock moves with them); the members are
//     ref.1 … ref.N, and "{n}" in customer, subscriber, external_id and text
//     becomes the member's number.
//   - a ticket action: accept, dispatch, assign, transfer, contact, urge,
//     info, note, wait, resume, reply, approve, escalate, resolve, visit,
//     reopen, close, merge. The value is a ref ("urge: t1") or a mapping with
//     ticket, by (the actor's id), tier (the actor's tier), text and the
//     action's own fields (dispatch and transfer: unit, queue, priority,
//     handling; assign: assignee; approve: amount; escalate: target;
//     resolve: outcome, refund, compensation in yuan; visit: satisfied,
//     score; close: unit, department, person, cause, controllable, side,
//     handling; merge: problem). Naming a batch applies the action to every
//     member.
//   - ledger: {kind, key, do, by, text} — take the warning of that kind
//     (and key; else the latest raised) one step along the ledger: do is
//     acknowledge, handle (text is the feedback), verify or close.
//   - expect: the expectations below.
//
// A ticket action or intake may add error: TEXT: the step must then be
// refused with an error whose message contains TEXT (or that is one of
// complaint's sentinel errors whose text does, e.g. "invalid transition").
// An action that is refused without error: fails the run at that step.
//
// # Expectations
//
// On a ticket (ticket: REF; a batch ref checks every member): status, tags
// (each present), no_tags, tagged_by (tag: rule id), tier, unit, queue,
// assignee, route (the routing explanation), priority, handling, green,
// centralised, escalated, urges, transfers, reopens, deadlines
// (first_contact, reply, resolve, regulator: times), no_deadline,
// sla_profile.
//
// On the projections: warnings (each {kind, grade, key, members} must match
// a distinct warning raised so far; unset fields match anything),
// no_warnings (kinds that must not have been raised), ledger ({kind, key,
// state, recurrences}), kpis ({name, scope, period, value, tolerance, status}) and
// sanctions ({partner, action, months}), share (the centralised-handling
// share of routing decisions: {value, tolerance, decisions}).
//
// KPI scopes are "" (everything) or "dimension=unit" ("city=gd.gz",
// "partner=SP01"); periods are "" (the month of the clock), a period kind
// ("week", "month", "year") or a period ("2025-03", "2025-W10").
//
// # Failures
//
// A failure names the file, the line of the step (or of the expectation
// inside it), the step, and what was wanted against what was found:
//
//	vas-batch.yaml:31: expect t1: queue: want "vas", got "billing"
//	vas-batch.yaml:40: reply t1: refused: complaint: ticket T00000001 is accepted: replied not allowed (…)
//
// Run reports them with t.Errorf; Check returns them as a Result for
// programs such as the kesu command.
package scenario

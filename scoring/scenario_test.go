package scoring_test

import (
	"time"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

// testPolicy is the policy of the hand-computed scenario.
const testPolicy = `version: 1
zone: Asia/Shanghai
customers:
  bases:
    - {dimension: all, count: 20000}
    - {dimension: city, unit: gd.gz, count: 8000}
    - {dimension: city, unit: gd.sz, count: 12000}
targets:
  - {kpi: complaints_per_10k, target: "<= 4", period: month}
  - {kpi: escalated_per_million, target: "top 1", dimension: city}
`

// march plays the hand-computed scenario (times in Asia/Shanghai):
//
//	T0 2024-03-05 vas.unaware complaint (SP1/BC1), left open
//	T7 2024-12-31 23:59 complaint; T8 2025-01-01 00:00 complaint (year boundary)
//	T1 2025-03-03 billing.dispute: dispatched centralised (team-a), a1, replied
//	   and resolved on time (4 h), satisfied, closed front-line, controllable
//	T2 2025-03-04 vas.unaware (SP1/BC1, app): dispatched (team-b, not
//	   centralised), transferred, a2, waits 24 h, replied late, resolved late
//	   (51 h), dissatisfied, reopened, resolved with a refund (120 h),
//	   satisfied, closed back-office
//	T3 2025-03-10 escalated via 12300, marketing.unaware: centralised, a1,
//	   urged, resolved (24 h, no deadlines), satisfied, closed functional,
//	   controllable
//	T4 2025-03-12 vas.unaware repeat of T2 (SP1/BC2): centralised, a2, open
//	T5 2025-03-13 a consultation (not a complaint)
//	T6 2025-03-31 23:30 network.quality; escalated to the media at 23:50
//	warnings: W1 raised 03-05, feedback on time 03-06, closed 03-25;
//	          W2 raised 03-20, feedback late 03-22
func march(w *world) map[string]string {
	ids := map[string]string{}
	ids["T0"] = w.intake(at(2024, 3, 5, 10, 0), complaint.Intake{Kind: complaint.KindComplaint, Category: "vas.unaware", Region: "gd.gz.yx.s01", Partner: "SP1", BillingCode: "BC1"})
	ids["T7"] = w.intake(at(2024, 12, 31, 23, 59), complaint.Intake{Kind: complaint.KindComplaint, Category: "billing.dispute"})
	ids["T8"] = w.intake(at(2025, 1, 1, 0, 0), complaint.Intake{Kind: complaint.KindComplaint, Category: "billing.dispute"})

	t1 := w.intake(at(2025, 3, 3, 9, 0), complaint.Intake{Kind: complaint.KindComplaint, Category: "billing.dispute", Region: "gd.gz.th.s01"})
	w.dispatch(t1, at(2025, 3, 3, 9, 10), "gz-centre", "team-a", true)
	w.assign(t1, at(2025, 3, 3, 9, 15), "a1")
	w.deadlines(t1, at(2025, 3, 3, 9, 20), at(2025, 3, 3, 12, 0), at(2025, 3, 4, 9, 0))
	w.reply(t1, at(2025, 3, 3, 10, 0))
	w.resolve(t1, at(2025, 3, 3, 13, 0), 0)
	w.visit(t1, at(2025, 3, 4, 10, 0), true)
	w.close(t1, at(2025, 3, 4, 11, 0), "front-line", "sales", true, complaint.HandlingImmediate)

	t2 := w.intake(at(2025, 3, 4, 9, 0), complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelApp, Category: "vas.unaware", Region: "gd.gz.yx.s01", Partner: "SP1", BillingCode: "BC1"})
	w.dispatch(t2, at(2025, 3, 4, 9, 10), "yx-branch", "team-b", false)
	w.deadlines(t2, at(2025, 3, 4, 9, 20), at(2025, 3, 4, 18, 0), at(2025, 3, 6, 9, 0))
	w.do(t2, at(2025, 3, 4, 10, 0), complaint.Event{Type: complaint.EventTransferred, Dispatch: &complaint.Dispatch{Unit: "gz-centre", Queue: "team-a", Centralised: true}})
	w.assign(t2, at(2025, 3, 4, 11, 0), "a2")
	w.do(t2, at(2025, 3, 5, 9, 0), complaint.Event{Type: complaint.EventWaiting})
	w.do(t2, at(2025, 3, 6, 9, 0), complaint.Event{Type: complaint.EventResumed})
	w.reply(t2, at(2025, 3, 6, 10, 0))
	w.resolve(t2, at(2025, 3, 7, 12, 0), 0)
	w.visit(t2, at(2025, 3, 8, 9, 0), false)
	w.do(t2, at(2025, 3, 8, 10, 0), complaint.Event{Type: complaint.EventReopened, Text: "still charged"})
	w.resolve(t2, at(2025, 3, 10, 9, 0), 500)
	w.visit(t2, at(2025, 3, 10, 10, 0), true)
	w.close(t2, at(2025, 3, 10, 11, 0), "back-office", "billing-ops", false, complaint.HandlingCoordination)

	t3 := w.intake(at(2025, 3, 10, 10, 0), complaint.Intake{Kind: complaint.KindEscalated, Channel: complaint.ChannelMIIT, Category: "marketing.unaware", Region: "gd.sz.ns.s01"})
	w.dispatch(t3, at(2025, 3, 10, 10, 5), "sz-centre", "team-c", true)
	w.assign(t3, at(2025, 3, 10, 10, 10), "a1")
	w.do(t3, at(2025, 3, 10, 15, 0), complaint.Event{Type: complaint.EventUrged, Actor: complaint.Actor{Kind: complaint.ActorCustomer}})
	w.resolve(t3, at(2025, 3, 11, 10, 0), 0)
	w.visit(t3, at(2025, 3, 11, 11, 0), true)
	w.close(t3, at(2025, 3, 11, 12, 0), "functional", "marketing", true, complaint.HandlingProject)

	t4 := w.intake(at(2025, 3, 12, 9, 0), complaint.Intake{Kind: complaint.KindComplaint, Category: "vas.unaware", Region: "gd.gz.th.s02", Partner: "SP1", BillingCode: "BC2", RepeatOf: t2})
	w.dispatch(t4, at(2025, 3, 12, 9, 10), "gz-centre", "team-a", true)
	w.assign(t4, at(2025, 3, 12, 9, 15), "a2")

	ids["T5"] = w.intake(at(2025, 3, 13, 9, 0), complaint.Intake{Kind: complaint.KindConsultation, Category: "other", Region: "gd.gz.th"})
	t6 := w.intake(at(2025, 3, 31, 23, 30), complaint.Intake{Kind: complaint.KindComplaint, Category: "network.quality", Region: "gd.sz.ft.s01"})
	w.do(t6, at(2025, 3, 31, 23, 50), complaint.Event{Type: complaint.EventEscalated, Escalation: &complaint.Escalation{Target: "media"}})

	w.book.ObserveWarning(scoring.Warning{ID: "W1", Kind: scoring.WarningRaised, At: at(2025, 3, 5, 12, 0), Region: "gd.gz.yx", Category: "vas.unaware"})
	w.book.ObserveWarning(scoring.Warning{ID: "W1", Kind: scoring.WarningFeedback, At: at(2025, 3, 6, 12, 0), Region: "gd.gz.yx", Category: "vas.unaware", OnTime: true})
	w.book.ObserveWarning(scoring.Warning{ID: "W2", Kind: scoring.WarningRaised, At: at(2025, 3, 20, 12, 0), Region: "gd.sz.ns", Category: "marketing.unaware"})
	w.book.ObserveWarning(scoring.Warning{ID: "W2", Kind: scoring.WarningFeedback, At: at(2025, 3, 22, 12, 0), Region: "gd.sz.ns", Category: "marketing.unaware"})
	w.book.ObserveWarning(scoring.Warning{ID: "W1", Kind: scoring.WarningClosed, At: at(2025, 3, 25, 12, 0), Region: "gd.gz.yx", Category: "vas.unaware"})
	ids["T1"], ids["T2"], ids["T3"], ids["T4"], ids["T6"] = t1, t2, t3, t4, t6
	return ids
}

var _ = time.Second

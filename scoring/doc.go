// Package scoring turns the complaint event stream into KPI scorecards,
// targets, rankings, appraisals, piece-rate pay, partner sanctions and
// periodic reports (DOMAIN.md R23–R27).
//
// # Books and scorecards
//
// A [Book] is a projection of the event stream: register it as an observer
// of the engine (it implements kesu.Observer) or replay a stored log into it
// with kesu.Rebuild, and read a [Scorecard] for any kept dimension, unit and
// period at any moment:
//
//	pol, err := scoring.Load("policy.yaml")     // or scoring.Default()
//	book, err := scoring.NewBook(pol, scoring.BookConfig{Subscribers: billing})
//	eng := kesu.New(kesu.Config{Observers: []kesu.Observer{book}})
//	sc, err := book.Scorecard(ctx, "city", "gd.gz", scoring.PeriodOf(scoring.Month, now, pol.Zone()), now)
//
// Per event a Book does a fixed amount of work — at most one map lookup per
// ticket field the kept dimensions are made of (region serves province,
// city, county and branch) and a few counter increments per kept period —
// and, once a unit and period have been seen, allocates nothing. Periods
// (day, week, month, quarter, year) are calendar periods in the policy's
// time zone (Asia/Shanghai by default).
//
// # Facts
//
// KPIs count facts. Each fact reads only ticket fields that are settled when
// it is counted, so that a Book rebuilt from the log equals the one kept
// live (the engine shows an observer the ticket after a whole batch, a
// replay after each event):
//
//	received         on intake, at ReceivedAt; kind, channel, category, region,
//	                 partner, billing code, product; "repeat" when RepeatOf is set
//	escalated        on intake from a regulator line or as kind escalated, and on
//	                 each later escalation to 12300, 12398, provincial,
//	                 group-hotline or media
//	tagged           each tag a ticket gets (Tags filters match the tag set)
//	dispatched       the first dispatch: unit, team (queue), "centralised"
//	transferred      each transfer
//	urged            each urge by the customer
//	resolved         each resolution, with unit, team and agent; durations reply,
//	                 resolve (less waiting on the customer) and first-contact;
//	                 reply-due, reply-on-time, resolve-due, resolve-on-time,
//	                 overdue, compensated
//	visited          each return visit, with unit, team and agent; "satisfied"
//	reopened         each reopening
//	closed           each closing, with unit, team, agent and the responsibility
//	                 (department, responsible unit, side) and handling class;
//	                 fcr (never transferred, reopened or urged), transferred,
//	                 reopened, repeat, centralised, controllable, green,
//	                 escalated, compensated
//	warning-raised, warning-closed, warning-feedback ("on-time")
//	                 from [Book.ObserveWarning]
//
// Tags and customer flags (which the tagging stage records as tags) match
// tags set strictly before the fact's time; at intake a ticket has none. A
// fact counts under a dimension only when its value is known then: a
// received complaint counts under its region and category, not yet under an
// agent.
//
// # KPIs and targets
//
// A [KPI] is data: a count, a ratio of two [Counter]s, a count per customer
// (per 10,000 or per million, with the customer base from the policy's
// customers.bases or a [SubscriberCounter]), a mean or quantile of a
// duration, or the change of another KPI against the same period last year
// or the previous period. [Builtins] are the KPIs of R23 and R24, available
// by id; a policy's kpis section adds KPIs or replaces a built-in. Missing
// data is explicit: a [Value] with OK false, never NaN.
//
// A [Target] ("<= 38", ">= 79", "<= -25" on a change, "top 9") gives each
// scorecard line an [Assessment]: met, at risk or missed, judged on the
// projection to the end of the period while it runs. [DefaultTargets] are
// R23's. [Book.Ranking] ranks the units of a dimension, as the energy
// regulator ranks provinces per million customers.
//
// # Appraisal and pay
//
// An [Appraisal] scheme weights KPIs of teams or agents (service, volume,
// effectiveness, process) into a 0–100 score, each component explained
// ([Book.Appraise]). The pay section prices closed tickets by category and
// handling class; [Book.PayStatement] shows quantity × unit price for every
// line and the adjustments.
//
// # Partner sanctions
//
// [Sanctions] keeps monthly complaint counts per VAS partner and billing
// code, takes batch warnings with [Sanctions.ObserveBatch], and decides by
// the [SanctionPolicy] (R27): suspend 3 months after a batch, 6 months after
// batches in consecutive months, take billing codes offline when the
// complaints do not clearly drop the month after, and a branch's request of
// 3–6 months. Each decision is recorded once with its evidence in the
// store's complaint.Journal (stream "sanction/<partner>") and carried out on
// Tick through a [Sanctioner]; failed calls are retried with backoff and
// never lost.
//
// # Reports
//
// [Book.Report] builds the weekly analysis, monthly summary and yearly
// bulletin of R25 as a [Report]: KPIs against targets, distributions by
// problem, region, business type, responsibility and handling effect,
// hotspots, the top locally controllable problems and warning closure
// figures, rendered by [Report.WriteText] or as JSON.
//
// # Metrics
//
// [NewCollector] exposes a Book's counts to Prometheus on a Registerer the
// caller gives, with low-cardinality labels only.
//
// # Concurrency
//
// Book and Sanctions are safe for concurrent use; Policy is immutable. No
// goroutines are started.
package scoring

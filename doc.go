// Package kesu (客诉, "customer complaint") is an embeddable complaint-control
// engine for telecom carriers and power utilities: it takes complaint tickets
// in, tags and routes them by a policy written as data, warns before
// customers escalate to the regulator or complain in numbers, and scores
// units, teams and people on complaint KPIs.
//
// # Packages
//
//   - kesu (this package): the [Engine] that takes tickets in, applies actions
//     through the lifecycle, runs the stages and feeds the observers.
//   - [github.com/kesu-go/kesu/complaint]: the shared vocabulary — tickets,
//     events and their lifecycle, customers, category and region taxonomies,
//     the customer-facing timeline, the Store interface and an in-memory store.
//   - [github.com/kesu-go/kesu/complaint/calendar]: working days with Chinese
//     holidays and make-up days (调休), per year, failing loudly for a year it
//     has no data for.
//   - [github.com/kesu-go/kesu/routing]: the policy file's tag rules, routing
//     tree, queues and assignment, SLA deadlines, authorisation and transfer
//     limits; a Stage and a Guard for the engine.
//   - [github.com/kesu-go/kesu/warning]: early-warning detectors (batch,
//     trend, escalation tendency, deadlines, repeat contact, outages), grades,
//     grouping, the warning ledger and root-cause problems.
//   - [github.com/kesu-go/kesu/scoring]: KPIs, scorecards, targets, rankings,
//     appraisal and pay, partner sanctions and periodic reports.
//   - [github.com/kesu-go/kesu/adapters]: the plugin contracts (Billing, CRM,
//     Outages) for a carrier's own systems, with
//     [github.com/kesu-go/kesu/adapters/host] to run plugins and
//     [github.com/kesu-go/kesu/adapters/adaptertest] to check them.
//   - [github.com/kesu-go/kesu/sqlite] and [github.com/kesu-go/kesu/postgres]:
//     durable stores (one file; or one database shared by many instances).
//   - [github.com/kesu-go/kesu/scenario]: scenario files for test suites and
//     a generator of synthetic complaint streams; cmd/kesu is the command
//     (replay a history, generate, run scenarios, check a plugin).
//
// # Getting started
//
// Everything that happens to a ticket is an event; the engine stores the
// events of one change together with what the stages decided, then passes
// every stored event on:
//
//	Intake / Apply ─→ lifecycle (complaint.Apply) ─→ stages: tag → route → assign → deadlines
//	              ─→ store (atomic per ticket)   ─→ observers: warning.Monitor, scoring.Book, …
//	Tick(now)      ─→ deadline alarms, look-backs, sanctions, retried profiles
//
// The wiring, with the carrier preset policy (routing, warning and scoring
// import this package, so the wiring lives in the program, not here):
//
//	pol, _ := routing.Load("examples/policy/carrier.yaml")
//	hist, load := routing.NewHistory(), routing.NewWorkload()
//	st := routing.NewStage(pol, routing.Options{History: hist, Workload: load})
//	mon, _ := warning.NewMonitor(ctx, warning.Options{Journal: store})
//	book, _ := scoring.NewBook(scoring.Default(), scoring.BookConfig{})
//	eng := kesu.New(kesu.Config{Store: store, Now: clock, Categories: pol.Categories(),
//		Stages: []kesu.Stage{st}, Guards: []kesu.Guard{st.Guard()},
//		Observers: []kesu.Observer{hist, load, mon, book}, Tickers: []kesu.Ticker{hist, mon}})
//	t, err := eng.Intake(ctx, complaint.Intake{...}) // idempotent on ExternalID
//	t, err = eng.Apply(ctx, t.ID, complaint.Event{Type: complaint.EventReplied, Text: "…"})
//
// Time comes from Config.Now and ids from Config.NewID, so the same input
// gives the same output, byte for byte. examples/quickstart runs all of it.
//
// For throughput (a replay, a bulk import) the projections nobody reads
// between Ticks — the warning Monitor and the scoring Book, not the routing
// History or Workload the stages read — can go in Config.Background: they
// see the same events in the same order on a goroutine of their own, and
// Tick waits for them, so results are the same. Engine.Take and Engine.Act
// are Intake and Apply without the copy of the ticket they return. Over a
// store that copies what it is given (the replay window), the engine has
// an AppendStage (routing's) decide into its reused Payloads, and hands an
// ActionRecycler (the warning Monitor) its applied actions back, so that
// neither allocates per ticket. A store that forgets open tickets (the
// replay window drops those idle past its horizon) calls Engine.Forget,
// and the observers that keep state per open ticket — Forgetters: the
// Monitor's deadline clocks and warnings, routing's Workload and History — drop them
// too, so their memory follows the store's.
//
// # Writing an adapter
//
// A carrier attaches its billing, CRM or outage system as a plugin: a small
// program that implements any of adapters.Billing, adapters.CRM and
// adapters.Outages and calls adapters.Serve in main. The host
// (adapters/host) launches it with mutual TLS, puts a deadline on every call,
// retries what can be retried, restarts it when it crashes and caches
// profiles; a plugin that is down never loses a ticket (the ticket is taken
// with complaint.TagProfilePending and enriched on a later Tick). Check a
// plugin with adaptertest or `kesu plugin check PATH`; examples/billing-plugin
// and examples/crm-plugin are working plugins backed by JSON files.
package kesu

// Package kesu (客诉, "customer complaint") is an embeddable complaint-control
// engine for telecom carriers and power utilities: it takes complaint tickets
// in, tags and routes them by a policy written as data, warns before
// customers escalate to the regulator or complain in numbers, and scores
// units, teams and people on complaint KPIs.
//
// # Packages
//
//   - [github.com/kesu-go/kesu/complaint]: the shared vocabulary — tickets,
//     events and their lifecycle, customers, taxonomies, the customer-facing
//     timeline, the Store interface and an in-memory store.
//   - kesu (this package): the Engine that wires a store, the stages
//     (tagging, routing, assignment, deadlines) and the observers (warnings,
//     scoring) together.
//
// # Getting started
//
// Every change to a ticket is an event; the engine stores the events and
// passes them on:
//
//	intake → tag → route → assign → deadlines   (stages, stored atomically with the change)
//	       → store → observers: warning detectors, KPI scorecards
//
// Build an engine with New, take tickets in with Engine.Intake (idempotent
// on the caller's external id), act on them with Engine.Apply (the lifecycle
// refuses steps it does not allow), and call Engine.Tick for time-driven
// work. Time comes from Config.Now and ids from Config.NewID, so a run is
// deterministic.
package kesu

// Package routing turns a carrier's or utility's policy file into decisions
// for each complaint ticket: which tags it gets (DOMAIN.md R10), where it
// goes — tier, unit, queue, priority, handling class, green channel,
// centralised or on site (R11–R15) — who handles it, and by when (SLA
// deadlines on a working-day calendar). It also guards actions against the
// policy's authorisation limits (R13, R28) and transfer limits (R15).
//
// # Policy files
//
// A policy is one YAML file shared by every part of kesu (see
// examples/policy/carrier.yaml and utility.yaml); routing reads the sections
// zone, calendar, taxonomy, tags, routes, queues, sla, authorisation and
// transfers. Load and Parse compile it in two layers, as Alertmanager does:
// each section is decoded strictly (an unknown key is an error), then the
// whole is cross-checked — undefined queues and SLA profiles, duplicate ids,
// unreachable routes, expressions that do not type-check. Every error names
// file:line, the rule id and the reason, and all of them are reported at
// once. A compiled Policy is immutable and safe for concurrent use.
//
// # Rules
//
// Tag rules and routing nodes match with structured matchers — kind,
// channel, category prefix, region prefix, customer flags, tags (each a list:
// any of), no_tags (none of) — compiled to bit sets and prefix lists, and
// an optional `when` expression (github.com/expr-lang/expr) compiled once
// against Env: the ticket, customer.* (the profile) and history.* (the
// customer's recent contacts on the same sub-category in 7 and 30 days, open
// tickets, reopens, urges, escalations). History is a projection of the
// event log kept by the History observer, never a store scan. Rules are
// indexed by kind and top-level category, so a ticket is only checked
// against the rules that can match it.
//
// # The routing tree
//
// Routes form a tree walked like Alertmanager's dispatch tree: depth-first,
// the first matching child wins unless it has `continue: true`; a node none
// of whose children match is the result. Children inherit their parent's
// settings. The primary result is the first one not reached through a
// `continue` node; the others add their priority (highest wins), green
// channel and on-site flag. complaint.Dispatch.Route lists the matched paths
// of node ids ("root/guangzhou/gz-billing"), Reason the conditions along the
// primary path. Handling is centralised (R12) unless a node sets onsite or
// sends the ticket to a branch queue; Share counts the centralised share.
//
// # Assignment, deadlines, limits
//
// Each queue assigns by round-robin, least-loaded (open tickets per handler,
// from the Workload observer), skills (category codes) with capacity limits,
// owner (the customer's named owner, R14, else a fallback strategy) or
// manual. SLA profiles give first-contact, reply, resolve and regulator
// deadlines in minutes, hours, calendar days or working days (Span), counted
// on the calendar of package complaint/calendar in the policy's zone.
//
// # In an engine
//
// Stage implements kesu.Stage (tag, route, assign and set deadlines on
// intake; re-tag and re-route after a reopen or escalation; assign after a
// transfer) and Stage.Guard a kesu.Guard. Stage.Swap replaces the policy
// atomically while the engine runs:
//
//	pol, err := routing.Load("policy.yaml")
//	hist, load := routing.NewHistory(), routing.NewWorkload()
//	st := routing.NewStage(pol, routing.Options{History: hist, Workload: load})
//	eng := kesu.New(kesu.Config{Categories: pol.Categories(), Stages: []kesu.Stage{st},
//		Guards: []kesu.Guard{st.Guard()}, Observers: []kesu.Observer{hist, load, new(routing.Share)},
//		Tickers: []kesu.Ticker{hist}})
package routing

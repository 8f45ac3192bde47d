// Package ingest reads complaint histories and replays them through a kesu
// engine without a durable store: the importers behind `kesu replay`.
//
// Two formats are read, each as a stream of Rows (a new ticket or an action
// on one), one at a time, so memory does not grow with the input:
//
//   - JSON Lines (JSONL): one JSON object a line, either an event as the
//     store keeps it (complaint.Event, e.g. what `kesu gen` writes) or a
//     flat ticket {"id", "at", "kind", "channel", "category", "region",
//     "customer", "partner", "text", …}.
//   - CSV through a Mapping file that names the column of each field (the
//     time, category, region, customer, partner, text…), the time formats
//     and zone, defaults, and translations of the source's values into kesu
//     codes (see Mapping).
//
// A malformed row is a *RowError naming its line and field: the reader goes
// on with the next row, and Replay counts it and reports it (or stops, when
// Strict). Nothing is dropped silently: Summary counts every row once.
//
// JSONL decodes its rows with a specialised scanner (bounded intern tables
// for repeated codes, a fast RFC 3339 parser) and hands anything it does not
// decode exactly as encoding/json would to encoding/json, so rows and errors
// are the same either way. Prefetch wraps any Reader and reads and decodes
// on a goroutine of its own, in recycled batches, keeping order, line
// numbers and errors; kesu replay uses it so decoding runs on another core.
//
// Replay drives a kesu.Engine whose store is a Window: the open tickets
// only, forgotten when they close or stay idle past a horizon, with no event
// log. The engine's observers (warnings, scoring, routing history) see
// every event as it is stored, so the projections are exactly what a full
// store would give, while memory stays bounded by the open tickets and the
// projections' own idle limits. The tickets the window forgets idle go to
// the engine's Forget, so the projections that keep state per open ticket
// (deadline clocks and warnings, workloads, customers' open tickets) drop
// them too.
package ingest

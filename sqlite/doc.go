// Package sqlite is the embedded, durable complaint.Store: one SQLite file
// (pure Go, modernc.org/sqlite, no cgo) in WAL mode, with its schema
// migrations embedded and applied on Open. It is the default store of a
// single kesu process and lets it resume after a restart.
//
// # What is stored
//
// The event log is the source of truth: table events holds every
// complaint.Event as JSON with its global position (pos), ticket, sequence
// number, type and time. Table tickets holds each ticket's snapshot (the
// fold of its events) as JSON beside indexed columns for the history
// queries of the tagger and the detectors: customer, category, region and
// received time, plus status and closing time (Store.Find, Retain). Table
// records is the
// complaint.Journal (warning ledger, problems, sanction decisions); table
// checkpoints holds projection snapshots (complaint.Checkpoints).
//
// # Writes and concurrency
//
// A write (Create, Append, AppendRecords, CreateBatch) is one IMMEDIATE
// transaction: all of its events and the new snapshot, or nothing. Append
// checks the ticket's stored version (optimistic concurrency: a stale
// writer gets complaint.ErrConflict); Create refuses a known id or external
// id with complaint.ErrDuplicate, which makes intake idempotent. Writes go
// through one connection, so positions follow commit order and a projection
// following the log with Scan never misses an event. A committed write
// survives a crash of the process (WithFullSync: also a power cut).
//
// # Bad data
//
// A row that does not decode is reported as an error wrapping ErrCorrupt
// that names the ticket id or log position; reads never panic on it.
//
// # Replays, projections and retention
//
// CreateBatch stores many tickets in one transaction (bulk loads and
// replays). Projections rebuild from the log with Scan, or load a
// checkpoint saved with SaveCheckpoint and scan only the events after it.
// Retain masks the personal data of tickets closed long ago while keeping
// consent records at least two years (DOMAIN.md R9).
package sqlite

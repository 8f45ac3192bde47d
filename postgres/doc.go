// Package postgres is the shared, durable complaint.Store on PostgreSQL
// (github.com/jackc/pgx/v5, pgxpool): the store a carrier uses when several
// instances of its service handle complaints at once.
//
// # Several instances on one database
//
//   - Optimistic concurrency: Append updates the ticket's row only at the
//     version the writer read; a stale writer gets complaint.ErrConflict and
//     nothing is stored (kesu.Engine re-reads and retries).
//   - Idempotent intake: the external id is unique, so two instances taking
//     the same ticket store it once; the loser gets complaint.ErrDuplicate
//     and the engine returns the stored ticket.
//   - An event feed: log positions are handed out under a lock held until
//     commit, so position order is commit order and a reader that has seen
//     position p has seen everything before it. Scan reads the log from a
//     position; Follow keeps reading as new events arrive (LISTEN/NOTIFY,
//     with polling as a fallback).
//
// # Tables
//
// The tables live in one schema (WithSchema; default "kesu"), created and
// migrated on Open: heads (the log counters), tickets (snapshots as JSON
// beside indexed customer, category, region, status and time columns),
// events (the log, JSON), records (the complaint.Journal), checkpoints
// (complaint.Checkpoints). Code columns use the "C" collation, so category
// and region prefix queries (complaint.Under) compare bytewise.
//
// # Replays, bad data, retention
//
// CreateBatch loads many tickets with COPY in one transaction. A row that
// does not decode is reported as an error wrapping ErrCorrupt naming its
// ticket id or log position, never a panic. Retain masks the personal data
// of tickets closed long ago while keeping consent records at least two
// years (DOMAIN.md R9).
//
// Tests read the server's address from KESU_POSTGRES_URL and skip when it
// is unset; .ci/services starts PostgreSQL and sets it.
package postgres

// Package storeutil holds what the durable stores (sqlite, postgres) share
// beyond their SQL: checking a batch of events or journal records before it
// is written, encoding events and decoding stored event, ticket and record
// rows (with the store's ErrCorrupt naming the position or ticket), reading
// a query's rows into complaint types, paging through the log, and masking
// a ticket and its events for retention (DOMAIN.md R9).
//
// A store describes itself with a Codec (its name, used as the prefix of
// every error message, and its ErrCorrupt sentinel) and keeps the SQL: the
// helpers here take the rows of a query it ran, through the small Rows
// interface that both *database/sql.Rows and pgx.Rows satisfy.
package storeutil

package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/storeutil"
)

// ErrCorrupt is wrapped by the errors of reads that meet a stored row that
// does not decode (or does not match its indexed columns); the error names
// the row's ticket id or log position.
var ErrCorrupt = errors.New("postgres: corrupt row")

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a complaint.Store on PostgreSQL (github.com/jackc/pgx/v5), safe
// for several engine instances on one database at once: Append checks the
// stored version (optimistic concurrency), the external id is unique (so
// intake is idempotent across instances), and log positions are handed out
// in commit order, so any instance can follow the log with Scan or Follow
// and never miss an event. It also implements complaint.Journal,
// complaint.BatchCreator (with COPY) and complaint.Checkpoints, and has
// Retain for R9. A Store is safe for concurrent use; build it with Open.
type Store struct {
	pool    *pgxpool.Pool
	own     bool
	schema  string // sanitized identifier
	name    string // plain schema name
	channel string // NOTIFY channel
	log     *slog.Logger
	poll    time.Duration

	q struct {
		insTicket, insEvents, headEvents, updTicket string
	}
}

var (
	_ complaint.Store        = (*Store)(nil)
	_ complaint.Journal      = (*Store)(nil)
	_ complaint.BatchCreator = (*Store)(nil)
	_ complaint.Checkpoints  = (*Store)(nil)
)

type options struct {
	log    *slog.Logger
	schema string
	poll   time.Duration
	pool   *pgxpool.Pool
}

// Option configures Open.
type Option func(*options)

// WithLogger sets the logger for migrations, Follow and Retain; by default
// logs are discarded.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithSchema puts the store's tables in the named schema (default "kesu"),
// created when missing. The name must be a lower-case SQL identifier.
// Several stores (e.g. parallel test runs) can share a database in
// different schemas.
func WithSchema(name string) Option { return func(o *options) { o.schema = name } }

// WithPollInterval sets how often Follow looks for new events when no
// notification arrives (default 1s).
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.poll = d } }

// WithPool makes the store use an existing pool instead of opening one
// from the URL (Open's url is then ignored); Close leaves it open.
func WithPool(p *pgxpool.Pool) Option { return func(o *options) { o.pool = p } }

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// key=value DSN), creates the schema if needed and applies the embedded
// migrations it lacks (under an advisory lock, so instances starting at once
// do not race). It returns an error when the database cannot be reached or
// a migration fails. Close the Store when done.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{schema: "kesu", poll: time.Second}
	for _, f := range opts {
		f(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if !identRE.MatchString(o.schema) {
		return nil, fmt.Errorf("postgres: schema %q: want a lower-case identifier", o.schema)
	}
	s := &Store{pool: o.pool, schema: pgx.Identifier{o.schema}.Sanitize(), name: o.schema, log: o.log, poll: o.poll,
		channel: "kesu_events_" + o.schema}
	if s.pool == nil {
		p, err := pgxpool.New(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("postgres: open: %w", err)
		}
		s.pool, s.own = p, true
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.q.insTicket = `INSERT INTO ` + s.schema + `.tickets (id, external_id, version, customer, category, region, status, received_at, closed_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	s.q.insEvents = `INSERT INTO ` + s.schema + `.events (pos, ticket, seq, type, at, data)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::bigint[], $6::bytea[])`
	s.q.headEvents = `WITH h AS (UPDATE ` + s.schema + `.heads SET pos = pos + $1 WHERE name = $2 RETURNING pos)
		SELECT pos, pg_notify($3, pos::text) FROM h`
	s.q.updTicket = `UPDATE ` + s.schema + `.tickets SET version = $1, customer = $2, category = $3, region = $4, status = $5,
		received_at = $6, closed_at = $7, data = $8 WHERE id = $9 AND version = $10`
	return s, nil
}

// Close closes the store's connection pool (not one given with WithPool).
func (s *Store) Close() error {
	if s.own && s.pool != nil {
		s.pool.Close()
	}
	return nil
}

// Pool returns the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the name of the store's schema.
func (s *Store) Schema() string { return s.name }

func (s *Store) migrate(ctx context.Context) error {
	ents, err := migrations.ReadDir("migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: open: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "kesu-migrate:"+s.name); err != nil {
		return fmt.Errorf("postgres: open: migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+s.schema); err != nil {
		return fmt.Errorf("postgres: open: schema %s: %w", s.name, err)
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+s.schema+".migrations (version integer PRIMARY KEY, name text NOT NULL)"); err != nil {
		return fmt.Errorf("postgres: open: %w", err)
	}
	var have int
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+s.schema+".migrations").Scan(&have); err != nil {
		return fmt.Errorf("postgres: open: schema version: %w", err)
	}
	if have > len(ents) {
		return fmt.Errorf("postgres: open: schema %s is at version %d, newer than this package's %d", s.name, have, len(ents))
	}
	for i := have; i < len(ents); i++ {
		name := ents[i].Name()
		b, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, strings.ReplaceAll(string(b), "{{schema}}", s.schema)); err != nil {
			return fmt.Errorf("postgres: open: migration %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+s.schema+".migrations (version, name) VALUES ($1, $2)", i+1, name); err != nil {
			return fmt.Errorf("postgres: open: migration %s: %w", name, err)
		}
		s.log.InfoContext(ctx, "postgres: schema migrated", "schema", s.name, "migration", name)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: open: %w", err)
	}
	return nil
}

func nullNanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func isUnique(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

// codec decodes this package's rows and checks its batches.
var codec = storeutil.Codec{Name: "postgres", Corrupt: ErrCorrupt}

// DecodeEvent decodes a stored event row: the JSON data of the event at
// log position pos, which the row's indexed columns say is event seq of
// ticket. It returns an error wrapping ErrCorrupt, naming pos and ticket,
// when data does not decode to a well-formed event matching the columns.
func DecodeEvent(pos int64, ticket string, seq int, data []byte) (complaint.Event, error) {
	return codec.DecodeEvent(pos, ticket, seq, data)
}

// DecodeTicket decodes a stored ticket snapshot row with the given id and
// version columns. It returns an error wrapping ErrCorrupt, naming the id,
// when data does not decode to that ticket.
func DecodeTicket(id string, version int, data []byte) (*complaint.Ticket, error) {
	return codec.DecodeTicket(id, version, data)
}

// claim takes n positions of the log called head ("events" or "records")
// within tx and returns the first. The head's row stays locked until tx
// ends, so positions are handed out in commit order; it also notifies
// followers.
func (s *Store) claim(ctx context.Context, tx pgx.Tx, head string, n int) (int64, error) {
	var last int64
	if err := tx.QueryRow(ctx, s.q.headEvents, n, head, s.channel).Scan(&last, nil); err != nil {
		return 0, err
	}
	return last - int64(n) + 1, nil
}

// insertEvents claims positions for events and inserts them in one statement.
func (s *Store) insertEvents(ctx context.Context, tx pgx.Tx, events []complaint.Event) error {
	first, err := s.claim(ctx, tx, "events", len(events))
	if err != nil {
		return err
	}
	n := len(events)
	pos, seqs, ats := make([]int64, n), make([]int32, n), make([]int64, n)
	tickets, types, data := make([]string, n), make([]string, n), make([][]byte, n)
	for i := range events {
		e := &events[i]
		b, err := storeutil.EncodeEvent(e)
		if err != nil {
			return fmt.Errorf("event %s/%d: %w", e.Ticket, e.Seq, err)
		}
		pos[i], tickets[i], seqs[i], types[i], ats[i], data[i] = first+int64(i), e.Ticket, int32(e.Seq), string(e.Type), e.At.UnixNano(), b
	}
	if _, err := tx.Exec(ctx, s.q.insEvents, pos, tickets, seqs, types, ats, data); err != nil {
		if _, ok := isUnique(err); ok {
			return complaint.ErrConflict
		}
		return err
	}
	for i := range events {
		events[i].Pos = pos[i]
	}
	return nil
}

func ticketArgs(t *complaint.Ticket) ([]byte, error) { return json.Marshal(t) }

// Create implements complaint.Store.
func (s *Store) Create(ctx context.Context, t *complaint.Ticket, events []complaint.Event) (err error) {
	if err := codec.CheckCreate(t, events); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			storeutil.ClearPos(events)
		}
	}()
	data, err := ticketArgs(t)
	if err != nil {
		return fmt.Errorf("postgres: create ticket %s: %w", t.ID, err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: create ticket %s: %w", t.ID, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, s.q.insTicket, t.ID, nullString(t.ExternalID), t.Version, t.Customer, t.Category, t.Region,
		string(t.Status), t.ReceivedAt.UnixNano(), nullNanos(t.ClosedAt), data); err != nil {
		if c, ok := isUnique(err); ok {
			return fmt.Errorf("postgres: create ticket %s (external id %q): %s: %w", t.ID, t.ExternalID, c, complaint.ErrDuplicate)
		}
		return fmt.Errorf("postgres: create ticket %s: %w", t.ID, err)
	}
	if err := s.insertEvents(ctx, tx, events); err != nil {
		return fmt.Errorf("postgres: create ticket %s: %w", t.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: create ticket %s: %w", t.ID, err)
	}
	return nil
}

// Append implements complaint.Store.
func (s *Store) Append(ctx context.Context, t *complaint.Ticket, events []complaint.Event) (err error) {
	from := t.Version - len(events)
	if err := codec.CheckBatch(t, events, from); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			storeutil.ClearPos(events)
		}
	}()
	data, err := ticketArgs(t)
	if err != nil {
		return fmt.Errorf("postgres: append ticket %s: %w", t.ID, err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: append ticket %s: %w", t.ID, err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, s.q.updTicket, t.Version, t.Customer, t.Category, t.Region, string(t.Status),
		t.ReceivedAt.UnixNano(), nullNanos(t.ClosedAt), data, t.ID, from)
	if err != nil {
		return fmt.Errorf("postgres: append ticket %s: %w", t.ID, err)
	}
	if tag.RowsAffected() == 0 {
		var have int
		switch err := tx.QueryRow(ctx, "SELECT version FROM "+s.schema+".tickets WHERE id = $1", t.ID).Scan(&have); {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("postgres: append ticket %s: %w", t.ID, complaint.ErrNotFound)
		case err != nil:
			return fmt.Errorf("postgres: append ticket %s: %w", t.ID, err)
		}
		return fmt.Errorf("postgres: append ticket %s: stored version %d, expected %d: %w", t.ID, have, from, complaint.ErrConflict)
	}
	if err := s.insertEvents(ctx, tx, events); err != nil {
		return fmt.Errorf("postgres: append ticket %s: %w", t.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: append ticket %s: %w", t.ID, err)
	}
	return nil
}

func (s *Store) getWhere(ctx context.Context, col, val, what string) (*complaint.Ticket, error) {
	return codec.ScanTicket(s.pool.QueryRow(ctx, "SELECT id, version, data FROM "+s.schema+".tickets WHERE "+col+" = $1", val), pgx.ErrNoRows, what)
}

// Get implements complaint.Store.
func (s *Store) Get(ctx context.Context, id string) (*complaint.Ticket, error) {
	return s.getWhere(ctx, "id", id, "ticket "+id)
}

// GetExternal implements complaint.Store.
func (s *Store) GetExternal(ctx context.Context, externalID string) (*complaint.Ticket, error) {
	if externalID == "" {
		return nil, fmt.Errorf("postgres: empty external id: %w", complaint.ErrNotFound)
	}
	return s.getWhere(ctx, "external_id", externalID, strconv.Quote(externalID))
}

// Events implements complaint.Store.
func (s *Store) Events(ctx context.Context, id string) ([]complaint.Event, error) {
	rows, err := s.pool.Query(ctx, "SELECT pos, seq, data FROM "+s.schema+".events WHERE ticket = $1 ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("postgres: events of %s: %w", id, err)
	}
	defer rows.Close()
	out, err := codec.ReadEvents(rows, id, "events of "+id, nil)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("postgres: ticket %s: %w", id, complaint.ErrNotFound)
	}
	return out, nil
}

// where translates q into a WHERE clause; prefix matches are ranges on the
// "C"-collated code columns, so indexes serve them and no character of the
// code acts as a pattern.
func where(q *complaint.Query) (string, []any) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Customer != "" {
		conds = append(conds, "customer = "+arg(q.Customer))
	}
	if len(q.Status) > 0 {
		st := make([]string, len(q.Status))
		for i := range q.Status {
			st[i] = string(q.Status[i])
		}
		conds = append(conds, "status = ANY("+arg(st)+")")
	}
	if q.Open {
		conds = append(conds, "NOT (status = ANY("+arg(storeutil.ClosedStatuses)+"))")
	}
	if !q.From.IsZero() {
		conds = append(conds, "received_at >= "+arg(q.From.UnixNano()))
	}
	if !q.To.IsZero() {
		conds = append(conds, "received_at < "+arg(q.To.UnixNano()))
	}
	for _, p := range []struct{ col, code string }{{"category", q.Category}, {"region", q.Region}} {
		if p.code == "" {
			continue
		}
		conds = append(conds, "("+p.col+" = "+arg(p.code)+" OR ("+p.col+" >= "+arg(p.code+".")+" AND "+p.col+" < "+arg(p.code+"/")+"))")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Find implements complaint.Store.
func (s *Store) Find(ctx context.Context, q complaint.Query) ([]*complaint.Ticket, error) {
	w, args := where(&q)
	query := "SELECT id, version, data FROM " + s.schema + ".tickets" + w + " ORDER BY received_at, id"
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: find: %w", err)
	}
	defer rows.Close()
	return codec.ReadTickets(rows, "find")
}

// ScanPage is how many events Scan reads per query. Scan holds no
// connection while fn runs, so fn may use the store.
const ScanPage = 2048

// Scan implements complaint.Store.
func (s *Store) Scan(ctx context.Context, after int64, fn func(*complaint.Event) error) error {
	_, err := s.scan(ctx, after, fn)
	return err
}

// scan is Scan returning the position of the last event seen.
func (s *Store) scan(ctx context.Context, after int64, fn func(*complaint.Event) error) (int64, error) {
	q := "SELECT pos, ticket, seq, data FROM " + s.schema + ".events WHERE pos > $1 ORDER BY pos LIMIT $2"
	return storeutil.Paginate(ctx, after, ScanPage, func(after int64, page []complaint.Event) ([]complaint.Event, error) {
		rows, err := s.pool.Query(ctx, q, after, ScanPage)
		if err != nil {
			return page, fmt.Errorf("postgres: scan after %d: %w", after, err)
		}
		defer rows.Close()
		return codec.ReadLog(rows, fmt.Sprintf("scan after %d", after), page)
	}, storeutil.EventPos, fn)
}

// Follow calls fn with every event whose Pos is greater than after, in log
// order, then keeps waiting for new ones (woken by the NOTIFY every write
// sends, and polling every WithPollInterval in case a notification is
// missed) until ctx is done or fn returns an error. It is how an instance
// follows the events other instances store. It holds one connection of the
// pool for LISTEN while it runs and returns ctx's error or fn's.
func (s *Store) Follow(ctx context.Context, after int64, fn func(*complaint.Event) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: follow: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: follow: %w", err)
	}
	defer func() {
		// The connection goes back to the pool: stop listening on it.
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(c, "UNLISTEN *"); err != nil {
			conn.Conn().Close(c)
		}
	}()
	for {
		if after, err = s.scan(ctx, after, fn); err != nil {
			return err
		}
		wait, cancel := context.WithTimeout(ctx, s.poll)
		_, err := conn.Conn().WaitForNotification(wait)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
			return fmt.Errorf("postgres: follow: %w", err)
		}
	}
}

// LastPos returns the position of the last event in the log (0 when empty).
func (s *Store) LastPos(ctx context.Context) (int64, error) {
	var pos int64
	if err := s.pool.QueryRow(ctx, "SELECT pos FROM "+s.schema+".heads WHERE name = 'events'").Scan(&pos); err != nil {
		return 0, fmt.Errorf("postgres: last position: %w", err)
	}
	return pos, nil
}

// SaveCheckpoint implements complaint.Checkpoints.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, pos int64, state []byte) error {
	if state == nil {
		state = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO `+s.schema+`.checkpoints (name, pos, state) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET pos = excluded.pos, state = excluded.state`, name, pos, state)
	if err != nil {
		return fmt.Errorf("postgres: save checkpoint %s: %w", name, err)
	}
	return nil
}

// LoadCheckpoint implements complaint.Checkpoints.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (int64, []byte, error) {
	var (
		pos   int64
		state []byte
	)
	err := s.pool.QueryRow(ctx, "SELECT pos, state FROM "+s.schema+".checkpoints WHERE name = $1", name).Scan(&pos, &state)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, nil, fmt.Errorf("postgres: checkpoint %s: %w", name, complaint.ErrNotFound)
	case err != nil:
		return 0, nil, fmt.Errorf("postgres: checkpoint %s: %w", name, err)
	}
	return pos, slices.Clone(state), nil
}

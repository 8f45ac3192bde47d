package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/storeutil"
)

// ErrCorrupt is wrapped by the errors of reads that meet a stored row that
// does not decode (or does not match its indexed columns); the error names
// the row's ticket id or log position.
var ErrCorrupt = errors.New("sqlite: corrupt row")

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a complaint.Store on one SQLite file (pure Go, modernc.org/sqlite)
// in WAL mode. It also implements complaint.Journal, complaint.BatchCreator
// and complaint.Checkpoints, and has Retain for R9. Writes go through one
// connection in IMMEDIATE transactions, so the log position order is the
// commit order; reads use a small pool of their own. A Store is safe for
// concurrent use; several processes may open the same file (writes wait up
// to the busy timeout for each other). Build it with Open; the zero value is
// not usable.
type Store struct {
	w, r *sql.DB
	log  *slog.Logger
	path string

	updTicket *sql.Stmt

	// ins[0] inserts 1<<k tickets, ins[1] 1<<k events (k < chunkBits):
	// prepared at Open, since the one write connection is busy inside a
	// transaction.
	ins [2][chunkBits]*sql.Stmt
}

var (
	_ complaint.Store        = (*Store)(nil)
	_ complaint.Journal      = (*Store)(nil)
	_ complaint.BatchCreator = (*Store)(nil)
	_ complaint.Checkpoints  = (*Store)(nil)
)

type options struct {
	log     *slog.Logger
	readers int
	sync    string
	busy    time.Duration
}

// Option configures Open.
type Option func(*options)

// WithLogger sets the logger for migrations and Retain; by default logs are
// discarded.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithReaders sets how many connections serve reads (default 4).
func WithReaders(n int) Option { return func(o *options) { o.readers = max(n, 1) } }

// WithFullSync makes every commit wait for the disk (PRAGMA synchronous =
// FULL), so a committed write survives a power cut. By default (NORMAL) a
// committed write survives a crash of the process, and the last commits
// before a power cut may be lost, never the file.
func WithFullSync() Option { return func(o *options) { o.sync = "FULL" } }

// WithBusyTimeout sets how long a write waits for another process holding
// the file's write lock (default 10s).
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busy = d } }

// Open opens (creating it if needed) the SQLite database file at path,
// switches it to WAL mode and applies the embedded schema migrations it
// lacks. path must name a file (":memory:" is not supported: readers use
// connections of their own). It returns an error if the file cannot be
// opened or a migration fails; the file is then left as it was. Close the
// Store when done.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{readers: 4, sync: "NORMAL", busy: 10 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: open %q: want a file path without '?'", path)
	}
	dsn := "file:" + path + "?_busy_timeout=" + strconv.FormatInt(o.busy.Milliseconds(), 10) +
		"&_journal_mode=WAL&_synchronous=" + o.sync + "&_pragma=cache_size(-32768)&_pragma=wal_autocheckpoint(8192)"
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, log: o.log, path: path}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(o.readers)
	r.SetMaxIdleConns(o.readers)
	s.r = r
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&s.updTicket, `UPDATE tickets SET version = ?, customer = ?, category = ?, region = ?, status = ?, received_at = ?,
			closed_at = ?, data = ? WHERE id = ? AND version = ?`},
	} {
		if *p.st, err = w.PrepareContext(ctx, p.q); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: open %s: prepare: %w", path, err)
		}
	}
	if err := s.prepareInserts(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: prepare: %w", path, err)
	}
	return s, nil
}

// Close closes the database. Calls after Close fail.
func (s *Store) Close() error {
	if s.updTicket != nil {
		s.updTicket.Close()
	}
	for _, sts := range s.ins {
		for _, st := range sts {
			if st != nil {
				st.Close()
			}
		}
	}
	var err error
	if s.r != nil {
		err = s.r.Close()
	}
	return errors.Join(err, s.w.Close())
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// SchemaVersion is the schema version this package's migrations reach.
func SchemaVersion() int {
	ents, _ := migrations.ReadDir("migrations")
	return len(ents)
}

func (s *Store) migrate(ctx context.Context) error {
	ents, err := migrations.ReadDir("migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("sqlite: open %s: schema version: %w", s.path, err)
	}
	if have > len(ents) {
		return fmt.Errorf("sqlite: open %s: schema version %d is newer than this package's %d", s.path, have, len(ents))
	}
	for i := have; i < len(ents); i++ {
		name := ents[i].Name()
		b, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("sqlite: open %s: migration %s: %w", s.path, name, err)
		}
		s.log.InfoContext(ctx, "sqlite: schema migrated", "file", s.path, "migration", name)
	}
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(len(ents))); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	return tx.Commit()
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func nullNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func isUnique(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// codec decodes this package's rows and checks its batches.
var codec = storeutil.Codec{Name: "sqlite", Corrupt: ErrCorrupt}

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

// chunkBits: one multi-row INSERT writes at most 1<<(chunkBits-1) rows.
const chunkBits = 7

func (s *Store) prepareInserts(ctx context.Context) error {
	for table := range 2 {
		head, row := "INSERT INTO tickets (id, external_id, version, customer, category, region, status, received_at, closed_at, data) VALUES ",
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		if table == 1 {
			head, row = "INSERT INTO events (ticket, seq, type, at, data) VALUES ", "(?, ?, ?, ?, ?)"
		}
		for k := range chunkBits {
			q := head + strings.TrimSuffix(strings.Repeat(row+", ", 1<<k), ", ")
			st, err := s.w.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			s.ins[table][k] = st
		}
	}
	return nil
}

// chunk returns how many of n rows the next INSERT writes (the largest
// prepared size not above n) and its statement bound to tx.
func (s *Store) chunk(ctx context.Context, tx *sql.Tx, table, n int) (int, *sql.Stmt) {
	k := min(bits.Len(uint(n))-1, chunkBits-1)
	return 1 << k, tx.StmtContext(ctx, s.ins[table][k])
}

// insertTickets inserts the snapshots of new tickets within tx.
func (s *Store) insertTickets(ctx context.Context, tx *sql.Tx, ts []*complaint.Ticket) error {
	args := make([]any, 0, 10*min(len(ts), 1<<(chunkBits-1)))
	for len(ts) > 0 {
		size, st := s.chunk(ctx, tx, 0, len(ts))
		chunk := ts[:size]
		ts = ts[size:]
		args = args[:0]
		for _, t := range chunk {
			data, err := json.Marshal(t)
			if err != nil {
				return fmt.Errorf("sqlite: create ticket %s: %w", t.ID, err)
			}
			args = append(args, t.ID, nullString(t.ExternalID), t.Version, t.Customer, t.Category, t.Region,
				string(t.Status), nanos(t.ReceivedAt), nullNanos(t.ClosedAt), data)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			if isUnique(err) {
				if len(chunk) == 1 {
					return fmt.Errorf("sqlite: create ticket %s (external id %q): %w", chunk[0].ID, chunk[0].ExternalID, complaint.ErrDuplicate)
				}
				return fmt.Errorf("sqlite: create tickets %s…%s: one is stored already: %w", chunk[0].ID, chunk[len(chunk)-1].ID, complaint.ErrDuplicate)
			}
			return fmt.Errorf("sqlite: create ticket %s: %w", chunk[0].ID, err)
		}
	}
	return nil
}

// insertEvents inserts events within tx and sets their Pos. Rows of one
// INSERT get consecutive rowids (the table has INTEGER PRIMARY KEY and
// this is the only writer), so the last insert id gives them all.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, events []complaint.Event) error {
	args := make([]any, 0, 5*min(len(events), 1<<(chunkBits-1)))
	for len(events) > 0 {
		size, st := s.chunk(ctx, tx, 1, len(events))
		chunk := events[:size]
		events = events[size:]
		args = args[:0]
		for i := range chunk {
			e := &chunk[i]
			data, err := storeutil.EncodeEvent(e)
			if err != nil {
				return fmt.Errorf("sqlite: store event %s/%d: %w", e.Ticket, e.Seq, err)
			}
			args = append(args, e.Ticket, e.Seq, string(e.Type), nanos(e.At), data)
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("sqlite: store events of %s: %w", chunk[0].Ticket, complaint.ErrConflict)
			}
			return fmt.Errorf("sqlite: store events of %s: %w", chunk[0].Ticket, err)
		}
		last, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("sqlite: store events of %s: %w", chunk[0].Ticket, err)
		}
		for i := range chunk {
			chunk[i].Pos = last - int64(len(chunk)-1-i)
		}
	}
	return nil
}

// Create implements complaint.Store.
func (s *Store) Create(ctx context.Context, t *complaint.Ticket, events []complaint.Event) error {
	if err := codec.CheckCreate(t, events); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: create ticket %s: %w", t.ID, err)
	}
	defer tx.Rollback()
	if err := s.insertTickets(ctx, tx, []*complaint.Ticket{t}); err != nil {
		return err
	}
	if err := s.insertEvents(ctx, tx, events); err != nil {
		storeutil.ClearPos(events)
		return err
	}
	if err := tx.Commit(); err != nil {
		storeutil.ClearPos(events)
		return fmt.Errorf("sqlite: create ticket %s: %w", t.ID, err)
	}
	return nil
}

// CreateBatch implements complaint.BatchCreator: one transaction for the
// whole batch.
func (s *Store) CreateBatch(ctx context.Context, batch []complaint.NewTicket) error {
	if len(batch) == 0 {
		return nil
	}
	nev, err := codec.CheckNewBatch(batch)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: create batch: %w", err)
	}
	defer tx.Rollback()
	fail := func(err error) error {
		storeutil.ClearBatchPos(batch)
		return err
	}
	ts := make([]*complaint.Ticket, len(batch))
	for i := range batch {
		ts[i] = batch[i].Ticket
	}
	if err := s.insertTickets(ctx, tx, ts); err != nil {
		return fail(fmt.Errorf("sqlite: create batch: %w", err))
	}
	// The events go in the batch's order, so positions follow it.
	evs := make([]complaint.Event, 0, nev)
	for i := range batch {
		evs = append(evs, batch[i].Events...)
	}
	if err := s.insertEvents(ctx, tx, evs); err != nil {
		return fail(fmt.Errorf("sqlite: create batch: %w", err))
	}
	k := 0
	for i := range batch {
		for j := range batch[i].Events {
			batch[i].Events[j].Pos = evs[k].Pos
			k++
		}
	}
	if err := tx.Commit(); err != nil {
		return fail(fmt.Errorf("sqlite: create batch: %w", err))
	}
	return nil
}

// Append implements complaint.Store.
func (s *Store) Append(ctx context.Context, t *complaint.Ticket, events []complaint.Event) error {
	from := t.Version - len(events)
	if err := codec.CheckBatch(t, events, from); err != nil {
		return err
	}
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("sqlite: append ticket %s: %w", t.ID, err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: append ticket %s: %w", t.ID, err)
	}
	defer tx.Rollback()
	res, err := tx.StmtContext(ctx, s.updTicket).ExecContext(ctx, t.Version, t.Customer, t.Category, t.Region, string(t.Status),
		nanos(t.ReceivedAt), nullNanos(t.ClosedAt), data, t.ID, from)
	if err != nil {
		return fmt.Errorf("sqlite: append ticket %s: %w", t.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: append ticket %s: %w", t.ID, err)
	} else if n == 0 {
		var have int
		switch err := tx.QueryRowContext(ctx, "SELECT version FROM tickets WHERE id = ?", t.ID).Scan(&have); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: append ticket %s: %w", t.ID, complaint.ErrNotFound)
		case err != nil:
			return fmt.Errorf("sqlite: append ticket %s: %w", t.ID, err)
		}
		return fmt.Errorf("sqlite: append ticket %s: stored version %d, expected %d: %w", t.ID, have, from, complaint.ErrConflict)
	}
	if err := s.insertEvents(ctx, tx, events); err != nil {
		storeutil.ClearPos(events)
		return err
	}
	if err := tx.Commit(); err != nil {
		storeutil.ClearPos(events)
		return fmt.Errorf("sqlite: append ticket %s: %w", t.ID, err)
	}
	return nil
}

func (s *Store) getWhere(ctx context.Context, col, val, what string) (*complaint.Ticket, error) {
	return codec.ScanTicket(s.r.QueryRowContext(ctx, "SELECT id, version, data FROM tickets WHERE "+col+" = ?", val), sql.ErrNoRows, what)
}

// Get implements complaint.Store.
func (s *Store) Get(ctx context.Context, id string) (*complaint.Ticket, error) {
	return s.getWhere(ctx, "id", id, "ticket "+id)
}

// GetExternal implements complaint.Store.
func (s *Store) GetExternal(ctx context.Context, externalID string) (*complaint.Ticket, error) {
	if externalID == "" {
		return nil, fmt.Errorf("sqlite: empty external id: %w", complaint.ErrNotFound)
	}
	return s.getWhere(ctx, "external_id", externalID, strconv.Quote(externalID))
}

// Events implements complaint.Store.
func (s *Store) Events(ctx context.Context, id string) ([]complaint.Event, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT pos, seq, data FROM events WHERE ticket = ? ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events of %s: %w", id, err)
	}
	defer rows.Close()
	out, err := codec.ReadEvents(rows, id, "events of "+id, nil)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sqlite: ticket %s: %w", id, complaint.ErrNotFound)
	}
	return out, nil
}

// where translates q into a WHERE clause with ? placeholders; prefix
// matches use a range on the code so the indexes serve them and no
// character of the code is a pattern character.
func where(q *complaint.Query) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if q.Customer != "" {
		conds = append(conds, "customer = ?")
		args = append(args, q.Customer)
	}
	if len(q.Status) > 0 {
		conds = append(conds, "status IN ("+placeholders(len(q.Status))+")")
		for _, st := range q.Status {
			args = append(args, string(st))
		}
	}
	if q.Open {
		conds = append(conds, "status NOT IN ("+placeholders(len(storeutil.ClosedStatuses))+")")
		for _, st := range storeutil.ClosedStatuses {
			args = append(args, st)
		}
	}
	if !q.From.IsZero() {
		conds = append(conds, "received_at >= ?")
		args = append(args, nanos(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, "received_at < ?")
		args = append(args, nanos(q.To))
	}
	for _, p := range []struct{ col, code string }{{"category", q.Category}, {"region", q.Region}} {
		if p.code == "" {
			continue
		}
		conds = append(conds, "("+p.col+" = ? OR ("+p.col+" >= ? AND "+p.col+" < ?))")
		args = append(args, p.code, p.code+".", p.code+"/")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Find implements complaint.Store.
func (s *Store) Find(ctx context.Context, q complaint.Query) ([]*complaint.Ticket, error) {
	w, args := where(&q)
	query := "SELECT id, version, data FROM tickets" + w + " ORDER BY received_at, id"
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find: %w", err)
	}
	defer rows.Close()
	return codec.ReadTickets(rows, "find")
}

// ScanPage is how many events Scan reads per query. Scan holds no
// connection while fn runs, so fn may use the store.
const ScanPage = 1024

// Scan implements complaint.Store.
func (s *Store) Scan(ctx context.Context, after int64, fn func(*complaint.Event) error) error {
	_, err := storeutil.Paginate(ctx, after, ScanPage, func(after int64, page []complaint.Event) ([]complaint.Event, error) {
		rows, err := s.r.QueryContext(ctx, "SELECT pos, ticket, seq, data FROM events WHERE pos > ? ORDER BY pos LIMIT ?", after, ScanPage)
		if err != nil {
			return page, fmt.Errorf("sqlite: scan after %d: %w", after, err)
		}
		defer rows.Close()
		return codec.ReadLog(rows, fmt.Sprintf("scan after %d", after), page)
	}, storeutil.EventPos, fn)
	return err
}

// LastPos returns the position of the last event in the log (0 when empty).
func (s *Store) LastPos(ctx context.Context) (int64, error) {
	var pos sql.NullInt64
	if err := s.r.QueryRowContext(ctx, "SELECT MAX(pos) FROM events").Scan(&pos); err != nil {
		return 0, fmt.Errorf("sqlite: last position: %w", err)
	}
	return pos.Int64, nil
}

// SaveCheckpoint implements complaint.Checkpoints.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, pos int64, state []byte) error {
	if state == nil {
		state = []byte{}
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO checkpoints (name, pos, state) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET pos = excluded.pos, state = excluded.state`, name, pos, state)
	if err != nil {
		return fmt.Errorf("sqlite: save checkpoint %s: %w", name, err)
	}
	return nil
}

// LoadCheckpoint implements complaint.Checkpoints.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (int64, []byte, error) {
	var (
		pos   int64
		state []byte
	)
	err := s.r.QueryRowContext(ctx, "SELECT pos, state FROM checkpoints WHERE name = ?", name).Scan(&pos, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil, fmt.Errorf("sqlite: checkpoint %s: %w", name, complaint.ErrNotFound)
	case err != nil:
		return 0, nil, fmt.Errorf("sqlite: checkpoint %s: %w", name, err)
	}
	return pos, slices.Clone(state), nil
}

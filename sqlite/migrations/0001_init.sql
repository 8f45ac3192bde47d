-- 0001: tickets (snapshots), events (the log), records (the journal),
-- checkpoints (projection snapshots). Times are Unix nanoseconds.
CREATE TABLE tickets (
	id          TEXT PRIMARY KEY,
	external_id TEXT UNIQUE,           -- NULL when the caller gave none
	version     INTEGER NOT NULL,
	customer    TEXT NOT NULL,
	category    TEXT NOT NULL,
	region      TEXT NOT NULL,
	status      TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	closed_at   INTEGER,               -- NULL unless closed
	masked_at   INTEGER,               -- set by Retain
	data        BLOB NOT NULL          -- JSON of complaint.Ticket
);
CREATE INDEX tickets_received ON tickets (received_at, id);
CREATE INDEX tickets_customer ON tickets (customer, received_at);
CREATE INDEX tickets_category ON tickets (category, received_at);
CREATE INDEX tickets_region   ON tickets (region, received_at);
CREATE INDEX tickets_closed   ON tickets (closed_at) WHERE closed_at IS NOT NULL AND masked_at IS NULL;

CREATE TABLE events (
	pos    INTEGER PRIMARY KEY,        -- the global log position
	ticket TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	type   TEXT NOT NULL,
	at     INTEGER NOT NULL,
	data   BLOB NOT NULL,              -- JSON of complaint.Event without pos
	UNIQUE (ticket, seq)
);

CREATE TABLE records (
	pos    INTEGER PRIMARY KEY,
	stream TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	type   TEXT NOT NULL,
	at     INTEGER NOT NULL,
	data   BLOB,                       -- the owner's JSON; NULL when none or removed by Retain
	UNIQUE (stream, seq)
);
CREATE INDEX records_type_at ON records (type, at);

CREATE TABLE checkpoints (
	name     TEXT PRIMARY KEY,
	pos      INTEGER NOT NULL,
	state    BLOB NOT NULL
) WITHOUT ROWID;

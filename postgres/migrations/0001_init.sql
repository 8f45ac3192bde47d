-- 0001: the log heads, tickets (snapshots), events (the log), records (the
-- journal), checkpoints. {{schema}} is replaced by the quoted schema name.
-- Times are Unix nanoseconds (exact, like the JSON); text columns that are
-- ordered or range-matched use the "C" collation so they compare bytewise.
CREATE TABLE {{schema}}.heads (
	name text PRIMARY KEY,
	pos  bigint NOT NULL
);
INSERT INTO {{schema}}.heads (name, pos) VALUES ('events', 0), ('records', 0);

CREATE TABLE {{schema}}.tickets (
	id          text COLLATE "C" PRIMARY KEY,
	external_id text UNIQUE,
	version     integer NOT NULL,
	customer    text NOT NULL,
	category    text COLLATE "C" NOT NULL,
	region      text COLLATE "C" NOT NULL,
	status      text NOT NULL,
	received_at bigint NOT NULL,
	closed_at   bigint,
	masked_at   bigint,
	data        bytea NOT NULL
);
CREATE INDEX tickets_received ON {{schema}}.tickets (received_at, id);
CREATE INDEX tickets_customer ON {{schema}}.tickets (customer, received_at);
CREATE INDEX tickets_category ON {{schema}}.tickets (category, received_at);
CREATE INDEX tickets_region   ON {{schema}}.tickets (region, received_at);
CREATE INDEX tickets_status   ON {{schema}}.tickets (status, received_at);
CREATE INDEX tickets_closed   ON {{schema}}.tickets (closed_at) WHERE closed_at IS NOT NULL AND masked_at IS NULL;

CREATE TABLE {{schema}}.events (
	pos    bigint PRIMARY KEY,
	ticket text NOT NULL,
	seq    integer NOT NULL,
	type   text NOT NULL,
	at     bigint NOT NULL,
	data   bytea NOT NULL,
	UNIQUE (ticket, seq)
);
CREATE INDEX events_type_at ON {{schema}}.events (type, at);

CREATE TABLE {{schema}}.records (
	pos    bigint PRIMARY KEY,
	stream text NOT NULL,
	seq    integer NOT NULL,
	type   text NOT NULL,
	at     bigint NOT NULL,
	data   bytea,
	UNIQUE (stream, seq)
);
CREATE INDEX records_type_at ON {{schema}}.records (type, at);

CREATE TABLE {{schema}}.checkpoints (
	name  text PRIMARY KEY,
	pos   bigint NOT NULL,
	state bytea NOT NULL
);

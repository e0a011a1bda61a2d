-- Orderbrug's first schema. Times are Unix milliseconds (UTC); money is cents.

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE shops (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	source        TEXT NOT NULL,
	base_url      TEXT NOT NULL,
	api_key       TEXT NOT NULL DEFAULT '',
	api_secret    TEXT NOT NULL DEFAULT '',
	forward       TEXT NOT NULL DEFAULT '["processing","completed"]', -- JSON array of statuses
	poll_seconds  INTEGER NOT NULL DEFAULT 900,
	lookback_days INTEGER NOT NULL DEFAULT 21,
	start_at      INTEGER NOT NULL DEFAULT 0,   -- orders created before are not booked
	cursor        INTEGER NOT NULL DEFAULT 0,   -- modified time to poll from
	last_poll_at  INTEGER NOT NULL DEFAULT 0,
	last_poll_ok  INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	last_error_code TEXT NOT NULL DEFAULT '',   -- machine code of last_error
	paused        INTEGER NOT NULL DEFAULT 0,
	webhook       TEXT NOT NULL DEFAULT '{}',   -- JSON: secret, topics, remote id, status
	created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE orders (
	shop_id      INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
	ext_id       TEXT NOT NULL,
	number       TEXT NOT NULL,
	status       TEXT NOT NULL,
	created      INTEGER NOT NULL,
	modified     INTEGER NOT NULL,
	customer     TEXT NOT NULL DEFAULT '',
	total        INTEGER NOT NULL,
	currency     TEXT NOT NULL DEFAULT 'EUR',
	state        TEXT NOT NULL CHECK (state IN ('parked','queued','booked','failed','ignored')),
	reason       TEXT NOT NULL DEFAULT '',      -- machine code, e.g. status_not_forwarded
	reason_arg   TEXT NOT NULL DEFAULT '',      -- its argument, e.g. the status
	detail       TEXT NOT NULL DEFAULT '',      -- the technical detail, in English
	snapshot     BLOB NOT NULL,                 -- normalized order.Order as JSON
	raw          BLOB,                          -- the source's payload, as received
	first_seen   INTEGER NOT NULL,
	last_checked INTEGER NOT NULL,
	state_at     INTEGER NOT NULL,
	invoice_id   TEXT NOT NULL DEFAULT '',
	invoice_date INTEGER NOT NULL DEFAULT 0,
	booking_ref  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (shop_id, ext_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX orders_state ON orders(state, shop_id, created);
CREATE INDEX orders_number ON orders(shop_id, number);

CREATE TABLE outbox (
	id          INTEGER PRIMARY KEY,
	key         TEXT NOT NULL UNIQUE,           -- idempotency key of the booking
	shop_id     INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
	ext_id      TEXT NOT NULL,
	kind        TEXT NOT NULL,                  -- invoice | credit_note
	refund_id   TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL CHECK (state IN ('pending','done','failed')),
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     INTEGER NOT NULL,
	last_error  TEXT NOT NULL DEFAULT '',
	ref         TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	done_at     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_due ON outbox(state, next_at);
CREATE INDEX outbox_order ON outbox(shop_id, ext_id);

CREATE TABLE inbox (
	id          INTEGER PRIMARY KEY,
	source      TEXT NOT NULL,
	shop        TEXT NOT NULL,
	topic       TEXT NOT NULL DEFAULT '',
	webhook_id  TEXT NOT NULL DEFAULT '',
	delivery_id TEXT NOT NULL DEFAULT '',
	order_id    TEXT NOT NULL DEFAULT '',
	modified    INTEGER NOT NULL DEFAULT 0,
	headers     TEXT NOT NULL DEFAULT '{}',
	body        BLOB NOT NULL,
	received_at INTEGER NOT NULL,
	processed_at INTEGER NOT NULL DEFAULT 0,
	result      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX inbox_pending ON inbox(processed_at) WHERE processed_at = 0;

CREATE TABLE rejections (
	id          INTEGER PRIMARY KEY,
	source      TEXT NOT NULL,
	shop        TEXT NOT NULL,
	status      INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	remote      TEXT NOT NULL DEFAULT '',
	body_prefix BLOB,
	received_at INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	level    TEXT NOT NULL,                     -- info | warn | error
	shop     TEXT NOT NULL DEFAULT '',
	order_no TEXT NOT NULL DEFAULT '',
	code     TEXT NOT NULL,                     -- machine code, translated by the UI
	args     TEXT NOT NULL DEFAULT '{}',        -- JSON object of the code's arguments
	detail   TEXT NOT NULL DEFAULT ''           -- technical detail, English
) STRICT;
CREATE INDEX events_at ON events(at);

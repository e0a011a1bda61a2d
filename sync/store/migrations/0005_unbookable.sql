-- Orders that can never be booked (cancelled, failed, trashed, abandoned
-- checkout drafts) leave the Open tab after a grace period into a state of
-- their own, 'unbookable'. orders.state has a CHECK constraint, which SQLite
-- cannot alter: the table is rebuilt the SQLite way (a new table, every row
-- copied, the old one dropped, the new one renamed, its indexes made again),
-- in this migration's transaction, so a failure leaves the old table as it
-- was. Every column keeps its name, type, default and place; nothing
-- references orders, so dropping it touches no other table.

CREATE TABLE orders_new (
	shop_id      INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
	ext_id       TEXT NOT NULL,
	number       TEXT NOT NULL,
	status       TEXT NOT NULL,
	created      INTEGER NOT NULL,
	modified     INTEGER NOT NULL,
	customer     TEXT NOT NULL DEFAULT '',
	total        INTEGER NOT NULL,
	currency     TEXT NOT NULL DEFAULT 'EUR',
	state        TEXT NOT NULL CHECK (state IN ('parked','queued','booked','failed','ignored','unbookable')),
	reason       TEXT NOT NULL DEFAULT '',
	reason_arg   TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT '',
	snapshot     BLOB NOT NULL,
	raw          BLOB,
	first_seen   INTEGER NOT NULL,
	last_checked INTEGER NOT NULL,
	state_at     INTEGER NOT NULL,
	invoice_id   TEXT NOT NULL DEFAULT '',
	invoice_date INTEGER NOT NULL DEFAULT 0,
	booking_ref  TEXT NOT NULL DEFAULT '',
	changed_after_booking INTEGER NOT NULL DEFAULT 0,
	change_note  TEXT NOT NULL DEFAULT '',
	eur_rate     TEXT NOT NULL DEFAULT '',
	booked_invoice BLOB,
	PRIMARY KEY (shop_id, ext_id)
) STRICT, WITHOUT ROWID;

INSERT INTO orders_new(shop_id, ext_id, number, status, created, modified, customer, total, currency, state,
	reason, reason_arg, detail, snapshot, raw, first_seen, last_checked, state_at, invoice_id, invoice_date,
	booking_ref, changed_after_booking, change_note, eur_rate, booked_invoice)
SELECT shop_id, ext_id, number, status, created, modified, customer, total, currency, state,
	reason, reason_arg, detail, snapshot, raw, first_seen, last_checked, state_at, invoice_id, invoice_date,
	booking_ref, changed_after_booking, change_note, eur_rate, booked_invoice
FROM orders;

DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;

CREATE INDEX orders_state ON orders(state, shop_id, created);
CREATE INDEX orders_number ON orders(shop_id, number);
CREATE INDEX orders_changed ON orders(shop_id, created) WHERE changed_after_booking = 1;

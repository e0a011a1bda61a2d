-- Intake that stays small under repeats and abuse.
--
-- inbox.dedupe: a key of the exact body (sha256, hex) of a delivery that
-- names an order's full state. A repeat of the same bytes (WooCommerce fires
-- order.created and order.updated for one save, and resends) is one row
-- whose repeats count goes up: it keeps no second body. order.deleted
-- bodies ({"id":N}) are not deduplicated: the same bytes can follow a
-- restore, and they are a few bytes. Empty for rows from before.
-- inbox.status: the answer given, 200; or 400 for an authenticated delivery
-- whose body could not be read (kept, so it can be replayed once it can).
-- inbox.last_received_at: when the last repeat arrived.
ALTER TABLE inbox ADD COLUMN dedupe TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox ADD COLUMN status INTEGER NOT NULL DEFAULT 200;
ALTER TABLE inbox ADD COLUMN last_received_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX inbox_dedupe ON inbox(source, shop, dedupe) WHERE dedupe != '';

-- Refused requests are counted per shop, reason (code) and hour, never kept
-- one row per request: a stranger who knows the URL can send many. Only
-- known shops are counted. reason, remote and body_prefix are those of the
-- last request counted in that hour.
CREATE TABLE rejection_counts (
	source      TEXT NOT NULL,
	shop        TEXT NOT NULL,
	code        TEXT NOT NULL,
	hour        INTEGER NOT NULL,               -- start of the hour, Unix ms
	status      INTEGER NOT NULL,
	count       INTEGER NOT NULL,
	first_at    INTEGER NOT NULL,
	last_at     INTEGER NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	remote      TEXT NOT NULL DEFAULT '',
	body_prefix BLOB,
	PRIMARY KEY (source, shop, code, hour)
) STRICT, WITHOUT ROWID;
CREATE INDEX rejection_counts_hour ON rejection_counts(hour);

-- The rows of the old per-request table become counts ("code: reason").
INSERT INTO rejection_counts(source, shop, code, hour, status, count, first_at, last_at, reason, remote)
	SELECT source, shop,
		CASE WHEN instr(reason, ':') > 0 THEN substr(reason, 1, instr(reason, ':') - 1) ELSE '' END,
		(received_at / 3600000) * 3600000, MAX(status), COUNT(*), MIN(received_at), MAX(received_at), MAX(reason), MAX(remote)
	FROM rejections
	GROUP BY 1, 2, 3, 4;
DROP TABLE rejections;

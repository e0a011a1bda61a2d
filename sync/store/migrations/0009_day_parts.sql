-- A till's day summary (a Z-report, "dagomzet"): what each closed check
-- counts in which day's summary, per VAT category and rate. A check is
-- counted once in its own business day; when it is closed again with other
-- totals, the difference is a new part: in its own day while that day is
-- still collecting, else in the day being collected then (a correction),
-- never in a summary that was booked. A summary is made from its parts.
CREATE TABLE day_parts (
	id       INTEGER PRIMARY KEY,
	shop_id  INTEGER NOT NULL REFERENCES shops(id),
	day      TEXT NOT NULL,    -- the summary it is counted in: 2026-12-01
	check_id TEXT NOT NULL,    -- the check's ext id (orders.ext_id)
	number   TEXT NOT NULL,    -- the check's number, for people
	belongs  TEXT NOT NULL,    -- the check's own business day
	category TEXT NOT NULL,
	rate     INTEGER NOT NULL, -- basis points
	net      INTEGER NOT NULL, -- cents, excl. VAT; negative for a correction down
	vat      INTEGER NOT NULL,
	checks   INTEGER NOT NULL, -- 1 on the part that first counts its check, else 0
	at       INTEGER NOT NULL  -- unix ms
) STRICT;
CREATE INDEX day_parts_check ON day_parts(shop_id, check_id);

-- The parts of each summary added up as they are added, so that making a
-- summary again at every check of a busy day reads a few rows, not all.
CREATE TABLE day_sums (
	shop_id  INTEGER NOT NULL REFERENCES shops(id),
	day      TEXT NOT NULL,
	belongs  TEXT NOT NULL,
	category TEXT NOT NULL,
	rate     INTEGER NOT NULL,
	net      INTEGER NOT NULL,
	vat      INTEGER NOT NULL,
	checks   INTEGER NOT NULL,
	PRIMARY KEY (shop_id, day, belongs, category, rate)
) STRICT, WITHOUT ROWID;

-- A closed check recorded but not yet counted (reason_arg '' until it is):
-- found after every delivery without reading the day's counted checks.
CREATE INDEX orders_uncounted ON orders(shop_id) WHERE reason = 'in_day_summary' AND reason_arg = '';

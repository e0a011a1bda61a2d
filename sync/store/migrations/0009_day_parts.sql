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
	at       INTEGER NOT NULL  -- unix ms
) STRICT;
CREATE INDEX day_parts_day ON day_parts(shop_id, day);
CREATE INDEX day_parts_check ON day_parts(shop_id, check_id);

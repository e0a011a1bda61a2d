-- A shop's options: the per-shop settings of its kind (Plug&Pay's "also on
-- direct debits and instalments", "per order line", a product filter), as a
-- JSON object of option key to value. '{}' for every shop until now: its
-- kind's defaults apply.

ALTER TABLE shops ADD COLUMN options TEXT NOT NULL DEFAULT '{}';

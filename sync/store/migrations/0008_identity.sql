-- What identifies the shop behind a shop's credentials, so that a removed
-- shop connected again gets its id, slug and bookings back: its address
-- for a shop system whose address is the shop's own (WooCommerce, every
-- shop until now), the account for one whose API host is every account's
-- (Plug&Pay: "tenant:<id>"). '' never matches: such a shop is new.

ALTER TABLE shops ADD COLUMN identity TEXT NOT NULL DEFAULT '';
UPDATE shops SET identity = base_url;

-- Orders changed in the shop after their invoice was booked, the EUR rate a
-- person gave for a non-EUR order, and the invoice as it was booked (later
-- credit notes are spread over it, not over an edited order).
ALTER TABLE orders ADD COLUMN changed_after_booking INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN change_note TEXT NOT NULL DEFAULT '';   -- e.g. "status cancelled", "total 40.00 -> 35.00"
ALTER TABLE orders ADD COLUMN eur_rate TEXT NOT NULL DEFAULT '';      -- EUR per unit of the order's currency, as typed
ALTER TABLE orders ADD COLUMN booked_invoice BLOB;                     -- JSON of the order.Invoice as booked
CREATE INDEX orders_changed ON orders(shop_id, created) WHERE changed_after_booking = 1;

-- A credit note for a change after booking has no refund in the shop: its
-- amount (cents) and note are kept with the booking.
ALTER TABLE outbox ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- Why a pending booking waits, on the booking itself: a credit note of an
-- order booked already waits for a token, an unmapped VAT case or a rate
-- limit without its order saying so (the order stays booked, with no
-- reason), and it must still be counted and released when that is fixed.
ALTER TABLE outbox ADD COLUMN reason TEXT NOT NULL DEFAULT '';

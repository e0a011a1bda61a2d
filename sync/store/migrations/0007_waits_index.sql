-- What waits on a person (Store.OwnerWaits, asked after every sync and for
-- every view of the attention list) is orders of a state with one of a few
-- reasons: a booked order whose credit note failed among thousands booked.
-- orders_state has no reason, so each such term read every row of its
-- state; this index finds them directly.

CREATE INDEX orders_waits ON orders(state, reason, shop_id);

-- An online ledger's memory (Moneybird, e-Boekhouden): per administration
-- (ns, "moneybird/123"), what was sent for which booking and which contact
-- a customer has. Neither package deduplicates, so a retry after a lost
-- answer reads here whether to look the invoice up before creating it.
CREATE TABLE ledger_journal (
	ns         TEXT NOT NULL,
	key        TEXT NOT NULL,
	state      TEXT NOT NULL,
	ref        TEXT NOT NULL DEFAULT '',
	data       TEXT NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL, -- unix ms
	PRIMARY KEY (ns, key)
) STRICT, WITHOUT ROWID;

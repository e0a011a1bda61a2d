-- A shop's immutable slug (file names, webhook paths), what it sells, and
-- removal that keeps the books.
--
-- slug: made once from the first name when the shop is added; renaming a
-- shop changes only its name. Existing shops get their name, which is what
-- their invoice files and webhook URLs used until now, so nothing moves.
-- sells: "goods" or "services" (reverse charge AE only for services).
-- removed_at: a removed shop is kept, with every order and booking record,
-- so the books stay complete; it is no longer listed, polled or reachable
-- by webhook, and its slug is never given to another shop (its invoice
-- files keep their names).

ALTER TABLE shops ADD COLUMN slug TEXT NOT NULL DEFAULT '';
UPDATE shops SET slug = name;
CREATE UNIQUE INDEX shops_slug ON shops(slug);
ALTER TABLE shops ADD COLUMN sells TEXT NOT NULL DEFAULT 'goods' CHECK (sells IN ('goods', 'services'));
ALTER TABLE shops ADD COLUMN removed_at INTEGER NOT NULL DEFAULT 0;

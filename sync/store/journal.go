package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// Journal is the online ledger journal of namespace ns (one administration
// of one package: "moneybird/123"). Every Put is committed when it returns.
func (s *Store) Journal(ns string) ledger.Journal { return journal{s: s, ns: ns} }

type journal struct {
	s  *Store
	ns string
}

func (j journal) Get(ctx context.Context, key string) (ledger.Entry, bool, error) {
	var e ledger.Entry
	err := j.s.db.QueryRowContext(ctx, `SELECT state, ref, data FROM ledger_journal WHERE ns=? AND key=?`, j.ns, key).
		Scan(&e.State, &e.Ref, &e.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Entry{}, false, nil
	}
	if err != nil {
		return ledger.Entry{}, false, fmt.Errorf("ledger journal %s: %w", key, err)
	}
	return e, true, nil
}

func (j journal) Put(ctx context.Context, key string, e ledger.Entry) error {
	if _, err := j.s.db.ExecContext(ctx, `INSERT INTO ledger_journal(ns, key, state, ref, data, updated_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT(ns, key) DO UPDATE SET state=excluded.state, ref=excluded.ref, data=excluded.data, updated_at=excluded.updated_at`,
		j.ns, key, e.State, e.Ref, e.Data, j.s.now()); err != nil {
		return fmt.Errorf("ledger journal %s: %w", key, err)
	}
	return nil
}

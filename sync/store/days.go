package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/orderbrug/orderbrug/sync/order"
)

// DayPart is what one check counts in one day's summary, for one VAT
// category and rate (see migration 0009).
type DayPart struct {
	Day      string // the summary it is counted in
	CheckID  string
	Number   string
	Belongs  string // the check's own business day
	Category order.Category
	Rate     order.Rate
	Net, VAT order.Money
	// Checks is 1 on the part that first counts its check, else 0.
	Checks int
}

// Tx is one transaction of the store, for work that reads and writes
// several orders at once (a till's check and its day summary): all of it
// is kept, or none.
type Tx struct {
	s   *Store
	tx  *sql.Tx
	now int64
}

// InTx runs fn in one transaction and commits when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(&Tx{s: s, tx: tx, now: s.now()}); err != nil {
		return err
	}
	return tx.Commit()
}

// Record is Store.Record inside the transaction, with the snapshot.
func (t *Tx) Record(ctx context.Context, shopID int64, extID string) (Record, error) {
	r, err := recordTx(ctx, t.tx, shopID, extID, true)
	if err != nil {
		return Record{}, err
	}
	return *r, nil
}

// Apply is Store.Apply inside the transaction.
func (t *Tx) Apply(ctx context.Context, obs []Observation, decide DecideFunc) ([]Outcome, error) {
	st, err := prepareApply(ctx, t.tx)
	if err != nil {
		return nil, err
	}
	defer st.close()
	out := make([]Outcome, len(obs))
	for i, ob := range obs {
		if out[i], err = st.applyOne(ctx, ob, decide, t.now); err != nil {
			return nil, fmt.Errorf("apply order %s: %w", ob.Order.ID, err)
		}
	}
	return out, nil
}

// SetReason sets an order's state, reason and its argument, keeping the
// state's age when none of them changes.
func (t *Tx) SetReason(ctx context.Context, shopID int64, extID string, st State, reason, arg, detail string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE orders SET state_at = CASE WHEN state=? AND reason=? AND reason_arg=? THEN state_at ELSE ? END,
		state=?, reason=?, reason_arg=?, detail=? WHERE shop_id=? AND ext_id=?`,
		st, reason, arg, t.now, st, reason, arg, detail, shopID, extID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("order %s: %w", extID, ErrNotFound)
	}
	return nil
}

// AddEvent records an event in the transaction.
func (t *Tx) AddEvent(ctx context.Context, e Event) error { return addEventTx(ctx, t.tx, t.now, e) }

// AddDayParts adds parts.
func (t *Tx) AddDayParts(ctx context.Context, shopID int64, parts []DayPart) error {
	for _, p := range parts {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO day_parts(shop_id, day, check_id, number, belongs, category, rate, net, vat, checks, at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?)`, shopID, p.Day, p.CheckID, p.Number, p.Belongs, string(p.Category), int64(p.Rate),
			int64(p.Net), int64(p.VAT), p.Checks, t.now); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO day_sums(shop_id, day, belongs, category, rate, net, vat, checks)
			VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET net = net + excluded.net, vat = vat + excluded.vat,
			checks = checks + excluded.checks`, shopID, p.Day, p.Belongs, string(p.Category), int64(p.Rate),
			int64(p.Net), int64(p.VAT), p.Checks); err != nil {
			return err
		}
	}
	return nil
}

// DayParts are the parts of day's summary, oldest first.
func (t *Tx) DayParts(ctx context.Context, shopID int64, day string) ([]DayPart, error) {
	return dayParts(ctx, t.tx, `shop_id=? AND day=?`, shopID, day)
}

// DaySum is a day summary's parts added up: per day they belong to,
// category and rate, with the number of checks of the day itself and of
// earlier days (corrections).
type DaySum struct {
	Parts      []DayPart // CheckID and Number empty
	Checks     int
	LateChecks int
}

// DaySum is day's summary added up (day_sums, kept as parts are added: a
// summary is made again at every check, and a busy day has thousands).
func (t *Tx) DaySum(ctx context.Context, shopID int64, day string) (DaySum, error) {
	sum := DaySum{}
	rows, err := t.tx.QueryContext(ctx, `SELECT belongs, category, rate, net, vat, checks FROM day_sums
		WHERE shop_id=? AND day=? ORDER BY belongs, category, rate`, shopID, day)
	if err != nil {
		return sum, err
	}
	defer rows.Close()
	for rows.Next() {
		p := DayPart{Day: day}
		var cat string
		var rate, net, vat int64
		if err := rows.Scan(&p.Belongs, &cat, &rate, &net, &vat, &p.Checks); err != nil {
			return sum, err
		}
		p.Category, p.Rate, p.Net, p.VAT = order.Category(cat), order.Rate(rate), order.Money(net), order.Money(vat)
		if p.Belongs == day {
			sum.Checks += p.Checks
		} else {
			sum.LateChecks += p.Checks
		}
		sum.Parts = append(sum.Parts, p)
	}
	return sum, rows.Err()
}

// CheckParts are the parts a check counts in any day, oldest first.
func (t *Tx) CheckParts(ctx context.Context, shopID int64, checkID string) ([]DayPart, error) {
	return dayParts(ctx, t.tx, `shop_id=? AND check_id=?`, shopID, checkID)
}

// DayParts are the parts of day's summary, oldest first.
func (s *Store) DayParts(ctx context.Context, shopID int64, day string) ([]DayPart, error) {
	return dayParts(ctx, s.db, `shop_id=? AND day=?`, shopID, day)
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func dayParts(ctx context.Context, q rowsQuerier, where string, args ...any) ([]DayPart, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, check_id, number, belongs, category, rate, net, vat, checks FROM day_parts WHERE `+
		where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayPart
	for rows.Next() {
		var p DayPart
		var cat string
		var rate, net, vat int64
		if err := rows.Scan(&p.Day, &p.CheckID, &p.Number, &p.Belongs, &cat, &rate, &net, &vat, &p.Checks); err != nil {
			return nil, err
		}
		p.Category, p.Rate, p.Net, p.VAT = order.Category(cat), order.Rate(rate), order.Money(net), order.Money(vat)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ShopsCollecting are the ids of the shops, removed ones too, with a day
// summary parked for reason (a till's collecting day): a till removed while
// its day collected still has that day closed and booked.
func (s *Store) ShopsCollecting(ctx context.Context, reason string) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT shop_id FROM orders WHERE state = 'parked' AND reason = ? ORDER BY shop_id`, reason)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UncountedChecks are the ext ids of shop's closed checks recorded but not
// yet counted in a day summary (orders_uncounted).
func (s *Store) UncountedChecks(ctx context.Context, shopID int64) ([]string, error) {
	return s.extIDs(ctx, `SELECT ext_id FROM orders INDEXED BY orders_uncounted WHERE shop_id=? AND reason = 'in_day_summary' AND reason_arg = ''
		AND state = 'ignored' ORDER BY ext_id`, shopID)
}

// ExtIDs are the ext ids of shop's orders in state st with reason (and,
// when arg is not nil, that reason argument), for sweeps such as a till's
// checks not yet counted in a day and its days still collecting.
func (s *Store) ExtIDs(ctx context.Context, shopID int64, st State, reason string, arg *string) ([]string, error) {
	q, args := `SELECT ext_id FROM orders WHERE shop_id=? AND state=? AND reason=?`, []any{shopID, st, reason}
	if arg != nil {
		q += ` AND reason_arg=?`
		args = append(args, *arg)
	}
	return s.extIDs(ctx, q+` ORDER BY ext_id`, args...)
}

func (s *Store) extIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

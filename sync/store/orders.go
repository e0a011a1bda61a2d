package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// State is where an order is in Orderbrug.
type State string

// Order states. Every order observed ends in one of them.
const (
	// Parked: seen, not (yet) to be booked; shown in the Open tab.
	Parked State = "parked"
	// Queued: to be booked; the outbox has its booking.
	Queued State = "queued"
	// Booked: in the ledger.
	Booked State = "booked"
	// Failed: booking failed for a reason a person must fix.
	Failed State = "failed"
	// Ignored: a person (or the start date) decided it is not booked.
	Ignored State = "ignored"
	// Unbookable: can never be booked as it is (cancelled, failed, trashed,
	// an abandoned checkout draft): parked longer than the grace period, it
	// left the Open tab for "Niet te boeken", with its reason. It comes back
	// when the shop moves it to a forwarded status.
	Unbookable State = "unbookable"
)

// ValidState reports whether s names a state.
func ValidState(s string) bool {
	switch State(s) {
	case Parked, Queued, Booked, Failed, Ignored, Unbookable:
		return true
	}
	return false
}

// Record is an order as Orderbrug keeps it.
type Record struct {
	ShopID   int64
	Shop     string
	ExtID    string
	Number   string
	Status   order.Status
	Created  time.Time
	Modified time.Time
	Customer string
	Total    order.Money
	Currency string
	State    State
	// Reason is a machine code (see the engine), ReasonArg its argument, and
	// Detail the technical detail; the UI makes the sentence.
	Reason      string
	ReasonArg   string
	Detail      string
	FirstSeen   time.Time
	LastChecked time.Time
	StateAt     time.Time
	InvoiceID   string
	InvoiceDate time.Time
	BookingRef  string
	// ChangedAfterBooking is set when the shop changed the order after its
	// invoice was booked (cancelled, trashed, refunded by an edit, or an
	// edited total); ChangeNote says what changed ("status cancelled",
	// "total 40.00 -> 35.00"). It is cleared when a person has the change
	// credited (Engine.CreditChange).
	ChangedAfterBooking bool
	ChangeNote          string
	// EURRate is the rate a person gave for a non-EUR order: EUR per one unit
	// of the order's currency, as typed ("0.9213").
	EURRate string
	// Snapshot is the normalized order; only filled by Record and
	// RecordByNumber.
	Snapshot []byte
	// BookedInvoice is the JSON of the order.Invoice as it was booked (nil
	// until booked); only filled with Snapshot. Credit notes are spread over
	// it, never over an order edited after booking.
	BookedInvoice []byte
}

// Invoice decodes the invoice as it was booked; ok is false when none is
// kept (not booked yet, or booked before Orderbrug kept it).
func (r Record) Invoice() (inv order.Invoice, ok bool, err error) {
	if len(r.BookedInvoice) == 0 {
		return inv, false, nil
	}
	if err := json.Unmarshal(r.BookedInvoice, &inv); err != nil {
		return inv, false, fmt.Errorf("booked invoice of order %s: %w", r.ExtID, err)
	}
	return inv, true, nil
}

// Order decodes the snapshot.
func (r Record) Order() (order.Order, error) {
	var o order.Order
	if len(r.Snapshot) == 0 {
		return o, errors.New("record has no snapshot loaded")
	}
	err := json.Unmarshal(r.Snapshot, &o)
	return o, err
}

// Observation is one snapshot of an order reported by a source.
type Observation struct {
	ShopID int64
	Order  order.Order
	// Raw is the source's payload, kept for support and replay.
	Raw []byte
	// Authoritative marks what the shop says now (fetched by id): an equal
	// modified time with a different body is then taken, not a Conflict.
	Authoritative bool
}

// Booking is an outbox entry a decision asks for.
type Booking struct {
	Key      string
	Kind     order.InvoiceKind
	RefundID string
	// Amount and Note are set for a credit note that no refund in the shop
	// stands for (a change after booking): what it credits, and why.
	Amount order.Money
	Note   string
}

// Decision is what the engine decided for an observed order. Bookings whose
// Key is already in the outbox are not added again; a failed one is retried
// when RetryFailed is set (the order changed, so the cause may be fixed).
type Decision struct {
	State       State
	Reason      string
	ReasonArg   string
	Detail      string
	Bookings    []Booking
	RetryFailed bool
	Events      []Event
	// ChangedAfterBooking and ChangeNote: see Record.
	ChangedAfterBooking bool
	ChangeNote          string
}

// DecideFunc decides for an order observed new or changed. prev is nil for a
// new order.
type DecideFunc func(prev *Record, o order.Order) Decision

// Outcome tells what Apply did with one observation.
type Outcome int

// Outcomes.
const (
	// New: first time seen.
	New Outcome = iota + 1
	// Changed: newer than what was kept.
	Changed
	// Repeat: the same snapshot again; nothing changed.
	Repeat
	// Stale: older than what is kept; ignored.
	Stale
	// Conflict: the same modified time as what is kept but a different
	// body (two changes in one second): not applied. The caller fetches the
	// order and applies what the shop says now, as Authoritative.
	Conflict
)

func (o Outcome) String() string {
	return [...]string{"", "new", "changed", "repeat", "stale", "conflict"}[o]
}

// Apply keeps the newest snapshot of each observed order and stores the
// decision for it, all in one transaction: either every observation is
// applied or none. An older snapshot (by the source's modified time) never
// overwrites a newer one, and a repeat changes nothing.
func (s *Store) Apply(ctx context.Context, obs []Observation, decide DecideFunc) ([]Outcome, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	defer tx.Rollback()
	st, err := prepareApply(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	defer st.close()
	now := s.now()
	out := make([]Outcome, len(obs))
	for i, ob := range obs {
		o, err := st.applyOne(ctx, ob, decide, now)
		if err != nil {
			return nil, fmt.Errorf("apply order %s: %w", ob.Order.ID, err)
		}
		out[i] = o
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	return out, nil
}

// applyStmts are Apply's statements, prepared once per transaction: parsing
// the SQL again for every order costs more than running it.
type applyStmts struct {
	get, touch, upsert, book, rebook, event *sql.Stmt
}

const upsertOrder = `INSERT INTO orders(shop_id, ext_id, number, status, created, modified, customer, total,
		currency, state, reason, reason_arg, detail, snapshot, raw, first_seen, last_checked, state_at,
		changed_after_booking, change_note)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(shop_id, ext_id) DO UPDATE SET number=excluded.number, status=excluded.status,
			created=excluded.created, modified=excluded.modified, customer=excluded.customer, total=excluded.total,
			currency=excluded.currency, state=excluded.state, reason=excluded.reason, reason_arg=excluded.reason_arg,
			detail=excluded.detail, snapshot=excluded.snapshot, raw=COALESCE(excluded.raw, orders.raw),
			last_checked=excluded.last_checked, state_at=excluded.state_at,
			changed_after_booking=excluded.changed_after_booking, change_note=excluded.change_note`

const insertBooking = `INSERT INTO outbox(key, shop_id, ext_id, kind, refund_id, state, next_at, created_at, amount, note)
		VALUES (?,?,?,?,?,'pending',?,?,?,?) ON CONFLICT(key) DO NOTHING`

const insertOrRetryBooking = `INSERT INTO outbox(key, shop_id, ext_id, kind, refund_id, state, next_at, created_at, amount, note)
		VALUES (?,?,?,?,?,'pending',?,?,?,?) ON CONFLICT(key) DO UPDATE SET state='pending', attempts=0,
		next_at=excluded.next_at, last_error='', reason='' WHERE outbox.state='failed'`

const insertEvent = `INSERT INTO events(at, level, shop, order_no, code, args, detail) VALUES (?,?,?,?,?,?,?)`

func prepareApply(ctx context.Context, tx *sql.Tx) (*applyStmts, error) {
	st := &applyStmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&st.get, `SELECT ` + recordCols + `, o.snapshot, o.booked_invoice FROM orders o JOIN shops s ON s.id=o.shop_id WHERE o.shop_id=? AND o.ext_id=?`},
		{&st.touch, `UPDATE orders SET last_checked=? WHERE shop_id=? AND ext_id=?`},
		{&st.upsert, upsertOrder},
		{&st.book, insertBooking},
		{&st.rebook, insertOrRetryBooking},
		{&st.event, insertEvent},
	} {
		stmt, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			st.close()
			return nil, err
		}
		*p.dst = stmt
	}
	return st, nil
}

func (st *applyStmts) close() {
	for _, x := range []*sql.Stmt{st.get, st.touch, st.upsert, st.book, st.rebook, st.event} {
		if x != nil {
			x.Close()
		}
	}
}

func (st *applyStmts) applyOne(ctx context.Context, ob Observation, decide DecideFunc, now int64) (Outcome, error) {
	o := ob.Order
	snap, err := json.Marshal(o)
	if err != nil {
		return 0, err
	}
	var prev *Record
	var prevSnap, prevInv []byte
	r, err := scanRecord(st.get.QueryRowContext(ctx, ob.ShopID, o.ID), &prevSnap, &prevInv)
	switch {
	case err == nil:
		r.Snapshot, r.BookedInvoice = prevSnap, prevInv
		prev = &r
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	outcome := New
	if prev != nil {
		switch {
		case o.Modified.Before(prev.Modified):
			return Stale, nil
		case o.Modified.Equal(prev.Modified) && bytes.Equal(snap, prev.Snapshot):
			_, err := st.touch.ExecContext(ctx, now, ob.ShopID, o.ID)
			return Repeat, err
		case o.Modified.Equal(prev.Modified) && !ob.Authoritative:
			return Conflict, nil
		}
		outcome = Changed
	}
	d := decide(prev, o)
	if d.State == "" {
		return 0, errors.New("decision without a state")
	}
	customer := o.Buyer.Company
	if customer == "" {
		customer = o.Buyer.Name
	}
	stateAt := now
	// The state's age is that of its reason: an order moved from on-hold
	// to cancelled is parked for a new reason from now.
	if prev != nil && prev.State == d.State && prev.Reason == d.Reason && prev.ReasonArg == d.ReasonArg {
		stateAt = ms(prev.StateAt)
	}
	if _, err := st.upsert.ExecContext(ctx, ob.ShopID, o.ID, o.Number, o.Status, ms(o.Created), ms(o.Modified), customer,
		int64(o.Total), o.Currency, d.State, d.Reason, d.ReasonArg, d.Detail, snap, ob.Raw, now, now, stateAt,
		d.ChangedAfterBooking, d.ChangeNote); err != nil {
		return 0, err
	}
	ins := st.book
	if d.RetryFailed {
		ins = st.rebook
	}
	for _, b := range d.Bookings {
		if _, err := ins.ExecContext(ctx, b.Key, ob.ShopID, o.ID, b.Kind, b.RefundID, now, now, int64(b.Amount), b.Note); err != nil {
			return 0, err
		}
	}
	for _, e := range d.Events {
		if err := addEventTx(ctx, stmtExecer{st.event}, now, e); err != nil {
			return 0, err
		}
	}
	return outcome, nil
}

// stmtExecer runs a prepared insertEvent as an execer.
type stmtExecer struct{ st *sql.Stmt }

func (x stmtExecer) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return x.st.ExecContext(ctx, args...)
}

const recordCols = `o.shop_id, s.name, o.ext_id, o.number, o.status, o.created, o.modified, o.customer, o.total,
	o.currency, o.state, o.reason, o.reason_arg, o.detail, o.first_seen, o.last_checked, o.state_at,
	o.invoice_id, o.invoice_date, o.booking_ref, o.changed_after_booking, o.change_note, o.eur_rate`

func scanRecord(row interface{ Scan(...any) error }, extra ...any) (Record, error) {
	var r Record
	var created, modified, firstSeen, lastChecked, stateAt, invDate int64
	dest := []any{&r.ShopID, &r.Shop, &r.ExtID, &r.Number, &r.Status, &created, &modified, &r.Customer, &r.Total,
		&r.Currency, &r.State, &r.Reason, &r.ReasonArg, &r.Detail, &firstSeen, &lastChecked, &stateAt,
		&r.InvoiceID, &invDate, &r.BookingRef, &r.ChangedAfterBooking, &r.ChangeNote, &r.EURRate}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return r, err
	}
	r.Created, r.Modified, r.FirstSeen = fromMS(created), fromMS(modified), fromMS(firstSeen)
	r.LastChecked, r.StateAt, r.InvoiceDate = fromMS(lastChecked), fromMS(stateAt), fromMS(invDate)
	return r, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func recordTx(ctx context.Context, q querier, shopID int64, extID string, withSnapshot bool) (*Record, error) {
	var snap, inv []byte
	r, err := scanRecord(q.QueryRowContext(ctx, `SELECT `+recordCols+`, o.snapshot, o.booked_invoice FROM orders o
		JOIN shops s ON s.id=o.shop_id WHERE o.shop_id=? AND o.ext_id=?`, shopID, extID), &snap, &inv)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("order %s: %w", extID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if withSnapshot {
		r.Snapshot, r.BookedInvoice = snap, inv
	}
	return &r, nil
}

// Record returns one order with its snapshot, by the source's id.
func (s *Store) Record(ctx context.Context, shopID int64, extID string) (Record, error) {
	r, err := recordTx(ctx, s.db, shopID, extID, true)
	if err != nil {
		return Record{}, err
	}
	return *r, nil
}

// RecordByNumber returns one order with its snapshot, by its order number
// (what people see), falling back to the source's id.
func (s *Store) RecordByNumber(ctx context.Context, shopID int64, number string) (Record, error) {
	var extID string
	err := s.db.QueryRowContext(ctx, `SELECT ext_id FROM orders WHERE shop_id=? AND number=? ORDER BY created DESC LIMIT 1`,
		shopID, number).Scan(&extID)
	if errors.Is(err, sql.ErrNoRows) {
		extID = number
	} else if err != nil {
		return Record{}, err
	}
	return s.Record(ctx, shopID, extID)
}

// Filter selects orders for a list.
type Filter struct {
	ShopID int64   // 0: all shops
	States []State // empty: all states
	Status order.Status
	// Search matches the order number or the customer (case-insensitive).
	Search string
	// Changed selects only orders changed after booking.
	Changed bool
	// Reason selects only orders with this reason code ("" for any).
	Reason string
	Limit  int // 0: no limit
	Offset int
}

// Records lists orders without their snapshots, newest first.
func (s *Store) Records(ctx context.Context, f Filter) ([]Record, error) {
	var where []string
	var args []any
	if f.ShopID != 0 {
		where, args = append(where, "o.shop_id = ?"), append(args, f.ShopID)
	}
	if len(f.States) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(f.States)), ",")
		where = append(where, "o.state IN ("+ph+")")
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	if f.Status != "" {
		where, args = append(where, "o.status = ?"), append(args, f.Status)
	}
	if f.Changed {
		where = append(where, "o.changed_after_booking = 1")
	}
	if f.Reason != "" {
		where, args = append(where, "o.reason = ?"), append(args, f.Reason)
	}
	if f.Search != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Search) + "%"
		where = append(where, `(o.number LIKE ? ESCAPE '\' OR o.customer LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	q := `SELECT ` + recordCols + ` FROM orders o JOIN shops s ON s.id=o.shop_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY o.created DESC, o.ext_id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Counts are the number of orders per state, and booked since a time.
type Counts struct {
	ByState     map[State]int
	BookedSince int
}

// Count counts a shop's orders (all shops for 0) per state, and those booked
// at or after since.
func (s *Store) Count(ctx context.Context, shopID int64, since time.Time) (Counts, error) {
	c := Counts{ByState: map[State]int{}}
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*), SUM(state='booked' AND state_at >= ?) FROM orders
		WHERE (? = 0 OR shop_id = ?) GROUP BY state`, ms(since), shopID, shopID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var st State
		var n, booked int
		if err := rows.Scan(&st, &n, &booked); err != nil {
			return c, err
		}
		c.ByState[st] = n
		c.BookedSince += booked
	}
	return c, rows.Err()
}

// SetState changes an order's state by a person's action (ignore, or back to
// parked), with a reason code. It records the event too.
func (s *Store) SetState(ctx context.Context, shopID int64, extID string, st State, reason string, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE orders SET state=?, reason=?, reason_arg='', detail='', state_at=? WHERE shop_id=? AND ext_id=?`,
		st, reason, now, shopID, extID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("order %s: %w", extID, ErrNotFound)
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return err
	}
	return tx.Commit()
}

// Queue puts an order in the queue with the given bookings, whatever its
// status ("toch doorzetten", or a retry after a failure).
func (s *Store) Queue(ctx context.Context, shopID int64, extID string, reason string, bookings []Booking, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE orders SET state='queued', reason=?, reason_arg='', detail='', state_at=?
		WHERE shop_id=? AND ext_id=?`, reason, now, shopID, extID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("order %s: %w", extID, ErrNotFound)
	}
	for _, b := range bookings {
		if _, err := tx.ExecContext(ctx, insertOrRetryBooking, b.Key, shopID, extID, b.Kind, b.RefundID, now, now,
			int64(b.Amount), b.Note); err != nil {
			return err
		}
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return err
	}
	return tx.Commit()
}

// RecheckIDs lists the source ids of a shop's parked orders, and of those
// kept as failed because the shop's payload could not be read, created at
// or after since (all of them for a zero since).
func (s *Store) RecheckIDs(ctx context.Context, shopID int64, since time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ext_id FROM orders WHERE shop_id=?
		AND (state='parked' OR (state='failed' AND reason='unparseable')) AND created >= ?
		ORDER BY created`, shopID, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Redecide runs decide again over a shop's orders in the given states, for
// a changed forward set: parked orders whose status is now forwarded queue.
func (s *Store) Redecide(ctx context.Context, shopID int64, states []State, decide DecideFunc) (int, error) {
	recs, err := s.Records(ctx, Filter{ShopID: shopID, States: states})
	if err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := s.now()
	changed := 0
	for _, r := range recs {
		full, err := recordTx(ctx, tx, shopID, r.ExtID, true)
		if err != nil {
			return 0, err
		}
		o, err := full.Order()
		if err != nil {
			return 0, err
		}
		d := decide(full, o)
		if d.State == full.State && d.Reason == full.Reason && d.ReasonArg == full.ReasonArg {
			continue
		}
		changed++
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET state=?, reason=?, reason_arg=?, detail=?, state_at=?
			WHERE shop_id=? AND ext_id=?`, d.State, d.Reason, d.ReasonArg, d.Detail, now, shopID, r.ExtID); err != nil {
			return 0, err
		}
		for _, b := range d.Bookings {
			if _, err := tx.ExecContext(ctx, insertBooking, b.Key, shopID, r.ExtID, b.Kind, b.RefundID, now, now,
				int64(b.Amount), b.Note); err != nil {
				return 0, err
			}
		}
		for _, e := range d.Events {
			if err := addEventTx(ctx, tx, now, e); err != nil {
				return 0, err
			}
		}
	}
	return changed, tx.Commit()
}

// SetEURRate stores the rate a person gave for a non-EUR order (EUR per one
// unit of its currency, as typed); the engine passes it to the invoice.
func (s *Store) SetEURRate(ctx context.Context, shopID int64, extID, rate string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE orders SET eur_rate=? WHERE shop_id=? AND ext_id=?`, rate, shopID, extID)
	if err != nil {
		return fmt.Errorf("set EUR rate of order %s: %w", extID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("order %s: %w", extID, ErrNotFound)
	}
	return nil
}

// Unreadable is an order a source returned that could not be parsed.
type Unreadable struct {
	ShopID int64
	// ExtID is the source's id of the order, as far as the payload tells.
	ExtID    string
	Modified time.Time
	Raw      []byte
	// Detail is the parse error, for support.
	Detail string
}

// KeepUnreadable keeps orders that could not be parsed, so that none is
// lost: an order not seen before is kept as failed with reason, its raw
// payload and the detail (its snapshot names only its id); a known order
// that is not booked becomes failed with the reason, its last good snapshot
// kept; a booked order stays booked, with the raw payload kept and ev
// logged. One event per order is logged, with ev's fields and its number.
func (s *Store) KeepUnreadable(ctx context.Context, us []Unreadable, reason string, src order.Source, ev Event) error {
	if len(us) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("keep unreadable orders: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	for _, u := range us {
		snap, err := json.Marshal(order.Order{Source: src, ID: u.ExtID, Number: u.ExtID, Modified: u.Modified})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO orders(shop_id, ext_id, number, status, created, modified, total,
			state, reason, detail, snapshot, raw, first_seen, last_checked, state_at)
			VALUES (?,?,?,'',?,?,0,'failed',?,?,?,?,?,?,?)
			ON CONFLICT(shop_id, ext_id) DO UPDATE SET raw=excluded.raw, last_checked=excluded.last_checked,
				state=CASE WHEN orders.state IN ('booked','ignored','unbookable') THEN orders.state ELSE 'failed' END,
				reason=CASE WHEN orders.state IN ('booked','ignored','unbookable') THEN orders.reason ELSE excluded.reason END,
				detail=CASE WHEN orders.state IN ('booked','ignored','unbookable') THEN orders.detail ELSE excluded.detail END,
				state_at=CASE WHEN orders.state IN ('booked','failed','ignored','unbookable') THEN orders.state_at ELSE excluded.state_at END`,
			u.ShopID, u.ExtID, u.ExtID, ms(u.Modified), ms(u.Modified), reason, u.Detail, snap, u.Raw, now, now, now); err != nil {
			return fmt.Errorf("keep unreadable order %s: %w", u.ExtID, err)
		}
		e := ev
		e.OrderNo, e.Detail = u.ExtID, u.Detail
		if err := addEventTx(ctx, tx, now, e); err != nil {
			return fmt.Errorf("keep unreadable order %s: %w", u.ExtID, err)
		}
	}
	return tx.Commit()
}

// Raw returns the source's payload kept for an order (nil if none).
func (s *Store) Raw(ctx context.Context, shopID int64, extID string) ([]byte, error) {
	var raw []byte
	err := s.db.QueryRowContext(ctx, `SELECT raw FROM orders WHERE shop_id=? AND ext_id=?`, shopID, extID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("order %s: %w", extID, ErrNotFound)
	}
	return raw, err
}

// RecordKey names an order across shops.
type RecordKey struct {
	ShopID int64
	ExtID  string
}

// RecordsOf returns the orders of the given outbox items with their
// snapshots and booked invoices, in one query, by shop and source id. An
// order that does not exist is absent from the map.
func (s *Store) RecordsOf(ctx context.Context, items []OutboxItem) (map[RecordKey]Record, error) {
	out := make(map[RecordKey]Record, len(items))
	for start := 0; start < len(items); start += 400 {
		chunk := items[start:min(start+400, len(items))]
		args := make([]any, 0, 2*len(chunk))
		for _, it := range chunk {
			args = append(args, it.ShopID, it.ExtID)
		}
		ph := strings.TrimSuffix(strings.Repeat("(?,?),", len(chunk)), ",")
		rows, err := s.db.QueryContext(ctx, `SELECT `+recordCols+`, o.snapshot, o.booked_invoice FROM orders o
			JOIN shops s ON s.id=o.shop_id WHERE (o.shop_id, o.ext_id) IN (VALUES `+ph+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("orders of bookings: %w", err)
		}
		for rows.Next() {
			var snap, inv []byte
			r, err := scanRecord(rows, &snap, &inv)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("orders of bookings: %w", err)
			}
			r.Snapshot, r.BookedInvoice = snap, inv
			out[RecordKey{r.ShopID, r.ExtID}] = r
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("orders of bookings: %w", err)
		}
	}
	return out, nil
}

// UnbookableRule says which parked orders can never be booked: those parked
// for one of Reasons, or for NotForwarded with one of Statuses (any shop's)
// or with one of SourceStatuses of their shop's source.
type UnbookableRule struct {
	Reasons        []string
	NotForwarded   string
	Statuses       []order.Status
	SourceStatuses map[order.Source][]order.Status
}

// MarkUnbookable moves the parked orders that rule says can never be booked,
// and that were parked before before, to Unbookable, keeping their reason.
// It logs one event (code) per shop with the count, and returns how many
// orders moved.
func (s *Store) MarkUnbookable(ctx context.Context, before time.Time, rule UnbookableRule, code string) (int, error) {
	var args []any
	args = append(args, s.now(), ms(before))
	cond := []string{}
	if len(rule.Reasons) > 0 {
		cond = append(cond, "reason IN ("+strings.TrimSuffix(strings.Repeat("?,", len(rule.Reasons)), ",")+")")
		for _, r := range rule.Reasons {
			args = append(args, r)
		}
	}
	if rule.NotForwarded != "" && len(rule.Statuses) > 0 {
		cond = append(cond, "(reason = ? AND status IN ("+strings.TrimSuffix(strings.Repeat("?,", len(rule.Statuses)), ",")+"))")
		args = append(args, rule.NotForwarded)
		for _, st := range rule.Statuses {
			args = append(args, st)
		}
	}
	if rule.NotForwarded != "" {
		srcs := make([]string, 0, len(rule.SourceStatuses))
		for src := range rule.SourceStatuses {
			srcs = append(srcs, string(src))
		}
		sort.Strings(srcs)
		for _, src := range srcs {
			sts := rule.SourceStatuses[order.Source(src)]
			if len(sts) == 0 {
				continue
			}
			cond = append(cond, "(reason = ? AND shop_id IN (SELECT id FROM shops WHERE source = ?) AND status IN ("+
				strings.TrimSuffix(strings.Repeat("?,", len(sts)), ",")+"))")
			args = append(args, rule.NotForwarded, src)
			for _, st := range sts {
				args = append(args, st)
			}
		}
	}
	if len(cond) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("mark unbookable: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE orders SET state='unbookable', state_at=?
		WHERE state='parked' AND state_at < ? AND (`+strings.Join(cond, " OR ")+`) RETURNING shop_id`, args...)
	if err != nil {
		return 0, fmt.Errorf("mark unbookable: %w", err)
	}
	perShop := map[int64]int{}
	total := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		perShop[id]++
		total++
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	for id, n := range perShop {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM shops WHERE id=?`, id).Scan(&name); err != nil {
			return 0, err
		}
		if err := addEventTx(ctx, tx, now, Event{Level: Info, Shop: name, Code: code,
			Args: map[string]string{"count": fmt.Sprint(n)}}); err != nil {
			return 0, err
		}
	}
	return total, tx.Commit()
}

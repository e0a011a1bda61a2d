package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// OutboxItem is a booking waiting for, or done by, the ledger.
type OutboxItem struct {
	ID        int64
	Key       string
	ShopID    int64
	ExtID     string
	Kind      order.InvoiceKind
	RefundID  string
	State     string
	Attempts  int
	NextAt    time.Time
	LastError string
	Ref       string
	// Amount and Note: see Booking.
	Amount order.Money
	Note   string
	// Reason is why it waits ("" for none): Attempts counts the attempts
	// since it last changed.
	Reason string
}

// DueBookings lists pending bookings whose time has come, oldest first.
func (s *Store) DueBookings(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	return s.outbox(ctx, `WHERE state='pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`, ms(now), limit)
}

const outboxCols = `id, key, shop_id, ext_id, kind, refund_id, state, attempts, next_at, last_error, ref, amount, note, reason`

func (s *Store) outbox(ctx context.Context, where string, args ...any) ([]OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+outboxCols+` FROM outbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var next int64
		if err := rows.Scan(&it.ID, &it.Key, &it.ShopID, &it.ExtID, &it.Kind, &it.RefundID, &it.State, &it.Attempts,
			&next, &it.LastError, &it.Ref, &it.Amount, &it.Note, &it.Reason); err != nil {
			return nil, err
		}
		it.NextAt = fromMS(next)
		out = append(out, it)
	}
	return out, rows.Err()
}

// NextDue is the time of the earliest pending booking, zero if none.
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	var next int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MIN(next_at),0) FROM outbox WHERE state='pending'`).Scan(&next)
	return fromMS(next), err
}

// Bookings lists the outbox entries of one order.
func (s *Store) Bookings(ctx context.Context, shopID int64, extID string) ([]OutboxItem, error) {
	return s.outbox(ctx, `WHERE shop_id=? AND ext_id=? ORDER BY id`, shopID, extID)
}

// Done is one successful booking to record: the outbox entry, the ledger's
// reference, the invoice or credit note as booked, and the event to log.
type Done struct {
	Item    OutboxItem
	Ref     string
	Invoice order.Invoice
	Event   Event
	// Warnings are more events of the booking (a VAT difference the ledger
	// reported), written in the same transaction: a booking is never
	// recorded without them.
	Warnings []Event
}

// BookingDone records a successful booking. For an invoice the order becomes
// booked with the invoice's number, date and the ledger's reference, and the
// invoice as booked is kept (credit notes are spread over it).
func (s *Store) BookingDone(ctx context.Context, it OutboxItem, ref string, inv order.Invoice, ev Event) error {
	return s.BookingsDone(ctx, []Done{{Item: it, Ref: ref, Invoice: inv, Event: ev}})
}

// BookingsDone records several successful bookings in one transaction, as
// BookingDone does for one.
func (s *Store) BookingsDone(ctx context.Context, ds []Done) error {
	if len(ds) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record bookings: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	st, err := prepareDone(ctx, tx)
	if err != nil {
		return fmt.Errorf("record bookings: %w", err)
	}
	defer st.close()
	for _, d := range ds {
		if err := st.done(ctx, now, d); err != nil {
			return fmt.Errorf("record booking %s: %w", d.Item.Key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record bookings: %w", err)
	}
	return nil
}

// doneStmts are BookingsDone's statements, prepared once per transaction.
type doneStmts struct{ outbox, invoice, credit, event *sql.Stmt }

func prepareDone(ctx context.Context, tx *sql.Tx) (*doneStmts, error) {
	st := &doneStmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&st.outbox, `UPDATE outbox SET state='done', ref=?, done_at=?, attempts=attempts+1, last_error='', reason='' WHERE id=?`},
		{&st.invoice, `UPDATE orders SET state='booked', reason='', reason_arg='', detail='', state_at=?,
			invoice_id=?, invoice_date=?, booking_ref=?, booked_invoice=? WHERE shop_id=? AND ext_id=?`},
		{&st.credit, `UPDATE orders SET reason='', reason_arg='', detail=''
			WHERE shop_id=? AND ext_id=? AND state='booked' AND reason=?
			AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.shop_id=orders.shop_id AND b.ext_id=orders.ext_id AND b.state='failed')`},
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

func (st *doneStmts) close() {
	for _, x := range []*sql.Stmt{st.outbox, st.invoice, st.credit, st.event} {
		if x != nil {
			x.Close()
		}
	}
}

// done records one booking: the outbox entry done; for an invoice the order
// booked with the invoice as booked; for a credit note, a booked order's
// credit_note_failed cleared once no credit note is failed any more.
func (st *doneStmts) done(ctx context.Context, now int64, d Done) error {
	it := d.Item
	if _, err := st.outbox.ExecContext(ctx, d.Ref, now, it.ID); err != nil {
		return err
	}
	if it.Kind == order.KindInvoice {
		booked, err := json.Marshal(d.Invoice)
		if err != nil {
			return err
		}
		if _, err := st.invoice.ExecContext(ctx, now, d.Invoice.ID, ms(d.Invoice.IssueDate), d.Ref, booked,
			it.ShopID, it.ExtID); err != nil {
			return err
		}
	} else if _, err := st.credit.ExecContext(ctx, it.ShopID, it.ExtID, reasonCreditFailed); err != nil {
		return err
	}
	if err := addEventTx(ctx, stmtExecer{st.event}, now, d.Event); err != nil {
		return err
	}
	for _, w := range d.Warnings {
		if err := addEventTx(ctx, stmtExecer{st.event}, now, w); err != nil {
			return err
		}
	}
	return nil
}

// reasonCreditFailed is engine.ReasonCreditFailed: a booked order whose
// credit note failed keeps its state and shows this reason.
const reasonCreditFailed = "credit_note_failed"

// BookingFailed records a failed attempt. A permanent failure marks the
// booking failed, and the order failed with reason and reasonArg, except
// that a booked order stays booked: a failed credit note gives it reason
// credit_note_failed (reasonArg then says which and why) and never un-books
// it. A transient failure schedules the next attempt at next and notes the
// reason on a queued order; with reason "" the order keeps the one it has.
func (s *Store) BookingFailed(ctx context.Context, it OutboxItem, permanent bool, reason, reasonArg, detail string, next time.Time, ev Event) error {
	return s.BookingFailedAs(ctx, it, permanent, reason, reason, reasonArg, detail, next, ev)
}

// BookingFailedAs is BookingFailed with the booking's own reason apart
// from the order's: own is kept on the booking (WaitingFor, RetryWaiting
// read it), reason goes to the order as BookingFailed says ("" keeps the
// order's).
func (s *Store) BookingFailedAs(ctx context.Context, it OutboxItem, permanent bool, own, reason, reasonArg, detail string, next time.Time, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record failed booking: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	state := "pending"
	if permanent {
		state = "failed"
	}
	// Attempts count per reason: a booking that waited for its invoice for
	// hours starts afresh when the ledger does not answer.
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state=?, attempts=CASE WHEN reason=? THEN attempts+1 ELSE 1 END,
		next_at=?, last_error=?, reason=? WHERE id=?`,
		state, own, ms(next), detail, own, it.ID); err != nil {
		return fmt.Errorf("record failed booking: %w", err)
	}
	switch {
	case permanent && it.Kind == order.KindCreditNote:
		_, err = tx.ExecContext(ctx, `UPDATE orders SET reason=?, reason_arg=?, detail=?, state_at=?
			WHERE shop_id=? AND ext_id=? AND state='booked'`, reasonCreditFailed, reasonArg, detail, now, it.ShopID, it.ExtID)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE orders SET state='failed', reason=?, reason_arg=?, detail=?, state_at=?
				WHERE shop_id=? AND ext_id=? AND state='queued'`, reason, reasonArg, detail, now, it.ShopID, it.ExtID)
		}
	case permanent:
		_, err = tx.ExecContext(ctx, `UPDATE orders SET state='failed', reason=?, reason_arg=?, detail=?, state_at=?
			WHERE shop_id=? AND ext_id=? AND state IN ('queued','failed')`,
			reason, reasonArg, detail, now, it.ShopID, it.ExtID)
	case reason == "":
		// The order keeps the reason it shows (BookingFailed's doc).
	default:
		_, err = tx.ExecContext(ctx, `UPDATE orders SET reason=?, reason_arg=?, detail=? WHERE shop_id=? AND ext_id=? AND state='queued'`,
			reason, reasonArg, detail, it.ShopID, it.ExtID)
	}
	if err != nil {
		return fmt.Errorf("record failed booking: %w", err)
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return fmt.Errorf("record failed booking: %w", err)
	}
	return tx.Commit()
}

// RetryBookings puts the failed bookings of an order back in the queue, due
// now, without changing its state: for a booked order whose credit note
// failed. It returns how many it rescheduled.
func (s *Store) RetryBookings(ctx context.Context, shopID int64, extID string, ev Event) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("retry bookings: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET state='pending', attempts=0, next_at=?, last_error='', reason=''
		WHERE shop_id=? AND ext_id=? AND state='failed'`, now, shopID, extID)
	if err != nil {
		return 0, fmt.Errorf("retry bookings: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET reason='', reason_arg='', detail='' WHERE shop_id=? AND ext_id=?
		AND state='booked' AND reason=?`, shopID, extID, reasonCreditFailed); err != nil {
		return 0, fmt.Errorf("retry bookings: %w", err)
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return 0, fmt.Errorf("retry bookings: %w", err)
	}
	return int(n), tx.Commit()
}

// QueueCredit adds a credit note booking for a change after booking (b has
// Amount and Note) and clears the order's changed_after_booking mark: the
// change is being credited.
func (s *Store) QueueCredit(ctx context.Context, shopID int64, extID string, b Booking, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queue credit note: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	res, err := tx.ExecContext(ctx, insertBooking, b.Key, shopID, extID, b.Kind, b.RefundID, now, now, int64(b.Amount), b.Note)
	if err != nil {
		return fmt.Errorf("queue credit note: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("queue credit note: booking %s exists already", b.Key)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET changed_after_booking=0, change_note='' WHERE shop_id=? AND ext_id=?`,
		shopID, extID); err != nil {
		return fmt.Errorf("queue credit note: %w", err)
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return fmt.Errorf("queue credit note: %w", err)
	}
	return tx.Commit()
}

// ClearChange takes the changed-after-booking mark off a booked order with
// no credit note: a person looked at the change and there is nothing (left)
// for Orderbrug to credit. The event records who decided what.
func (s *Store) ClearChange(ctx context.Context, shopID int64, extID string, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("clear change: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE orders SET changed_after_booking=0, change_note='' WHERE shop_id=? AND ext_id=?
		AND changed_after_booking=1`, shopID, extID)
	if err != nil {
		return fmt.Errorf("clear change: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("clear change of order %s: %w", extID, ErrNotFound)
	}
	if err := addEventTx(ctx, tx, s.now(), ev); err != nil {
		return fmt.Errorf("clear change: %w", err)
	}
	return tx.Commit()
}

// RetryWaiting puts every booking of an order waiting or failed for reason
// (e.g. seller details missing) back in the queue, due now. It returns how
// many bookings it rescheduled.
func (s *Store) RetryWaiting(ctx context.Context, reason string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET state='pending', attempts=0, next_at=?, reason='' WHERE state IN ('pending','failed')
		AND (outbox.reason=? OR EXISTS (SELECT 1 FROM orders o WHERE o.shop_id=outbox.shop_id AND o.ext_id=outbox.ext_id AND o.reason=?))`,
		now, reason, reason)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET state='queued', state_at=? WHERE state='failed' AND reason=?`, now, reason); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

// BookingCancelled marks a booking failed without touching its order: the
// order left the queue (parked, ignored, unreadable) before the booking ran,
// and its state says why. A new forward queues the booking again.
func (s *Store) BookingCancelled(ctx context.Context, it OutboxItem, detail string, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cancel booking: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state='failed', attempts=attempts+1, next_at=?, last_error=?, reason='' WHERE id=?`,
		now, detail, it.ID); err != nil {
		return fmt.Errorf("cancel booking: %w", err)
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return fmt.Errorf("cancel booking: %w", err)
	}
	return tx.Commit()
}

// BookingsWait puts bookings back in the queue until next without counting
// an attempt: the ledger said it takes no request before then (a rate
// limit). It is not a failure, so the orders keep their state (queued) and
// show reason with reasonArg (reason "": they keep theirs); ev, when it has
// a Code, is logged once for all of them, not once per booking.
func (s *Store) BookingsWait(ctx context.Context, items []OutboxItem, reason, reasonArg, detail string, next time.Time, ev Event) error {
	if len(items) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record waiting bookings: %w", err)
	}
	defer tx.Rollback()
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_at=?, last_error=?,
			attempts=CASE WHEN reason=? THEN attempts ELSE 0 END, reason=? WHERE id=? AND state='pending'`,
			ms(next), detail, reason, reason, it.ID); err != nil {
			return fmt.Errorf("record waiting bookings: %w", err)
		}
		if reason == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET reason=?, reason_arg=?, detail=? WHERE shop_id=? AND ext_id=? AND state='queued'`,
			reason, reasonArg, detail, it.ShopID, it.ExtID); err != nil {
			return fmt.Errorf("record waiting bookings: %w", err)
		}
	}
	if ev.Code != "" {
		if err := addEventTx(ctx, tx, s.now(), ev); err != nil {
			return fmt.Errorf("record waiting bookings: %w", err)
		}
	}
	return tx.Commit()
}

// Waiting is how many bookings wait in the outbox with an order reason,
// and when the first of them is due again.
type Waiting struct {
	Count int       `json:"count"`
	Next  time.Time `json:"next,omitempty"`
}

// WaitingFor counts the pending bookings that wait for reason, or whose
// order shows it.
func (s *Store) WaitingFor(ctx context.Context, reason string) (Waiting, error) {
	var w Waiting
	var next int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(b.next_at),0) FROM outbox b
		JOIN orders o ON o.shop_id=b.shop_id AND o.ext_id=b.ext_id
		WHERE b.state='pending' AND (b.reason=? OR o.reason=?)`, reason, reason).Scan(&w.Count, &next)
	if err != nil {
		return w, fmt.Errorf("waiting bookings: %w", err)
	}
	if w.Count > 0 {
		w.Next = fromMS(next)
	}
	return w, nil
}

// WaitDue makes every booking due by dueBy (the round's start) wait until
// next as well, as BookingsWait does (the booking's reason; a queued order
// without a reason, or with one of the ledger's waits, shows it), and
// returns how many: once a ledger's limit is reached, asking it for the
// rest of the backlog one round at a time would only be refused. A booking
// a settings change released after dueBy is left alone. ev, when it has a
// Code, is logged once, with the count in ev.Args["count"] added to what
// the caller counted.
func (s *Store) WaitDue(ctx context.Context, reason, reasonArg, detail string, next, dueBy time.Time, counted int, ev Event) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("postpone due bookings: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET reason=?, reason_arg=?, detail=? WHERE state='queued'
		AND reason IN ('', 'ledger_unavailable', 'ledger_unreachable', 'ledger_rate_limited')
		AND EXISTS (SELECT 1 FROM outbox b WHERE b.shop_id=orders.shop_id AND b.ext_id=orders.ext_id AND b.state='pending' AND b.next_at<=?)`,
		reason, reasonArg, detail, ms(dueBy)); err != nil {
		return 0, fmt.Errorf("postpone due bookings: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET next_at=?, last_error=?,
		attempts=CASE WHEN reason=? THEN attempts ELSE 0 END, reason=? WHERE state='pending' AND next_at<=?`,
		ms(next), detail, reason, reason, ms(dueBy))
	if err != nil {
		return 0, fmt.Errorf("postpone due bookings: %w", err)
	}
	n64, _ := res.RowsAffected()
	n := int(n64)
	if ev.Code != "" {
		args := map[string]string{}
		for k, v := range ev.Args {
			args[k] = v
		}
		args["count"] = strconv.Itoa(counted + n)
		ev.Args = args
		if err := addEventTx(ctx, tx, now, ev); err != nil {
			return 0, fmt.Errorf("postpone due bookings: %w", err)
		}
	}
	return n, tx.Commit()
}

// ShareAttempts gives every pending booking waiting for reason at least
// attempts attempts: while a ledger does not answer, the engine asks it
// with one booking per round and the rest wait for that one, so each
// shares its count. Whichever is asked next then backs off as long, and
// "unreachable for over an hour" holds for all of them.
func (s *Store) ShareAttempts(ctx context.Context, reason string, attempts int) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts=MAX(attempts, ?) WHERE state='pending' AND reason=?`,
		attempts, reason); err != nil {
		return fmt.Errorf("share attempts: %w", err)
	}
	return nil
}

// NextAsking is when the first pending booking that waits for reason
// itself (its own reason, not its order's) is due; ok is false when none
// waits.
func (s *Store) NextAsking(ctx context.Context, reason string) (next time.Time, ok bool, err error) {
	var n int
	var at int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(next_at),0) FROM outbox WHERE state='pending' AND reason=?`,
		reason).Scan(&n, &at); err != nil {
		return time.Time{}, false, fmt.Errorf("next asking: %w", err)
	}
	return fromMS(at), n > 0, nil
}

package store

import (
	"context"
	"fmt"
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
}

// DueBookings lists pending bookings whose time has come, oldest first.
func (s *Store) DueBookings(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	return s.outbox(ctx, `WHERE state='pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`, ms(now), limit)
}

const outboxCols = `id, key, shop_id, ext_id, kind, refund_id, state, attempts, next_at, last_error, ref`

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
			&next, &it.LastError, &it.Ref); err != nil {
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

// BookingDone records a successful booking. For an invoice the order becomes
// booked with the invoice's number, date and the ledger's reference.
func (s *Store) BookingDone(ctx context.Context, it OutboxItem, ref string, inv order.Invoice, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state='done', ref=?, done_at=?, attempts=attempts+1, last_error=''
		WHERE id=?`, ref, now, it.ID); err != nil {
		return err
	}
	if it.Kind == order.KindInvoice {
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET state='booked', reason='', reason_arg='', detail='', state_at=?,
			invoice_id=?, invoice_date=?, booking_ref=? WHERE shop_id=? AND ext_id=?`,
			now, inv.ID, ms(inv.IssueDate), ref, it.ShopID, it.ExtID); err != nil {
			return err
		}
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return err
	}
	return tx.Commit()
}

// BookingFailed records a failed attempt. A permanent failure marks the
// booking and the order failed, with the reason; a transient one schedules
// the next attempt at next and keeps the order queued, with the last error.
func (s *Store) BookingFailed(ctx context.Context, it OutboxItem, permanent bool, reason, detail string, next time.Time, ev Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now()
	state := "pending"
	if permanent {
		state = "failed"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state=?, attempts=attempts+1, next_at=?, last_error=? WHERE id=?`,
		state, ms(next), detail, it.ID); err != nil {
		return err
	}
	if permanent {
		_, err = tx.ExecContext(ctx, `UPDATE orders SET state='failed', reason=?, reason_arg=?, detail=?, state_at=?
			WHERE shop_id=? AND ext_id=? AND state IN ('queued','booked','failed')`,
			reason, string(it.Kind), detail, now, it.ShopID, it.ExtID)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE orders SET reason=?, reason_arg=?, detail=? WHERE shop_id=? AND ext_id=? AND state='queued'`,
			reason, string(it.Kind), detail, it.ShopID, it.ExtID)
	}
	if err != nil {
		return err
	}
	if err := addEventTx(ctx, tx, now, ev); err != nil {
		return err
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
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET state='pending', attempts=0, next_at=? WHERE state IN ('pending','failed')
		AND EXISTS (SELECT 1 FROM orders o WHERE o.shop_id=outbox.shop_id AND o.ext_id=outbox.ext_id AND o.reason=?)`, now, reason)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET state='queued', state_at=? WHERE state='failed' AND reason=?`, now, reason); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

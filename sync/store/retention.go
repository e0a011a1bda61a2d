package store

import (
	"context"
	"fmt"
	"time"
)

// Pruned tells what Prune removed.
type Pruned struct {
	// Deliveries are processed webhook deliveries (their bodies hold
	// customer data) received before the inbox cut-off.
	Deliveries int `json:"deliveries"`
	// Events are log lines from before the events cut-off.
	Events int `json:"events"`
}

// pruneBatch bounds one delete, so the webhook intake never waits long for
// the write lock.
const pruneBatch = 500

// Prune removes processed webhook deliveries received before inboxBefore
// and events from before eventsBefore; a zero time keeps everything of that
// kind. A delivery not processed yet is never removed: it has not been
// booked, parked or ignored. It deletes in small transactions.
func (s *Store) Prune(ctx context.Context, inboxBefore, eventsBefore time.Time) (Pruned, error) {
	var p Pruned
	var err error
	if !inboxBefore.IsZero() {
		p.Deliveries, err = s.deleteBatched(ctx, `DELETE FROM inbox WHERE id IN (SELECT id FROM inbox
			WHERE processed_at != 0 AND received_at < ? ORDER BY id LIMIT ?)`, ms(inboxBefore))
		if err != nil {
			return p, fmt.Errorf("prune inbox: %w", err)
		}
	}
	if !eventsBefore.IsZero() {
		p.Events, err = s.deleteBatched(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM events
			WHERE at < ? ORDER BY id LIMIT ?)`, ms(eventsBefore))
		if err != nil {
			return p, fmt.Errorf("prune events: %w", err)
		}
	}
	return p, nil
}

func (s *Store) deleteBatched(ctx context.Context, q string, cutoff int64) (int, error) {
	total := 0
	for {
		res, err := s.db.ExecContext(ctx, q, cutoff, pruneBatch)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < pruneBatch {
			return total, nil
		}
	}
}

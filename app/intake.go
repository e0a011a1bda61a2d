package app

import (
	"context"
	"errors"
	"time"

	"github.com/orderbrug/orderbrug/sync/store"
)

// Error codes of the inbox (lang keys "error.<code>").
const (
	CodeNoSuchDelivery = "no_such_delivery" // no delivery with that id in the inbox
	CodeBodyNotKept    = "body_not_kept"    // the delivery repeated a stored order and kept no body
)

// replayWait bounds how long ReplayDelivery waits for the running engine.
const replayWait = 30 * time.Second

// Deliveries lists the newest webhook deliveries in the inbox.
func (s *Service) Deliveries(ctx context.Context, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 50
	}
	ds, err := s.store.Deliveries(ctx, limit)
	if ds == nil {
		return nil, err
	}
	out := make([]Delivery, len(ds))
	for i, d := range ds {
		out[i] = deliveryView(d)
	}
	return out, err
}

// Rejections lists the counts of refused webhook requests, per shop, code
// and hour, newest first.
func (s *Service) Rejections(ctx context.Context, limit int) ([]store.Rejection, error) {
	if limit <= 0 {
		limit = 50
	}
	return s.store.Rejections(ctx, limit)
}

// ReplayDelivery processes a stored delivery again from its raw bytes, as
// ngrok's inspector replays a request: through the same apply/decide path
// as when it arrived. When the engine runs in this process (the window,
// serve) it does the work and ReplayDelivery waits for it; otherwise
// (a CLI command) it processes the inbox and books what that queued here.
// It returns the delivery with
// its new result.
func (s *Service) ReplayDelivery(ctx context.Context, id int64) (Delivery, error) {
	d, err := s.replayDelivery(ctx, id)
	return deliveryView(d), err
}

func (s *Service) replayDelivery(ctx context.Context, id int64) (store.Delivery, error) {
	if err := s.store.ReplayDelivery(ctx, id); err != nil {
		switch {
		case errors.Is(err, store.ErrNotFound):
			return store.Delivery{}, &Error{Code: CodeNoSuchDelivery, Err: err}
		case errors.Is(err, store.ErrBodyNotKept):
			return store.Delivery{}, &Error{Code: CodeBodyNotKept, Err: err}
		}
		return store.Delivery{}, err
	}
	if r := s.running(); r != nil {
		r.Wake()
		deadline := time.Now().Add(replayWait)
		for {
			d, err := s.store.Delivery(ctx, id)
			if err != nil || !d.ProcessedAt.IsZero() {
				return d, err
			}
			if time.Now().After(deadline) {
				return d, nil // pending: the engine takes it when it can
			}
			select {
			case <-ctx.Done():
				return d, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	if _, err := s.engine.ProcessInbox(ctx); err != nil {
		return store.Delivery{}, err
	}
	if _, err := s.engine.CloseDays(ctx); err != nil {
		return store.Delivery{}, err
	}
	// Book what it queued, as sync does: nothing else runs in this process.
	if _, err := s.engine.BookDue(ctx); err != nil {
		return store.Delivery{}, err
	}
	defer s.notify()
	return s.store.Delivery(ctx, id)
}

package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/orderbrug/orderbrug/sync/store"
)

// CreditChange queues a credit note for what changed in the shop after the
// order's invoice was booked: the whole booked invoice for a cancelled or
// trashed order, the difference for a lowered total. It goes through the
// outbox like any credit note.
func (e *Engine) CreditChange(ctx context.Context, sh store.Shop, extID string) error {
	return fmt.Errorf("credit change of order %s: %w", extID, errors.New("not implemented yet"))
}

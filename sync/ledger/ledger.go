// Package ledger defines where Orderbrug books invoices. Each target is one
// subpackage (ubl, moneybird, eboekhouden) that implements Ledger.
package ledger

import (
	"context"
	"errors"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Ledger books invoices and credit notes.
type Ledger interface {
	// Book books inv and returns the ledger's reference to it (a file path,
	// an id). It is idempotent on inv.Key: booking a Key that was booked
	// before returns the first reference and books nothing new. An error
	// wrapping ErrPermanent will fail again on retry (the data must be fixed
	// first); any other error is transient and retried with backoff.
	Book(ctx context.Context, inv order.Invoice) (ref string, err error)
}

// ErrPermanent marks errors that retrying cannot fix.
var ErrPermanent = errors.New("permanent")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (p permanentError) Error() string   { return p.err.Error() }
func (p permanentError) Unwrap() []error { return []error{p.err, ErrPermanent} }

// BatchLedger is a Ledger that books many invoices at once, cheaper than one
// by one (a file ledger syncs its files as a group). It is optional: check
// for it with a type assertion. refs[i] and errs[i] belong to invs[i]; every
// ref without an error is durable (file and folder synced) when BookBatch
// returns. Each booking is idempotent on its Key, as with Book.
type BatchLedger interface {
	Ledger
	BookBatch(ctx context.Context, invs []order.Invoice) (refs []string, errs []error)
}

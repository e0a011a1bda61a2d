package moneybird

import "sync"

// keyedMutex serialises work on one key (a customer id, an invoice key)
// while other keys go on: two bookings of one new buyer make one contact,
// two calls for one invoice one invoice.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

// bookingLocks are the locks of every Ledger in the process, keyed by API
// root, administration and the ledger's own key (Ledger.lock): the app
// makes a new Ledger on a settings change while the old one may still be
// booking, and two Ledger values of one administration must not book one
// key at once. (The app is single-instance per data directory, so the
// process is all there is to serialise.)
var bookingLocks keyedMutex

// lock locks key of this ledger's administration in bookingLocks and
// returns its unlock.
func (l *Ledger) lock(key string) func() {
	return bookingLocks.lock(l.c.base + "\x00" + l.admin + "\x00" + key)
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	kl, ok := k.m[key]
	if !ok {
		kl = &keyLock{}
		k.m[key] = kl
	}
	kl.refs++
	k.mu.Unlock()
	kl.mu.Lock()
	return func() {
		kl.mu.Unlock()
		k.mu.Lock()
		kl.refs--
		if kl.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

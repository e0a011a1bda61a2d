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

package app

import (
	"testing"

	"github.com/orderbrug/orderbrug/sync/store"
)

// app's states and levels are the store's by value: they are converted by
// a plain type conversion.
func TestViewConstantsAreTheStores(t *testing.T) {
	for i, s := range []store.State{store.Parked, store.Queued, store.Booked, store.Failed, store.Ignored, store.Unbookable} {
		if string(States[i]) != string(s) || !ValidState(string(States[i])) {
			t.Errorf("state %d: app %q, store %q", i, States[i], s)
		}
	}
	for i, l := range []store.Level{store.Info, store.Warn, store.Error} {
		if string(Levels[i]) != string(l) {
			t.Errorf("level %d: app %q, store %q", i, Levels[i], l)
		}
	}
	f := EventQuery{Shop: "a", Levels: []Level{LevelWarn}, Order: "7", Limit: 3, BeforeID: 9}.filter()
	if f.Shop != "a" || len(f.Levels) != 1 || f.Levels[0] != store.Warn || f.Order != "7" || f.Limit != 3 || f.BeforeID != 9 {
		t.Errorf("filter %+v", f)
	}
}

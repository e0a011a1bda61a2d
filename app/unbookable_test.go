package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestUnbookableLeavesOpenAndAttention: cancelled and failed orders are
// parked (Open, and the Overzicht says "attention"); a week later they are
// "Niet te boeken": `orders --state unbookable --json` lists them with
// their reason, the Open tab's parked list no longer has them, and the
// overview (Overzicht and tray) is "ok" again.
func TestUnbookableLeavesOpenAndAttention(t *testing.T) {
	ctx := context.Background()
	emu := wcemu.New(testKey, testSecret)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.SetURL(srv.URL)
	ids := emu.PlaceDutch(3, 8)
	emu.SetStatus(ids[0], "cancelled")
	emu.SetStatus(ids[1], "failed")
	emu.SetStatus(ids[2], "completed")
	dir := filepath.Join(t.TempDir(), "data")
	clock := clockwork.NewFakeClockAt(time.Now())
	svc, err := app.Open(ctx, app.Options{DataDir: dir, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Koffiebar", URL: srv.URL, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, filepath.Join(t.TempDir(), "facturen")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	ov, err := svc.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ov.Health != "attention" || ov.Shops[0].Parked != 2 {
		t.Fatalf("before the grace period: health %s, parked %d; want attention, 2", ov.Health, ov.Shops[0].Parked)
	}
	clock.Advance(8 * 24 * time.Hour)
	tidied, err := svc.Housekeep(ctx)
	if err != nil || tidied.Unbookable != 2 {
		t.Fatalf("housekeeping: %+v %v, want 2 orders unbookable", tidied, err)
	}
	ov, err = svc.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ov.Health != "ok" || ov.Shops[0].Parked != 0 || len(ov.Attention) != 0 {
		t.Fatalf("after: health %s, parked %d, attention %v; want ok, 0, none", ov.Health, ov.Shops[0].Parked, ov.Attention)
	}
	if ov.Shops[0].Unbookable != 2 {
		t.Fatalf("overview counts %d unbookable, want 2", ov.Shops[0].Unbookable)
	}
	svc.Close()

	code, out, errOut := cli(t, dir, "orders", "--state", "unbookable", "--json")
	if code != 0 {
		t.Fatalf("orders --state unbookable: exit %d %s", code, errOut)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, o := range list {
		if o["state"] != "unbookable" || o["reason"] != engine.ReasonNotForwarded {
			t.Fatalf("order %v", o)
		}
		got[o["status"].(string)] = true
	}
	if len(list) != 2 || !got["cancelled"] || !got["failed"] {
		t.Fatalf("unbookable orders %v, want the cancelled and the failed one", list)
	}
	if _, out, _ := cli(t, dir, "orders", "--state", "parked"); strings.Contains(out, "cancelled") {
		t.Fatalf("a cancelled order is still parked:\n%s", out)
	}
	// The shop takes the cancelled order up again (paid after all): it is
	// booked.
	emu.SetClock(func() time.Time { return time.Now().Add(2 * time.Second) })
	emu.SetStatus(ids[0], "processing")
	code, out, errOut = cli(t, dir, "sync")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.Records(ctx, store.Filter{States: []store.State{store.Booked}})
	if err != nil {
		t.Fatal(err)
	}
	booked := false
	for _, r := range recs {
		if r.Status == "processing" {
			booked = true
		}
	}
	if !booked {
		t.Fatal("the unbookable order taken up again was not booked")
	}
}

// TestHousekeepingCLI: the settings round-trip, a negative value is refused,
// and `housekeeping run` makes the day's backup.
func TestHousekeepingCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, out, errOut := cli(t, dir, "housekeeping", "set", "--inbox-days", "30", "--backups", "3")
	if code != 0 {
		t.Fatalf("set: exit %d %s%s", code, out, errOut)
	}
	code, out, _ = cli(t, dir, "housekeeping", "--json")
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
		t.Fatalf("show: %d %v %q", code, err, out)
	}
	if v["inbox_days"] != 30.0 || v["events_days"] != 365.0 || v["unbookable_days"] != 7.0 || v["backups_kept"] != 3.0 {
		t.Fatalf("settings %v", v)
	}
	if code, _, errOut := cli(t, dir, "housekeeping", "set", "--events-days", "-5"); code == 0 {
		t.Fatalf("a negative value was taken (%s)", errOut)
	}
	if code, _, _ := cli(t, dir, "housekeeping", "set"); code != 2 {
		t.Fatalf("set without a value: exit %d, want 2", code)
	}
	code, out, errOut = cli(t, dir, "housekeeping", "run")
	if code != 0 || !strings.Contains(out, "backup "+filepath.Join(dir, "backups")) {
		t.Fatalf("run: exit %d %q %s", code, out, errOut)
	}
	code, out, _ = cli(t, dir, "housekeeping", "--json")
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || len(v["backups"].([]any)) != 1 {
		t.Fatalf("backups after run: %v %v", v["backups"], err)
	}
	// A recheck a person runs counts as the night's: no missed one later.
	if code, out, errOut := cli(t, dir, "recheck"); code != 0 {
		t.Fatalf("recheck: exit %d %s%s", code, out, errOut)
	}
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var at time.Time
	if err := st.GetSetting(context.Background(), "last_recheck_at", &at); err != nil || time.Since(at) > time.Minute {
		t.Fatalf("last recheck %v %v", at, err)
	}
}

package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// cli runs one command line against dataDir and returns its exit code and
// what it wrote.
func cli(t *testing.T, dataDir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &app.CLI{Stdout: &out, Stderr: &errOut}
	code := c.Run(context.Background(), append([]string{"--data-dir", dataDir}, args...))
	return code, out.String(), errOut.String()
}

// TestCLIStory: a support person sets a shop up and works the Open tab from
// a terminal, as the GUI would.
func TestCLIStory(t *testing.T) {
	emu := wcemu.New(testKey, testSecret)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.SetURL(srv.URL)
	emu.AddDutch(25, 3)
	dir := filepath.Join(t.TempDir(), "data")
	ubl := filepath.Join(t.TempDir(), "facturen")

	ok := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, dir, args...)
		if code != 0 {
			t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		for _, secret := range []string{testSecret, testKey} {
			if strings.Contains(out+errOut, secret) {
				t.Fatalf("orderbrug %s printed a key", strings.Join(args, " "))
			}
		}
		return out
	}
	ok("shop", "add", "woocommerce", "--name", "Koffiebar", "--url", srv.URL, "--key", testKey, "--secret", testSecret,
		"--forward", "processing,completed", "--since", "2020-01-01")
	ok("seller", "set", "--name", "Koffiebar De Boon B.V.", "--kvk", "12345678", "--vat", "NL123456789B01",
		"--street", "Oudegracht 1", "--postcode", "3511 AA", "--city", "Utrecht", "--country", "nl", "--iban", "NL91 ABNA 0417 1643 00")
	ok("ledger", "ubl", "--dir", ubl)
	if out := ok("sync"); !strings.Contains(out, "Koffiebar: 25 orders seen") {
		t.Fatalf("sync said %q", out)
	}

	var parked []app.OrderView
	if err := json.Unmarshal([]byte(ok("orders", "--state", "parked", "--json")), &parked); err != nil {
		t.Fatal(err)
	}
	if len(parked) == 0 || parked[0].Reason == "" {
		t.Fatalf("parked orders %+v", parked)
	}
	out := ok("order", "book", "Koffiebar", parked[0].Number)
	if !strings.Contains(out, "booked") {
		t.Fatalf("order book said %q", out)
	}
	var shops []app.ShopInfo
	if err := json.Unmarshal([]byte(ok("shop", "list", "--json")), &shops); err != nil || len(shops) != 1 || !shops[0].HasKeys {
		t.Fatalf("shop list: %+v %v", shops, err)
	}
	if out := ok("log"); !strings.Contains(out, "booked") {
		t.Fatalf("log has no booking:\n%s", out)
	}

	// Failures: non-zero exit, a clear message on stderr, nothing on stdout.
	for _, tt := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"bogus"}, 2, "unknown command"},
		{[]string{"orders", "--state", "lost"}, 2, "use parked, queued, booked, failed, ignored or unbookable"},
		{[]string{"order", "book", "Koffiebar"}, 2, "order book|ignore"},
		{[]string{"order", "book", "Koffiebar", "999999"}, 1, "no_such_order"},
		{[]string{"order", "ignore", "Nope", "1"}, 1, "no_such_shop"},
		{[]string{"seller", "set", "--iban", "NL91ABNA0417164301"}, 1, "invalid iban"},
		{[]string{"shop", "add", "woocommerce", "--name", "Koffiebar", "--url", srv.URL, "--key", "k", "--secret", "s"}, 1, "shop_exists"},
		{[]string{"ledger", "ubl"}, 2, "ledger ubl --dir DIR | ledger ubl --off"},
	} {
		code, out, errOut := cli(t, dir, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.says) || out != "" {
			t.Errorf("orderbrug %s: exit %d, stdout %q, stderr %q; want exit %d saying %q",
				strings.Join(tt.args, " "), code, out, errOut, tt.code, tt.says)
		}
	}

	// The shop down: exit 1 with the plain reason; the next sync catches up.
	emu.SetDown(true)
	code, _, errOut := cli(t, dir, "sync")
	if code != 1 || !strings.Contains(errOut, "cannot be reached") {
		t.Fatalf("sync with the shop down: exit %d, %q", code, errOut)
	}
	emu.SetDown(false)
	ok("sync")
}

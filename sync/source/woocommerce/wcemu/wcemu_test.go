package wcemu

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
)

func realDir(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "..", "shared", "fixtures", "woocommerce", "real-8.9.1")
}

func TestEncodePHP(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"a/b", `"a\/b"`},
		{"€ – ë", `"\u20ac \u2013 \u00eb"`},
		{"😀", `"\ud83d\ude00"`},
		{`<a href="x">&</a>`, `"<a href=\"x\">&<\/a>"`},
		{[]int{}, `[]`},
		{map[string]any{"p": 3.600551, "n": 9.0}, `{"n":9,"p":3.600551}`},
	} {
		got, err := EncodePHP(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("EncodePHP(%v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// Every generated order is consistent as WooCommerce computes it.
func TestDutchOrdersAreConsistent(t *testing.T) {
	m := func(s string) int64 {
		v, err := order.ParseMoney(s)
		if err != nil {
			t.Fatalf("amount %q: %v", s, err)
		}
		return int64(v)
	}
	statuses := map[string]int{}
	for _, o := range DutchOrders(10000, 42) {
		statuses[o.Status]++
		var refunded int64
		for _, r := range o.Refunds {
			refunded -= m(r.Total)
		}
		if refunded > m(o.Total) {
			t.Errorf("order %d: refunds %d exceed the total %s (WooCommerce refuses such a refund)", o.ID, refunded, o.Total)
		}
		var net, tax, cartTax, shipTax int64
		for _, l := range o.LineItems {
			net, tax = net+m(l.Total), tax+m(l.TotalTax)
			var sum float64
			for _, x := range l.Taxes {
				sum += float64(m(x.Total))
			}
			if len(l.Taxes) > 0 && int64(sum) != m(l.TotalTax) {
				t.Errorf("order %d line %d: taxes %v vs total_tax %s", o.ID, l.ID, sum, l.TotalTax)
			}
		}
		for _, l := range o.ShippingLines {
			net, tax = net+m(l.Total), tax+m(l.TotalTax)
		}
		for _, l := range o.FeeLines {
			net, tax = net+m(l.Total), tax+m(l.TotalTax)
		}
		for _, tl := range o.TaxLines {
			cartTax += m(tl.TaxTotal)
			shipTax += m(tl.ShippingTaxTotal)
		}
		if net+tax != m(o.Total) || tax != m(o.TotalTax) || cartTax != m(o.CartTax) || shipTax != m(o.ShippingTax) ||
			cartTax+shipTax != m(o.TotalTax) {
			t.Errorf("order %d inconsistent: net %d tax %d total %s total_tax %s cart_tax %s", o.ID, net, tax, o.Total, o.TotalTax, o.CartTax)
		}
	}
	for _, s := range []string{"completed", "processing", "verzonden", "refunded"} {
		if statuses[s] == 0 {
			t.Errorf("no %s orders: %v", s, statuses)
		}
	}
}

func TestErrorBodiesAreTheRealOnes(t *testing.T) {
	shop := New("ck", "cs") // core statuses only, as on the captured shop
	if _, err := shop.SeedFixtures(filepath.Dir(realDir(t))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(shop)
	defer srv.Close()
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.SetBasicAuth("ck", "cs")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		path, fixture string
		status        int
	}{
		{"/wp-json/wc/v3/orders?per_page=101", "error_400_per_page_out_of_bounds.json", 400},
		{"/wp-json/wc/v3/orders?status=bogus", "error_400_status_not_in_enum.json", 400},
		{"/wp-json/wc/v3/orders/424242", "error_404_order_invalid_id.json", 404},
	} {
		want, err := os.ReadFile(filepath.Join(realDir(t), tc.fixture))
		if err != nil {
			t.Fatal(err)
		}
		code, body := get(tc.path)
		if code != tc.status || body != strings.TrimSpace(string(want)) {
			t.Errorf("%s: %d %s\nwant %s", tc.path, code, body, want)
		}
	}
	if code, body := get("/shop/"); code != 404 || !strings.Contains(body, "<html") {
		t.Errorf("non-REST path: %d %s", code, body)
	}
	code, _ := get("/wp-json/wc/v3/orders?per_page=2&page=1&orderby=modified&order=asc")
	if code != 200 {
		t.Errorf("list: %d", code)
	}
}

func TestListHeadersAndLinks(t *testing.T) {
	shop := New("ck", "cs")
	shop.AddDutch(25, 4)
	srv := httptest.NewTLSServer(shop)
	defer srv.Close()
	shop.SetURL(srv.URL)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/wp-json/wc/v3/orders?per_page=10&page=2", nil)
	req.SetBasicAuth("ck", "cs")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	link := resp.Header.Get("Link")
	if resp.Header.Get("X-WP-Total") != "25" || resp.Header.Get("X-WP-TotalPages") != "3" ||
		!strings.Contains(link, `page=1`) || !strings.Contains(link, `rel="prev"`) || !strings.Contains(link, `page=3`) || !strings.Contains(link, `rel="next"`) {
		t.Errorf("headers %v", resp.Header)
	}
}

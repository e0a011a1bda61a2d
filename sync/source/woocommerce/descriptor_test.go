package woocommerce

import (
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// TestDescriptor: what the rest of Orderbrug knows of WooCommerce.
func TestDescriptor(t *testing.T) {
	d := Descriptor()
	if d.Kind != order.WooCommerce || d.Name != "WooCommerce" || d.OwnerHookKey || len(d.Options) != 0 {
		t.Fatalf("%+v", d)
	}
	var flags []string
	for _, f := range d.Fields {
		flags = append(flags, f.Key+"="+f.Flag)
		if !f.Required {
			t.Errorf("field %s not required", f.Key)
		}
	}
	if got := join(flags); got != "url=url,key=key,secret=secret" {
		t.Errorf("fields %s", got)
	}
	var topics []string
	for _, tp := range d.Topics {
		topics = append(topics, tp.Key)
	}
	if got := join(topics); got != "order.created,order.updated,order.deleted,order.restored" ||
		!d.Topics[0].Default || !d.Topics[1].Default || d.Topics[2].Default || d.Topics[3].Default {
		t.Errorf("topics %s %+v", got, d.Topics)
	}
	for _, c := range []struct {
		name string
		got  []order.Status
		want string
	}{
		{"forward", d.DefaultForward, "processing,completed"},
		{"draft", d.Draft, "checkout-draft"},
		{"gone", d.Gone, "trash,cancelled"},
		{"unbookable", d.Unbookable, "cancelled,failed,trash,checkout-draft"},
		{"refunded", d.Refunded, "refunded"},
	} {
		var ss []string
		for _, s := range c.got {
			ss = append(ss, string(s))
		}
		if join(ss) != c.want {
			t.Errorf("%s: %v, want %s", c.name, ss, c.want)
		}
	}
	if u := d.OrderURL("https://shop.example/", "13"); u != "https://shop.example/wp-admin/post.php?action=edit&post=13" {
		t.Errorf("order URL %s", u)
	}
	if rs := d.Hooks.Routes(); len(rs) != 1 || rs[0].Path != "" {
		t.Errorf("routes %+v", rs)
	}
	src, err := d.New(source.Config{BaseURL: "https://shop.example", Key: "ck_1", Secret: "cs_1"})
	if err != nil || src.Kind() != order.WooCommerce {
		t.Fatalf("New: %v %v", src, err)
	}
	if _, err := d.New(source.Config{BaseURL: "https://shop.example"}); source.KindOf(err) != source.Auth {
		t.Errorf("New without keys: %v", err)
	}
	source.NewRegistry(d) // registers
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

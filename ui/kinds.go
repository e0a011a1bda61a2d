package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// kindAPI is the part of the service that knows the kinds of shop: what
// each asks for, its options and where its orders are. The service is one;
// tests give the interface two kinds.
type kindAPI interface {
	Kinds() []app.KindInfo
	SetShopOptions(ctx context.Context, shop string, opts map[string]string) error
	SetWebhookKey(ctx context.Context, shop, key string) error
	OrderURL(ctx context.Context, shop, orderID string) string
}

// kindOf finds a kind by its Kind; a shop of a kind no longer registered
// gets the bare kind with no fields.
func kindOf(kinds []app.KindInfo, k order.Source) app.KindInfo {
	for _, x := range kinds {
		if x.Kind == k {
			return x
		}
	}
	return app.KindInfo{Kind: k, Name: string(k)}
}

// kindByName finds a kind by the name people see.
func kindByName(kinds []app.KindInfo, name string) (app.KindInfo, bool) {
	for _, x := range kinds {
		if x.Name == name {
			return x, true
		}
	}
	return app.KindInfo{}, false
}

// kindNames are the kinds' names, in the service's order.
func kindNames(kinds []app.KindInfo) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Name
	}
	return out
}

// canConnect reports whether a kind has "Koppel met WooCommerce" (the shop
// sends its keys to the tunnel).
func canConnect(k app.KindInfo) bool { return k.Connect }

// pushOnly reports whether a kind has nothing to connect to: no fields to
// test, never polled (the till sends every check itself).
func pushOnly(k app.KindInfo) bool { return len(k.Fields) == 0 && !k.Poll }

// forwardChoices are the statuses the forward set of kind k may take: for
// a kind with final statuses (the till's closed) only those, since
// nothing else is a sale.
func forwardChoices(k app.KindInfo, st []order.StatusInfo) []order.StatusInfo {
	if len(k.Final) == 0 {
		return st
	}
	var out []order.StatusInfo
	for _, x := range st {
		if source.In(x.Slug, k.Final) {
			out = append(out, x)
		}
	}
	return out
}

// defaultForward is "Status doorzetten verkopen" of a new shop of kind k.
func defaultForward(k app.KindInfo) []order.Status {
	if len(k.DefaultForward) > 0 {
		return k.DefaultForward
	}
	return app.DefaultForward
}

// kindText is a kind's lang key, or fallback when the key is not in the
// translation files (a kind newer than them).
func kindText(key, fallback string) string {
	if key == "" {
		return fallback
	}
	return tr(key, fallback)
}

// optionValues are a shop's option values, the kind's defaults filled in.
func optionValues(k app.KindInfo, set map[string]string) map[string]string {
	out := make(map[string]string, len(k.Options))
	for _, o := range k.Options {
		v, ok := set[o.Key]
		if !ok {
			v = o.Default
		}
		out[o.Key] = v
	}
	return out
}

// kindFields are the connection settings one kind asks for (FieldInfo):
// an entry each, secrets hidden, defaults filled in.
type kindFields struct {
	kind    app.KindInfo
	entries map[string]*widget.Entry
	items   []*widget.FormItem
}

// newKindFields makes the entries of k's fields; changed is told of every
// edit.
func newKindFields(k app.KindInfo, changed func()) *kindFields {
	f := &kindFields{kind: k, entries: map[string]*widget.Entry{}}
	for _, fi := range k.Fields {
		e := widget.NewEntry()
		if fi.Secret {
			e = newPassword()
		}
		if fi.Hint != "" {
			e.SetPlaceHolder(kindText(fi.Hint, ""))
		}
		e.SetText(fi.Default)
		e.OnChanged = func(string) {
			if changed != nil {
				changed()
			}
		}
		f.entries[fi.Key] = e
		f.items = append(f.items, widget.NewFormItem(kindText(fi.Label, fi.Key), e))
	}
	return f
}

// entry is the field's entry, nil when the kind has no such field.
func (f *kindFields) entry(key string) *widget.Entry { return f.entries[key] }

// value is what was typed in a field ("" when the kind has none).
func (f *kindFields) value(key string) string {
	if e := f.entries[key]; e != nil {
		return e.Text
	}
	return ""
}

// apply puts the fields into a shop's input (the store keeps url, key and
// secret).
func (f *kindFields) apply(in *app.ShopInput) {
	in.Source = f.kind.Kind
	in.URL = f.value("url")
	in.Key = strings.TrimSpace(f.value("key"))
	in.Secret = strings.TrimSpace(f.value("secret"))
}

// show fills the fields from a stored shop: its address; secrets are never
// shown again, only said to be kept.
func (f *kindFields) show(sh app.ShopInfo) {
	for _, fi := range f.kind.Fields {
		e := f.entries[fi.Key]
		switch {
		case fi.Key == "url":
			e.SetText(sh.URL)
		case fi.Secret || fi.Key == "key":
			e.SetText("")
			if sh.HasKeys {
				e.SetPlaceHolder(lang.L("shop.keys_kept"))
			} else {
				e.SetPlaceHolder(kindText(fi.Hint, ""))
			}
		default:
			e.SetText(fi.Default)
		}
	}
}

// disable locks every field (the keys came from the shop itself).
func (f *kindFields) disable() {
	for _, e := range f.entries {
		e.Disable()
	}
}

// form is the fields as a form, after the items given.
func (f *kindFields) form(before ...*widget.FormItem) *widget.Form {
	return widget.NewForm(append(before, f.items...)...)
}

// shopOption reports whether o is a setting of the shop form (Winkelsysteem,
// the wizard) rather than a toggle of the Webhooks tab: a choice (how a
// till books) or a time of day (when its day ends).
func shopOption(o app.OptionInfo) bool {
	return o.Kind == app.OptionChoice || o.Kind == app.OptionClock
}

// kindOptions are the shop-form settings of a kind (shopOption): a Select
// per choice, its choices in the interface language, and an Entry per time
// of day, checked with source.ParseClock.
type kindOptions struct {
	kind    app.KindInfo
	selects map[string]*widget.Select
	clocks  map[string]*widget.Entry
	// choices map a choice's label back to the choice, per option.
	choices map[string]map[string]string
	items   []*widget.FormItem
}

// newKindOptions makes the widgets of k's shop-form settings, showing the
// defaults.
func newKindOptions(k app.KindInfo) *kindOptions {
	o := &kindOptions{kind: k, selects: map[string]*widget.Select{}, clocks: map[string]*widget.Entry{},
		choices: map[string]map[string]string{}}
	for _, oi := range k.Options {
		if !shopOption(oi) {
			continue
		}
		var obj fyne.CanvasObject
		switch oi.Kind {
		case app.OptionChoice:
			labels := make([]string, len(oi.Choices))
			back := map[string]string{}
			for i, c := range oi.Choices {
				labels[i] = kindText(oi.Label+"."+c, c)
				back[labels[i]] = c
			}
			s := widget.NewSelect(labels, nil)
			o.selects[oi.Key], o.choices[oi.Key] = s, back
			obj = s
		case app.OptionClock:
			e := widget.NewEntry()
			e.SetPlaceHolder(lang.L("option.clock.placeholder"))
			e.Validator = clockValidator
			o.clocks[oi.Key] = e
			obj = e
		}
		if oi.Hint != "" {
			h := wrapLabel(kindText(oi.Hint, ""))
			h.Importance = widget.LowImportance
			obj = container.NewVBox(obj, h)
		}
		o.items = append(o.items, widget.NewFormItem(kindText(oi.Label, oi.Key), obj))
	}
	o.show(nil)
	return o
}

// clockValidator says in the interface language what a time of day is.
func clockValidator(s string) error {
	if _, err := source.ParseClock(s); err != nil {
		return errors.New(lang.L("option.clock.bad"))
	}
	return nil
}

// show puts a shop's values in the widgets (the kind's defaults where set
// has none).
func (o *kindOptions) show(set map[string]string) {
	vals := optionValues(o.kind, set)
	for key, s := range o.selects {
		for label, c := range o.choices[key] {
			if c == vals[key] {
				s.SetSelected(label)
			}
		}
	}
	for key, e := range o.clocks {
		e.SetText(vals[key])
	}
}

// values are the settings as entered, by OptionInfo.Key; a time of day
// that is not one is an error saying so.
func (o *kindOptions) values() (map[string]string, error) {
	out := map[string]string{}
	for key, s := range o.selects {
		if c, ok := o.choices[key][s.Selected]; ok {
			out[key] = c
		}
	}
	for key, e := range o.clocks {
		if err := clockValidator(e.Text); err != nil {
			return nil, err
		}
		out[key] = strings.TrimSpace(e.Text)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

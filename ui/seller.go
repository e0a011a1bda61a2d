package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// sellerForm edits the seller details printed on every invoice. KvK, VAT
// id and IBAN are checked as they are typed; the service checks them again
// on save and its error lands at the field it names.
type sellerForm struct {
	company, name, kvk, vat, street, postcode, city, country, iban, bic, email *widget.Entry
	errs                                                                       map[string]*widget.Label
	form                                                                       *widget.Form
}

func newSellerForm() *sellerForm {
	f := &sellerForm{errs: map[string]*widget.Label{}}
	e := func(ph string) *widget.Entry {
		w := widget.NewEntry()
		w.SetPlaceHolder(ph)
		return w
	}
	f.company, f.name = e(lang.L("seller.company.hint")), e("")
	f.kvk, f.vat = e("12345678"), e("NL123456789B01")
	f.street, f.postcode, f.city, f.country = e(""), e("1234 AB"), e(""), e("NL")
	f.iban, f.bic, f.email = e("NL91 ABNA 0417 1643 00"), e(""), e("")
	f.country.SetText("NL")
	field := func(key string, w *widget.Entry) *widget.FormItem {
		l := widget.NewLabel("")
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		l.Hide()
		f.errs[key] = l
		return widget.NewFormItem(lang.L("seller."+key), container.NewVBox(w, l))
	}
	f.form = widget.NewForm(
		field(order.SellerName, f.company),
		field("contact", f.name),
		field(order.SellerKvK, f.kvk),
		field(order.SellerVATID, f.vat),
		field(order.SellerStreet, f.street),
		field(order.SellerPostcode, f.postcode),
		field(order.SellerCity, f.city),
		field(order.SellerCountry, f.country),
		field(order.SellerIBAN, f.iban),
		field("bic", f.bic),
		field("email", f.email),
	)
	live := func(key string, check func(string) error, w *widget.Entry) {
		w.OnChanged = func(s string) {
			if strings.TrimSpace(s) == "" {
				f.setError(key, "")
				return
			}
			f.setError(key, identifierText(check(s)))
		}
	}
	live(order.SellerKvK, order.ValidKvK, f.kvk)
	live(order.SellerVATID, order.ValidVATID, f.vat)
	live(order.SellerIBAN, order.ValidIBAN, f.iban)
	return f
}

// setError shows msg under a field, or hides it for "".
func (f *sellerForm) setError(field, msg string) {
	l, ok := f.errs[field]
	if !ok {
		return
	}
	l.SetText(msg)
	if msg == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// clearErrors hides every field's message.
func (f *sellerForm) clearErrors() {
	for k := range f.errs {
		f.setError(k, "")
	}
}

// showError puts a service error at its field; it reports false when the
// error names no field of this form.
func (f *sellerForm) showError(err error) bool {
	field := app.FieldOf(err)
	if _, ok := f.errs[field]; !ok {
		return false
	}
	f.setError(field, errorText(err))
	return true
}

func (f *sellerForm) set(s order.Seller) {
	f.company.SetText(s.Company)
	f.name.SetText(s.Name)
	f.kvk.SetText(s.KvK)
	f.vat.SetText(s.VATID)
	f.street.SetText(s.Address.Street)
	f.postcode.SetText(s.Address.Postcode)
	f.city.SetText(s.Address.City)
	if s.Address.Country != "" {
		f.country.SetText(s.Address.Country)
	}
	f.iban.SetText(s.IBAN)
	f.bic.SetText(s.BIC)
	f.email.SetText(s.Email)
}

func (f *sellerForm) get() order.Seller {
	t := func(w *widget.Entry) string { return strings.TrimSpace(w.Text) }
	return order.Seller{
		Party: order.Party{Name: t(f.name), Company: t(f.company), Email: t(f.email), KvK: t(f.kvk),
			VATID: order.NormalizeVATID(t(f.vat)),
			Address: order.Address{Street: t(f.street), Postcode: t(f.postcode), City: t(f.city),
				Country: strings.ToUpper(t(f.country))}},
		IBAN: order.NormalizeIBAN(t(f.iban)), BIC: strings.ToUpper(t(f.bic)),
	}
}

package ui

import (
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/assets"
	"github.com/orderbrug/orderbrug/sync/order"
)

// prefLanguage is the fyne Preferences key of the language a person chose.
const prefLanguage = "language"

// systemLanguage is "nl" on a Dutch system and "en" anywhere else.
func systemLanguage() string {
	if strings.HasPrefix(strings.ToLower(lang.SystemLocale().LanguageString()), "nl") {
		return "nl"
	}
	return "en"
}

// applyLanguage makes code ("nl", "en", or "" for the system's) the language
// of every lang.L call from now on. Fyne picks the language from LANGUAGE
// when translations are added, so it is set first.
func applyLanguage(code string) string {
	if code != "nl" && code != "en" {
		code = systemLanguage()
	}
	_ = os.Setenv("LANGUAGE", code)
	if err := lang.AddTranslationsFS(assets.Lang, "lang"); err != nil {
		fyne.LogError("load translations", err)
	}
	if runtime.GOOS == "windows" {
		// Fyne takes the language from the Windows locale alone there
		// (LANGUAGE means nothing to Windows): the chosen language's
		// sentences are added once more under the locale's own tag
		// ("en-US"), which Fyne then matches first. A later choice adds
		// its own over them. Fyne's own few words (a dialog's buttons)
		// stay in the language of Windows.
		if b, err := assets.Lang.ReadFile("lang/" + code + ".json"); err == nil {
			if err := lang.AddTranslationsForLocale(b, lang.SystemLocale()); err != nil {
				fyne.LogError("load translations for the Windows locale", err)
			}
		}
	}
	current.Store(code)
	return code
}

// errorText is the sentence for an error of the service: by its code, with
// the field's name when it concerns one input, and for malformed seller
// details the exact problem (KvK, VAT id, IBAN).
func errorText(err error) string { return kindErrorText(err, "") }

// kindErrorText is errorText for a form of one kind of shop: a field is
// named as that kind calls it ("de API-sleutel", not "de consumer key"),
// and a kind may have its own sentence for a code ("error.auth.plugandpay").
func kindErrorText(err error, kind order.Source) string {
	if err == nil {
		return ""
	}
	if s := identifierText(err); s != "" {
		return s
	}
	code := app.CodeOf(err)
	field := app.FieldOf(err)
	// URL: where the shop really lives, for the address errors.
	data := map[string]any{"URL": app.SuggestedURL(err)}
	if own := "error." + code + "." + string(kind); kind != "" && known[own] {
		return lang.L(own, data)
	}
	// A case with a sentence of its own (app.FieldCheck, app.FieldCounted).
	if own := "error." + code + "." + field; field != "" && known[own] {
		return lang.L(own, data)
	}
	if field != "" {
		data["Field"] = fieldName(field)
		if kind != "" {
			data["Field"] = tr("field."+string(kind)+"."+field+".name", fieldName(field))
		}
		return lang.L("error."+code+".field", data)
	}
	return lang.L("error."+code, data)
}

// identifierText is the sentence for a malformed KvK number, VAT id or IBAN,
// "" for any other error.
func identifierText(err error) string {
	for _, c := range []struct {
		err error
		key string
	}{
		{order.ErrKvKFormat, "error.kvk_format"},
		{order.ErrVATIDCountry, "error.vat_country"},
		{order.ErrVATIDFormat, "error.vat_format"},
		{order.ErrIBANFormat, "error.iban_format"},
		{order.ErrIBANLength, "error.iban_length"},
		{order.ErrIBANChecksum, "error.iban_checksum"},
	} {
		if errors.Is(err, c.err) {
			return lang.L(c.key)
		}
	}
	return ""
}

// fieldNames are the input fields errors name (app.Error.Field).
var fieldNames = []string{"name", "url", "key", "secret", "source", "interval", "lookback", "dir", "shop", "sells", "since",
	"order", "topic", "authtoken", "domain", "webhook_key", "booking", "cutoff", order.SellerKvK, order.SellerVATID, order.SellerIBAN,
	order.SellerCountry, order.SellerStreet, order.SellerPostcode, order.SellerCity,
	// The online ledgers'.
	"token", "administration", "tax_rate", "vat_code", "account", "case", "api_url", "ubl_copy", "kind"}

func fieldName(f string) string { return lang.L("field." + f) }

// errorCodes are every app.Code*; each has a sentence.
var errorCodes = []string{app.CodeInvalid, app.CodeRequired, app.CodeShopExists, app.CodeNoSuchShop,
	app.CodeNoSuchOrder, app.CodeAuth, app.CodeNotFound, app.CodeNetwork, app.CodeBadResponse,
	app.CodeBadRequest, app.CodeNotAllowed, app.CodeNewerDB, app.CodeInternal, app.CodeUnsupported,
	app.CodeTunnelNeeded, app.CodeMoved, app.CodeNoHTTPS, app.CodeWordPressAt, app.CodePlainPermalinks,
	app.CodeWaiting, app.CodeNothingToCredit, app.CodeNoSuchDelivery, app.CodeBodyNotKept,
	app.CodeLedgerAuth, app.CodeLedgerNetwork, app.CodeLedgerBusy, app.CodeLedgerError, app.CodeChooseAdministration,
	app.CodeLedgerNoAdministration, app.CodeNoOnlineLedger}

// statusText names a shop status: WooCommerce's own ones translated, a
// custom one as the shop calls it (or its slug).
func statusText(s order.Status) string {
	return tr("status."+string(s), string(s))
}

// coreStatuses are WooCommerce's statuses with a translated name.
var coreStatuses = []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
	"checkout-draft", "trash"}

// known holds every key of the translation files, so a lookup with a
// fallback (lang.X) is only made for keys that exist: Fyne logs every miss.
var known = func() map[string]bool {
	m := map[string]bool{}
	b, err := assets.Lang.ReadFile("lang/en.json")
	if err != nil {
		return m
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(b, &keys) == nil {
		for k := range keys {
			m[k] = true
		}
	}
	return m
}()

// tr translates key, or gives fallback (not a template) when there is no
// such key: for keys made from codes that may be new.
func tr(key, fallback string, data ...any) string {
	if !known[key] {
		return fallback
	}
	return lang.L(key, data...)
}

package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Journal is an online ledger's durable memory, in Orderbrug's own
// database: what it sent for which booking, and which contact a customer
// has. Neither Moneybird nor e-Boekhouden deduplicates, so the journal is
// how a retry after a lost answer knows to look the invoice up instead of
// creating a second one. Every Put is durable (committed) when it returns.
//
// Keys are the ledger's own ("inv/<invoice key>", "contact/<customer id>");
// the journal is scoped to one administration (store.Journal's namespace),
// so another administration starts with an empty journal.
type Journal interface {
	// Get returns the entry of key; ok is false when there is none.
	Get(ctx context.Context, key string) (e Entry, ok bool, err error)
	// Put writes the entry of key, replacing what was there.
	Put(ctx context.Context, key string, e Entry) error
}

// Entry is one journal entry.
type Entry struct {
	// State is the ledger's own step ("sending", "created", "paid").
	State string `json:"state"`
	// Ref is the package's id of what was made ("" while unknown).
	Ref string `json:"ref,omitempty"`
	// Data is anything else the ledger keeps (JSON of its own).
	Data string `json:"data,omitempty"`
}

// Journal states the online ledgers share.
const (
	// Sending: the create request is about to go, or went without an
	// answer. A retry must look the booking up before creating it again.
	StateSending = "sending"
	// Created: the package has it (Ref); what follows (a payment) may not.
	StateCreated = "created"
	// Done: nothing more to send.
	StateDone = "done"
)

// CustomerID is the stable id Orderbrug gives a buyer in an online ledger
// (Moneybird's customer_id, e-Boekhouden's relation code), so that a retry
// or a second shop finds the contact made before instead of making
// another. It follows from who the buyer is: the VAT number, else the KvK
// number, else the e-mail address, else the name and postcode (a consumer
// at a till without either: one "Kassaverkoop" contact). Form: "OB" and 12
// upper-case hex digits, URL-safe and short enough for both packages.
func CustomerID(p order.Party) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	var who string
	switch {
	case strings.TrimSpace(p.VATID) != "":
		who = "vat:" + order.NormalizeVATID(p.VATID)
	case strings.TrimSpace(p.KvK) != "":
		who = "kvk:" + strings.TrimSpace(p.KvK)
	case strings.TrimSpace(p.Email) != "":
		who = "email:" + norm(p.Email)
	default:
		who = "name:" + norm(p.Company) + "|" + norm(p.Name) + "|" + norm(strings.ReplaceAll(p.Address.Postcode, " ", ""))
	}
	sum := sha256.Sum256([]byte(who))
	return "OB" + strings.ToUpper(hex.EncodeToString(sum[:6]))
}

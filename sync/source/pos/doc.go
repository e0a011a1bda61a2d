// Package pos is the restaurant till: Linga POS's Integration Hub order
// webhooks (APIS.md §2). It only pushes: checks are posted to an Open, an
// Update and a Close URL with one static header Orderbrug generates. It has
// no API Orderbrug calls: no Poll, no Fetch.
//
// # Trust
//
// Back Office sends the header Header with the value Orderbrug generated
// for the shop (its webhook secret). Receiver compares it with the secret
// in constant time (both hashed first, so not even the length leaks); a
// missing or wrong one is refused before the body is looked at, and the
// errors never carry either value.
//
// # What a delivery looks like
//
// Linga publishes no schema of its webhook bodies ("the data structures
// ... are different", APIS.md §2.1). The parser reads what is published
// (the Sync example's envelope and check totals, the online-order field
// list) and the shared fixture (../shared/fixtures/pos), whose item fields
// are themselves an assumption. Everything below that is not in those is
// an assumption of this package, chosen so that a misreading makes a check
// disagree with its own totals (refused, kept for replay) rather than book
// a wrong figure.
//
// Shapes. A body is one of:
//   - the envelope {node, deviceName, floorID, tableID, tableName,
//     employeeID, employeeName, checkID, data}, data the check as an
//     object or as a JSON string holding one (the Sync example);
//   - a bare check: the check object itself with its checkID;
//   - an online (OLO) order {id, uniqueOrderID, orderNumber,
//     orderDetails[], ...}, identified by uniqueOrderID.
//
// Anything else (not JSON, a list, an object with none of checkID, data
// or uniqueOrderID, an envelope without a checkID) is not a check:
// ErrNotACheck, whose text says what was expected. A body that is a JSON
// string holding JSON is read as that JSON; a UTF-8 byte order mark is
// skipped. Unknown fields are skipped; ids may be strings or numbers.
//
// Identity. ID is the envelope's checkID (else the check's checkID, else
// its uniqueOrderID); an online order's is its uniqueOrderID (its "id" is
// not used). Number is checkNumber, else orderNumber, else the id.
//
// Status. A check is closed when checkStatus is "Closed" in any case or
// isClosed is true (also "true", "1", "yes"); checkStatus and isClosed
// that disagree ("Closed" with isClosed false, "Open" with isClosed true)
// are a *MismatchError naming both. checkStatus "Void", "Voided" or
// "Deleted" (any case) is no sale: status void (StatusVoid), not final and
// not forwarded, parked like an open check, whatever isClosed says.
// Everything else is open, including an online order's orderStatus of any
// value (its meaning is not published): the published online-order shape
// has no closed state, its close comes as a check on the Close URL (an
// online order that says checkStatus "Closed" is read as closed). The
// route a check came in on never decides it.
//
// Times. dateCreated (else an online order's orderedDateStr) is Created;
// dateClosed of a closed check is Paid (a closed check without it is paid
// at its creation; without either it is refused). A time with a zone
// ("2026-12-01T18:18:04.000Z") is read as such; one without ("2026-12-01
// 18:42:10", "01-Dec-2026 18:42", "12/01/2026 06:42 PM") is the shop's
// wall clock in Europe/Amsterdam and also kept as CreatedLocal; a number
// of 9 to 13 digits is Unix seconds or milliseconds. businessDate
// ("2026-12-01", also "01-Dec-2026", "12/01/2026", or with a time after
// it) is BusinessDay. Modified is left zero: the engine sets it.
//
// Amounts. Integer fields are cents (totalAmount 3100 = 31,00); actual*
// fields thousandths (actualTax 3163 = 3,163); *Str fields are text for
// people in currency units: "31,00", "1.234,56", "1,234.56", "€ 0,00",
// "TL 0,00", "0.88", "0,880". In text the last of ',' and '.' is the
// decimal separator when both occur, one that occurs twice groups
// thousands, and a single one is decimal, except that "1.234" (three
// digits after a non-zero group of at most three) may be either and
// matches its twin either way. An integer field sent as text of digits
// ("3100") is cents; one with a separator ("31,00", "10.00") is read as
// text in currency units. A fractional number in
// an integer field (11.5) is refused, not guessed.
//
// Twins. Where a figure comes twice they must agree: totalAmount with
// totalAmountStr, totalTaxAmount with totalTaxAmountStr and actualTax,
// actualTax with actualTaxStr, inclusiveTaxAmount, subTotal, taxAmount,
// totalTax, tipAmount, driverTipAmount and deliveryCharge with their Str;
// per tax line totalTaxAmount (else taxAmount) with its Str, its
// actualTaxAmount and actualTax, taxRate with taxRateStr exactly; per item
// totalAmount, price, amount and each tax's taxAmount with their Str; per
// payment amount and tipAmount; the gratuity's and each discount's amount.
// A figure and its own *Str twin (the same number printed, at the same
// scale) must agree exactly; an integer and its actual* thousandths may
// differ by the rounding, a cent per tax line for the check's own figures
// and a cent for a tax line's; the tax lines must add up to the check's
// VAT within a cent per tax line. More is a *MismatchError naming both fields and figures.
//
// Taxes. The check's taxes[] (an online order's taxes[] and
// inclusiveTaxes[]) are its VAT per rate: taxRate is a percentage (9 is
// 900 basis points), the VAT totalTaxAmount (else taxAmount, else the
// actual figure rounded), inclusive as the line says (taxes[] default
// exclusive, inclusiveTaxes[] inclusive). TotalTax is totalTaxAmount, else
// totalTax, else taxAmount + inclusiveTaxAmount, else what the tax lines
// (else the items' taxes) add up to.
//
// Lines. Each item of items[] and orderDetails[] that is not isVoid is a
// product line: ID its id, ProductID its menuItemID, Name its name
// (itemName, menuItemName), Quantity its quantity (a fractional one, 0,5
// kg, is quantity 1 with "0.5 × " before the name; a quantity whose sign
// is not its amount's, or 0 with an amount, is refused), its amount as
// entered totalAmount (else amount, else price × quantity), taken to
// include its modifiers and its own discounts. Its VAT is the taxAmount of
// its taxes[] entries; an entry's rate and inclusiveness are its own, else
// those of the check's tax line with its id. Inclusive: Net = amount −
// VAT; exclusive: Net = amount, VAT on top. An item carries one rate; one
// without taxes[] has the check's rate when the check has one, 0 % when it
// has none, and is refused when it has several. An item of amount 0 and
// no VAT (a modifier, a free item) is no line. serviceCharges[] (amount,
// taxes[] as an item) are fee lines at their rate; one without taxes on a
// check of several rates is spread over them as a discount is. An online
// order's deliveryCharge is a shipping line at the order's rate, spread in
// proportion when it has several. discounts[] that are not isVoid (amount,
// else discountAmount, in the terms of the items: incl. VAT where the tax
// is inclusive) are negative lines at their own tax's rate when their
// taxes[] name one, else spread over the rates in proportion to what the
// items at each add up to (largest remainder, so they add up exactly).
// voidDiscount, grossVoid and the other void totals are not revenue and
// not read.
//
// The VAT this package computes (a spread discount's, delivery's or
// charge's) is then settled against the check's tax line of its rate: the
// difference, at most a cent per line at the rate, moves between net and
// VAT on those lines, so a discount's VAT is what the tax line says it
// took off. The items' own taxAmount is never changed. Then, on a closed
// check, the VAT of the lines at each rate must be its tax line's within
// a cent per line at the rate (at least a cent per tax line at it), else
// a *MismatchError names the tax line (taxes[i]) and both figures.
// order.NewInvoice places any remaining cents.
//
// Tip. The tip goes to the staff and is no revenue: it is tipAmount, else
// the gratuity's amount, else what the payments' tipAmount add up to,
// else an online order's driverTipAmount (they report one tip, so they are
// not added). totalSaleAmount (with its Str twin), where the check has
// it, is the sale without the tip (the fixture: 29,50 = 31,00 − 1,50) and
// is Total: it must be totalAmount less the tip (the tip inside) or
// totalAmount itself (the tip on top), else a *MismatchError. Without it
// totalAmount is taken to include the tip, so Total is totalAmount less
// the tip; where the lines add up to totalAmount itself and not to it less
// the tip, the tip came on top and nothing is taken off. A service charge
// that is the gratuity (its id, or a name like the gratuity's with the
// same amount) is refused: the tip would be booked as revenue.
//
// Reconciliation. A closed check whose lines add up to more than a cent
// per line (DESIGN "Money and VAT"; at least a cent per tax line) away
// from Total or TotalTax is refused with a
// *ReconcileError (its figures and where they come from): a shape misread
// is never booked with a gap. An open check is read whatever its lines
// say: it is only parked until it closes.
//
// Buyer. The check's customer{} (name, firstName + lastName, email, phone,
// company or companyName, vatNumber), else customerName, customerEmail,
// customerPhone, companyName; without a name or a company the buyer is
// "Kassaverkoop", a consumer. A company makes it a business buyer.
//
// Currency. currency (else currencyCode), upper case; "€" is EUR; none is
// EUR. Payments: PaymentMethodTitle is the payments' names ("PIN,
// Contant"), PaymentMethod the first payment's paymentType, or an online
// order's paymentType 1 "online", 2 "cash on delivery".
//
// # Topics
//
// Receiver classifies each check by its content: a closed check is
// TopicClose on any route; an open online order is TopicOpen; an open POS
// check is TopicUpdate on the Update route and TopicThird (3rd Order Web
// Hooks send POS orders to the Open URL) on the others. An online order
// is told by its content (uniqueOrderID), also when it comes in the
// envelope shape. A void check is parked as an open one is. A topic switched
// off is answered 200 and not kept. A body that is not a check, or a check
// the parser refuses, is kept with its reason (Hook.Unreadable, answered
// 400), so that once the parser reads its shape the delivery can be
// replayed; where the body names the check's id (closed or not) the hook
// carries it as OrderID, and the engine keeps the delivery as a failed
// order with its raw body (the till cannot be asked for it). A body that
// names no id has none.
package pos

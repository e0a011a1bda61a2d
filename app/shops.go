package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// Defaults of a new shop, as in the original dashboard (the forward set is
// the kind's: KindInfo.DefaultForward, DefaultForward for the default kind).
var (
	DefaultPollInterval = 15 * time.Minute
	DefaultLookbackDays = 21
)

// ShopInput is what a person enters for a shop.
type ShopInput struct {
	Name   string       `json:"name"`
	Source order.Source `json:"source"`
	// URL, Key and Secret are the kind's fields url, key and secret
	// (KindInfo.Fields); an empty one with a Default takes it.
	URL    string `json:"url"`
	Key    string `json:"-"`
	Secret string `json:"-"`
	// Options are the kind's options (OptionInfo keys); nil: the defaults
	// (a new shop) or the current values (UpdateShop).
	Options map[string]string `json:"options"`
	// Forward is "Status doorzetten verkopen"; nil means the default.
	Forward []order.Status `json:"forward"`
	// Interval between polls; 0 means the default (15 min).
	Interval time.Duration `json:"interval"`
	// LookbackDays of the nightly recheck; nil means the default (21), 0 no limit.
	LookbackDays *int `json:"lookback_days"`
	// Since: orders paid (unpaid ones: created) before it are not booked. Zero on a new shop
	// means the moment it is connected: older orders are in the books
	// already (the owner moves here from another koppeling). An earlier
	// date is a backfill.
	Since time.Time `json:"since"`
	// Sells is what the shop sells: goods (the default) or services; it
	// decides intra-community supply (K) or reverse charge (AE) for EU
	// business buyers. "" keeps the current setting (goods for a new shop).
	Sells order.Sells `json:"sells"`
}

// ShopInfo is a shop as views show it: no secrets.
type ShopInfo struct {
	Name string `json:"name"`
	// Slug is the shop's immutable id in file names and webhook paths: a
	// rename does not change it.
	Slug   string       `json:"slug"`
	Sells  order.Sells  `json:"sells"`
	Source order.Source `json:"source"`
	// KindName is the shop system as people know it ("WooCommerce").
	KindName     string         `json:"kind_name"`
	URL          string         `json:"url"`
	HasKeys      bool           `json:"has_keys"`
	Forward      []order.Status `json:"forward"`
	Interval     time.Duration  `json:"interval"`
	LookbackDays int            `json:"lookback_days"`
	Since        time.Time      `json:"since"`
	LastPoll     time.Time      `json:"last_poll,omitempty"`
	LastPollOK   time.Time      `json:"last_poll_ok,omitempty"`
	NextPoll     time.Time      `json:"next_poll,omitempty"`
	LastError    string         `json:"last_error,omitempty"`
	// LastErrorCode classifies LastError for a sentence.
	LastErrorCode string      `json:"last_error_code,omitempty"`
	Paused        bool        `json:"paused"`
	Webhook       WebhookInfo `json:"webhook"`
	// Options are the kind's options with their values, defaults filled in.
	Options map[string]string `json:"options"`
}

func (s *Service) shopInput(in ShopInput, isNew bool) (store.Shop, error) {
	var sh store.Shop
	in.Name = strings.TrimSpace(in.Name)
	if err := checkName(in.Name); err != nil {
		return sh, err
	}
	sells, err := store.ParseSells(string(in.Sells))
	if err != nil {
		return sh, invalid("sells", err)
	}
	if in.Source == "" {
		in.Source = defaultKind
	}
	k, err := s.kind(in.Source)
	if err != nil {
		return sh, err
	}
	values := map[string]*string{"url": &in.URL, "key": &in.Key, "secret": &in.Secret}
	for _, f := range k.Fields {
		v := values[f.Key]
		if v == nil {
			continue
		}
		*v = strings.TrimSpace(*v)
		if *v == "" && f.Default != "" && (isNew || f.Key == "url") {
			*v = f.Default
		}
		switch {
		case f.Key == "url":
			u, err := NormalizeShopURL(*v)
			if err != nil {
				return sh, err
			}
			*v = u
		case *v == "" && f.Required && isNew:
			return sh, required(f.Key)
		}
	}
	var opts map[string]string
	if in.Options != nil {
		if opts, err = checkOptions(k, in.Options); err != nil {
			return sh, err
		}
	}
	if in.Forward == nil {
		in.Forward = append([]order.Status{}, k.DefaultForward...)
	}
	if err := checkForward(k, in.Forward); err != nil {
		return sh, err
	}
	if in.Interval == 0 {
		in.Interval = DefaultPollInterval
	}
	if in.Interval < time.Minute || in.Interval > 24*time.Hour {
		return sh, invalid("interval", errors.New("between 1 minute and 24 hours"))
	}
	lookback := DefaultLookbackDays
	if in.LookbackDays != nil {
		lookback = *in.LookbackDays
	}
	if lookback < 0 || lookback > 3650 {
		return sh, invalid("lookback", errors.New("between 0 and 3650 days"))
	}
	return store.Shop{Name: in.Name, Source: in.Source, BaseURL: in.URL, Key: in.Key,
		Secret: in.Secret, Forward: in.Forward, PollInterval: in.Interval, LookbackDays: lookback,
		StartAt: in.Since, Sells: sells, Options: opts}, nil
}

// checkName refuses an empty name and characters that read badly in a
// list or a log.
func checkName(name string) error {
	if name == "" {
		return required("name")
	}
	if strings.ContainsAny(name, "/\\?#%") || len(name) > 60 {
		return invalid("name", errors.New("use letters, digits, spaces, - and _ (at most 60)"))
	}
	return nil
}

// NormalizeShopURL checks a shop's address and returns it without a trailing
// slash. A bare host gets https://.
func NormalizeShopURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", required("url")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", invalid("url", errors.New("not a web address (https://jouwwinkel.nl)"))
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), nil
}

// AddShop connects a new shop. It first tests the address and keys: a
// shop that cannot be reached, refuses the keys or lives at another
// address is not saved, and the error says why (and where the shop lives,
// see SuggestedURL). It books from the moment it is connected unless
// in.Since is earlier (a backfill): older orders are in the books already.
func (s *Service) AddShop(ctx context.Context, in ShopInput) (ShopInfo, error) {
	return s.addShop(ctx, in, true)
}

// addShop is AddShop; test false skips the connection test, for keys the
// shop itself just posted (the connect flow: the shop waits for our answer
// and may not serve a request meanwhile).
func (s *Service) addShop(ctx context.Context, in ShopInput, test bool) (ShopInfo, error) {
	sh, err := s.shopInput(in, true)
	if err != nil {
		return ShopInfo{}, err
	}
	if _, err := s.store.ShopByName(ctx, sh.Name); err == nil {
		return ShopInfo{}, &Error{Code: CodeShopExists, Field: "name", Err: store.ErrShopExists}
	}
	if test {
		if err := s.testShop(ctx, sh); err != nil {
			return ShopInfo{}, err
		}
	}
	if sh.Identity, err = s.identity(ctx, sh, test); err != nil {
		return ShopInfo{}, err
	}
	if sh.StartAt.IsZero() {
		sh.StartAt = s.clock.Now().UTC()
	}
	sh.Cursor = sh.StartAt
	k, err := s.kind(sh.Source)
	if err != nil {
		return ShopInfo{}, err
	}
	sh.Webhook = store.WebhookConfig{Topics: defaultTopics(k)}
	switch {
	case k.HookHeader != "":
		// The header's value is the only proof a delivery is the shop's.
		sh.Webhook.Secret = randomSecret(headerSecretBytes)
	case !k.OwnerHookKey:
		sh.Webhook.Secret = newSecret()
	}
	// A kind that only pushes (the till) has nothing without its webhooks:
	// they are on from the start.
	if src, err := s.sourceFor(sh); err == nil && k.Hooks != nil {
		_, polls := src.(source.Poller)
		_, reports := src.(source.ReportingPoller)
		sh.Webhook.Enabled = !polls && !reports
	}
	sh, err = s.store.AddShop(ctx, sh)
	if err != nil {
		if errors.Is(err, store.ErrShopExists) {
			return ShopInfo{}, &Error{Code: CodeShopExists, Field: "name", Err: err}
		}
		return ShopInfo{}, err
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "shop_added",
		Args: map[string]string{"since": sh.StartAt.Format(time.RFC3339)}})
	s.reload(ctx)
	return s.info(sh), nil
}

// testShop checks sh's address and keys with the kind's connection test
// (its statuses, for a kind without one). Its error names the input at
// fault: the keys when they are refused, else the address.
func (s *Service) testShop(ctx context.Context, sh store.Shop) error {
	src, err := s.sourceFor(sh)
	if err != nil {
		return err
	}
	if err := testConnection(ctx, src); err != nil {
		code, field := CodeOf(err), "url"
		if code == CodeAuth {
			field = "key"
		}
		return &Error{Code: code, Field: field, Err: err}
	}
	return nil
}

// identity is what recognises sh when it was connected before and removed:
// its address, or for a kind whose address is every account's API host the
// account behind the keys (source.Identifier). Untested, such a shop is
// taken as new: reviving another account's shop would book its orders
// under this one.
func (s *Service) identity(ctx context.Context, sh store.Shop, tested bool) (string, error) {
	src, err := s.sourceFor(sh)
	if err != nil {
		return "", err
	}
	id, ok := src.(source.Identifier)
	if !ok {
		return sh.BaseURL, nil
	}
	if !tested {
		return "untested:" + newSecret(), nil
	}
	v, err := id.Identity(ctx)
	if err != nil {
		code, field := CodeOf(err), "url"
		if code == CodeAuth {
			field = "key"
		}
		return "", &Error{Code: code, Field: field, Err: err}
	}
	return v, nil
}

// sourceIdentifies reports whether sh's kind knows the account behind the
// keys (source.Identifier), so that the account, not the address, is the shop.
func (s *Service) sourceIdentifies(sh store.Shop) (source.Source, bool) {
	src, err := s.sourceFor(sh)
	if err != nil {
		return nil, false
	}
	_, ok := src.(source.Identifier)
	return src, ok
}

// testConnection makes the kind's cheapest call that needs the keys.
func testConnection(ctx context.Context, src source.Source) error {
	if t, ok := src.(source.ConnectionTester); ok {
		return t.TestConnection(ctx)
	}
	if l, ok := src.(source.StatusLister); ok {
		_, err := l.Statuses(ctx)
		return err
	}
	return nil
}

// statuses lists the shop's statuses, for a kind that can.
func statuses(ctx context.Context, src source.Source) ([]order.StatusInfo, error) {
	l, ok := src.(source.StatusLister)
	if !ok {
		return nil, &Error{Code: CodeUnsupported, Err: fmt.Errorf("a %s shop does not list its statuses", src.Kind())}
	}
	return l.Statuses(ctx)
}

// RenameShop changes the name people see, and nothing else: the slug (the
// invoice file names and the webhook URL the shop delivers to) and the
// numeric id (the idempotency keys) stay, so nothing booked is booked again
// and no webhook is lost.
func (s *Service) RenameShop(ctx context.Context, name, newName string) error {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return err
	}
	newName = strings.TrimSpace(newName)
	if err := checkName(newName); err != nil {
		return err
	}
	if err := s.store.RenameShop(ctx, sh.ID, newName); err != nil {
		if errors.Is(err, store.ErrShopExists) {
			return &Error{Code: CodeShopExists, Field: "name", Err: err}
		}
		return err
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: newName, Code: "shop_renamed", Args: map[string]string{"old": sh.Name}})
	s.reload(ctx)
	s.notify()
	return nil
}

// SetSince sets the date from which a shop's orders are booked. An earlier
// date is a backfill: orders ignored as older than the start are decided
// again, and orders modified since the new date are fetched again at the
// next poll (which it starts). A later one leaves booked orders as they
// are and ignores the rest that is older. It returns how many orders were
// decided again.
func (s *Service) SetSince(ctx context.Context, name string, since time.Time) (int, error) {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return 0, err
	}
	if since.IsZero() {
		return 0, required("since")
	}
	if since.After(s.clock.Now()) {
		return 0, invalid("since", errors.New("a date in the future"))
	}
	n, err := s.setSince(ctx, sh, since.UTC())
	if err != nil {
		return 0, err
	}
	s.wake()
	s.notify()
	return n, nil
}

func (s *Service) setSince(ctx context.Context, sh store.Shop, since time.Time) (int, error) {
	if _, err := s.store.SetStartAt(ctx, sh.ID, since); err != nil {
		return 0, err
	}
	sh.StartAt = since
	n, err := s.store.Redecide(ctx, sh.ID, []store.State{store.Parked, store.Queued}, s.engine.Decide(sh))
	if err != nil {
		return 0, err
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "since_changed",
		Args: map[string]string{"since": since.Format(time.RFC3339), "changed": fmt.Sprint(n)}})
	return n, nil
}

// SetSells says whether a shop sells goods or services. It applies to
// bookings made from now on; what is booked stays as it was booked.
func (s *Service) SetSells(ctx context.Context, name string, sells order.Sells) error {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return err
	}
	if sh.Sells, err = store.ParseSells(string(sells)); err != nil {
		return invalid("sells", err)
	}
	if err := s.store.UpdateShop(ctx, sh); err != nil {
		return err
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "shop_changed"})
	s.notify()
	return nil
}

// UpdateShop changes a shop's settings. An empty Source is the shop's own
// kind (another kind is CodeInvalid: a kind never changes); empty
// Key/Secret keep the stored ones;
// a new address or new keys are tested first (nothing is saved when they
// fail). A new name is a rename (see RenameShop); an earlier Since a
// backfill (see SetSince). A changed forward set takes effect for parked
// orders at once.
func (s *Service) UpdateShop(ctx context.Context, name string, in ShopInput) error {
	cur, err := s.shop(ctx, name)
	if err != nil {
		return err
	}
	if in.LookbackDays == nil {
		in.LookbackDays = &cur.LookbackDays
	}
	// A shop keeps its kind: without one, in is of the shop's kind (its
	// fields, its default forward set), never the default kind's.
	if in.Source == "" {
		in.Source = cur.Source
	}
	if in.Source != cur.Source {
		return &Error{Code: CodeInvalid, Field: "source", Err: fmt.Errorf("%s is a %s shop; a shop's kind cannot change (add a new shop)", cur.Name, cur.Source)}
	}
	sh, err := s.shopInput(in, false)
	if err != nil {
		return err
	}
	sh.ID, sh.Paused, sh.Webhook = cur.ID, cur.Paused, cur.Webhook
	// Changed options go through SetShopOptions once the rest is saved:
	// logged as shop_options, the ignored-by-option orders decided again,
	// the webhooks registered again where an option decides them.
	opts := map[string]string{}
	if k, err := s.kind(cur.Source); err == nil {
		was := options(cur, k)
		for key, v := range sh.Options {
			if was[key] != v {
				opts[key] = v
			}
		}
	}
	sh.Options = cur.Options
	if in.Sells == "" {
		sh.Sells = cur.Sells
	}
	if sh.Key == "" {
		sh.Key = cur.Key
	}
	if sh.Secret == "" {
		sh.Secret = cur.Secret
	}
	if sh.BaseURL != cur.BaseURL || sh.Key != cur.Key || sh.Secret != cur.Secret {
		// A new address or new keys are tested before they are saved, as
		// for a new shop.
		if err := s.testShop(ctx, sh); err != nil {
			return err
		}
		// And they must still be this shop: its orders, bookings and
		// slug belong to the account they came from. A shop whose address
		// identifies it moves with its address.
		id, err := s.identity(ctx, sh, true)
		if err != nil {
			return err
		}
		if _, byAccount := s.sourceIdentifies(sh); byAccount && cur.Identity != "" && !strings.HasPrefix(cur.Identity, "untested:") && id != cur.Identity {
			return &Error{Code: CodeInvalid, Field: "key", Err: fmt.Errorf("these keys are of another account than the one %s books (add that account as a new shop)", cur.Name)}
		}
		sh.Identity = id
	}
	newStart := sh.StartAt
	sh.StartAt = cur.StartAt
	if err := s.store.UpdateShop(ctx, sh); err != nil {
		if errors.Is(err, store.ErrShopExists) {
			return &Error{Code: CodeShopExists, Field: "name", Err: err}
		}
		return err
	}
	if !newStart.IsZero() && !newStart.Equal(cur.StartAt) {
		if _, err := s.setSince(ctx, sh, newStart.UTC()); err != nil {
			return err
		}
		sh.StartAt = newStart.UTC()
	}
	if shopChanged(cur, sh) || (!newStart.IsZero() && !newStart.Equal(cur.StartAt)) || len(opts) == 0 {
		if _, err := s.store.Redecide(ctx, sh.ID, []store.State{store.Parked, store.Queued}, s.engine.Decide(sh)); err != nil {
			return err
		}
		_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "shop_changed"})
	}
	if len(opts) > 0 {
		if err := s.SetShopOptions(ctx, sh.Name, opts); err != nil {
			return err
		}
	}
	s.reload(ctx)
	s.wake()
	s.notify()
	return nil
}

// shopChanged reports whether b changes a's settings other than its
// options and start.
func shopChanged(a, b store.Shop) bool {
	return a.Name != b.Name || a.BaseURL != b.BaseURL || a.Key != b.Key || a.Secret != b.Secret || a.Sells != b.Sells ||
		a.PollInterval != b.PollInterval || a.LookbackDays != b.LookbackDays || joinStatuses(a.Forward) != joinStatuses(b.Forward)
}

// SetForward sets a shop's "Status doorzetten verkopen". Parked orders whose
// status is now forwarded are queued, and queued ones no longer forwarded are
// parked; it returns how many orders changed.
func (s *Service) SetForward(ctx context.Context, name string, forward []order.Status) (int, error) {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return 0, err
	}
	if forward == nil {
		forward = []order.Status{}
	}
	if k, ok := s.kinds.Lookup(sh.Source); ok {
		if err := checkForward(k, forward); err != nil {
			return 0, err
		}
	}
	sh.Forward = forward
	if err := s.store.UpdateShop(ctx, sh); err != nil {
		return 0, err
	}
	n, err := s.store.Redecide(ctx, sh.ID, []store.State{store.Parked, store.Queued}, s.engine.Decide(sh))
	if err != nil {
		return 0, err
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "forward_changed",
		Args: map[string]string{"statuses": joinStatuses(forward), "changed": fmt.Sprint(n)}})
	s.wake()
	s.notify()
	return n, nil
}

// FieldForward is the field of an error about a shop's forward set.
const FieldForward = "forward"

// checkForward refuses, for a kind with final statuses (the till's
// closed), a forward set with another status: only a final one is a sale
// (an open check is a table still eating), so nothing else may be booked
// by the forward set.
func checkForward(k *source.Descriptor, forward []order.Status) error {
	if len(k.Final) == 0 {
		return nil
	}
	for _, st := range forward {
		if !source.In(st, k.Final) {
			return &Error{Code: CodeInvalid, Field: FieldForward,
				Err: fmt.Errorf("%s books only %s: status %q is not a sale", k.Name, joinStatuses(k.Final), st)}
		}
	}
	return nil
}

func joinStatuses(st []order.Status) string {
	parts := make([]string, len(st))
	for i, x := range st {
		parts[i] = string(x)
	}
	return strings.Join(parts, ",")
}

// RemoveShop disconnects a shop and keeps its books: its orders, booking
// records and log stay (see store.RemoveShop), and so do its invoice files.
func (s *Service) RemoveShop(ctx context.Context, name string) error {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return err
	}
	if err := s.store.RemoveShop(ctx, sh.ID); err != nil {
		return err
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "shop_removed"})
	s.reload(ctx)
	s.notify()
	return nil
}

// Shops lists the shops.
func (s *Service) Shops(ctx context.Context) ([]ShopInfo, error) {
	shops, err := s.store.Shops(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ShopInfo, len(shops))
	for i, sh := range shops {
		out[i] = s.info(sh)
	}
	return out, nil
}

// Shop returns one shop.
func (s *Service) Shop(ctx context.Context, name string) (ShopInfo, error) {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return ShopInfo{}, err
	}
	return s.info(sh), nil
}

func (s *Service) info(sh store.Shop) ShopInfo {
	in := ShopInfo{Name: sh.Name, Slug: sh.Slug, Sells: sh.Sells, Source: sh.Source, URL: sh.BaseURL,
		Forward: sh.Forward, Interval: sh.PollInterval, LookbackDays: sh.LookbackDays, Since: sh.StartAt,
		LastPoll: sh.LastPollAt, LastPollOK: sh.LastPollOK, LastError: sh.LastError, Paused: sh.Paused,
		Webhook: s.webhookInfo(sh), Options: map[string]string{}}
	in.LastErrorCode = sh.LastErrorCode
	if k, ok := s.kinds.Lookup(sh.Source); ok {
		in.KindName, in.Options = k.Name, options(sh, k)
		in.HasKeys = hasKeys(sh, k)
	} else {
		in.KindName, in.HasKeys = string(sh.Source), sh.Key != "" && sh.Secret != ""
	}
	if r := s.running(); r != nil {
		in.NextPoll = r.NextPoll(sh.ID)
	}
	return in
}

// hasKeys reports whether every required credential of the kind is set.
func hasKeys(sh store.Shop, k *source.Descriptor) bool {
	any := false
	for _, f := range k.Fields {
		var v string
		switch f.Key {
		case "key":
			v = sh.Key
		case "secret":
			v = sh.Secret
		default:
			continue
		}
		any = true
		if f.Required && v == "" {
			return false
		}
	}
	return any
}

// shop finds a shop by name, with the service's error.
func (s *Service) shop(ctx context.Context, name string) (store.Shop, error) {
	if name == "" {
		shops, err := s.store.Shops(ctx)
		if err != nil {
			return store.Shop{}, err
		}
		if len(shops) == 1 {
			return shops[0], nil
		}
		return store.Shop{}, required("shop")
	}
	sh, err := s.store.ShopByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return sh, &Error{Code: CodeNoSuchShop, Field: "shop", Err: err}
	}
	return sh, err
}

func (s *Service) reload(ctx context.Context) {
	if r := s.running(); r != nil {
		if err := r.Reload(ctx); err != nil {
			s.log.Error("reschedule", "err", err)
		}
	}
}

// TestConnection checks a shop's address and keys without saving them and
// returns the shop's statuses (for the forward checkboxes; none for a kind
// that cannot list them). An empty Key or Secret with the name of an
// existing shop uses the stored one.
func (s *Service) TestConnection(ctx context.Context, in ShopInput) ([]order.StatusInfo, error) {
	if (in.Key == "" || in.Secret == "") && in.Name != "" {
		if cur, err := s.store.ShopByName(ctx, strings.TrimSpace(in.Name)); err == nil {
			if in.Key == "" {
				in.Key = cur.Key
			}
			if in.Secret == "" {
				in.Secret = cur.Secret
			}
		}
	}
	sh, err := s.shopInput(in, true)
	if err != nil {
		return nil, err
	}
	src, err := s.sourceFor(sh)
	if err != nil {
		return nil, err
	}
	// A kind's connection test first: its statuses may be a fixed list
	// that asks the shop nothing.
	if t, ok := src.(source.ConnectionTester); ok {
		if err := t.TestConnection(ctx); err != nil {
			return nil, err
		}
	}
	if l, ok := src.(source.StatusLister); ok {
		return l.Statuses(ctx)
	}
	return nil, nil
}

// Statuses returns a shop's real order statuses, custom ones included.
func (s *Service) Statuses(ctx context.Context, name string) ([]order.StatusInfo, error) {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return nil, err
	}
	src, err := s.sourceFor(sh)
	if err != nil {
		return nil, err
	}
	return statuses(ctx, src)
}

// SetShopPaused pauses or resumes one shop's polling.
func (s *Service) SetShopPaused(ctx context.Context, name string, paused bool) error {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return err
	}
	sh.Paused = paused
	if err := s.store.UpdateShop(ctx, sh); err != nil {
		return err
	}
	s.notify()
	return nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay"
	"github.com/orderbrug/orderbrug/sync/source/pos"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
	"github.com/orderbrug/orderbrug/sync/store"
)

// kinds are the shop systems Orderbrug knows: a new kind is one package
// and one more descriptor here. Nothing else in app names a kind.
var kinds = source.NewRegistry(woocommerce.Descriptor(), plugandpay.Descriptor(), pos.Descriptor())

// defaultKind is the kind of a shop added without one (the CLI's `shop add`
// without a kind, the connect flow).
const defaultKind = order.WooCommerce

// DefaultForward is the forward set of a new shop of the default kind;
// KindInfo.DefaultForward is each kind's.
var DefaultForward = func() []order.Status {
	k, _ := kinds.Lookup(defaultKind)
	return append([]order.Status(nil), k.DefaultForward...)
}()

// WebhookTopics are the webhook toggles of every kind (topic keys), in the
// kinds' order: a person switches them per shop (SetWebhookTopics).
var WebhookTopics = func() []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range kinds.All() {
		for _, t := range k.Topics {
			if !seen[t.Key] {
				seen[t.Key] = true
				out = append(out, t.Key)
			}
		}
	}
	return out
}()

// FieldInfo is one connection setting a kind asks for: an entry of the
// wizard, a flag of `shop add KIND`. Label and Hint are lang keys.
type FieldInfo struct {
	Key      string `json:"key"`
	Flag     string `json:"flag"`
	Label    string `json:"label"`
	Hint     string `json:"hint"`
	Default  string `json:"default"`
	Secret   bool   `json:"secret"`
	Required bool   `json:"required"`
}

// OptionInfo is a per-shop setting of a kind: a toggle ("bool": on or off),
// a list of ids ("list", comma-separated), one of Choices ("choice") or a
// time of day ("clock", HH:MM); a flag of `shop add KIND` and `shop set
// NAME`. Label and Hint are lang keys; a choice's label is Label + "." +
// the choice.
type OptionInfo struct {
	Key     string   `json:"key"`
	Flag    string   `json:"flag"`
	Kind    string   `json:"kind"`
	Default string   `json:"default"`
	Label   string   `json:"label"`
	Hint    string   `json:"hint"`
	Choices []string `json:"choices,omitempty"`
}

// Option kinds of OptionInfo.Kind.
const (
	OptionBool   = string(source.OptionBool)
	OptionList   = string(source.OptionList)
	OptionChoice = string(source.OptionChoice)
	OptionClock  = string(source.OptionClock)
)

// ValidOption reports whether v is a value of o (on/off, one of the
// choices, a time of day HH:MM, anything for a list).
func ValidOption(o OptionInfo, v string) bool {
	return source.ValidOption(source.Option{Key: o.Key, Kind: source.OptionKind(o.Kind), Choices: o.Choices}, v)
}

// TopicInfo is a webhook toggle of a kind. Label is a lang key.
type TopicInfo struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Default bool   `json:"default"`
	// Required: it cannot be switched off (the till's close: without it
	// no sale is booked).
	Required bool `json:"required"`
}

// KindInfo is a shop system as views and the CLI show it.
type KindInfo struct {
	Kind    order.Source `json:"kind"`
	Name    string       `json:"name"`
	Fields  []FieldInfo  `json:"fields"`
	Options []OptionInfo `json:"options"`
	Topics  []TopicInfo  `json:"topics"`
	// OwnerHookKey: the owner enters the key the shop signs webhooks with
	// (SetWebhookKey); otherwise Orderbrug makes it.
	OwnerHookKey bool `json:"owner_hook_key"`
	// Connect: the shop can hand its keys over itself ("Koppel met
	// WooCommerce"), through the tunnel.
	Connect bool `json:"connect"`
	// Webhooks: the kind receives webhooks.
	Webhooks bool `json:"webhooks"`
	// HookHeader is the request header whose value is the shop's webhook
	// secret (a till's static header), "" for kinds that sign.
	HookHeader string `json:"hook_header"`
	// DefaultForward is "Status doorzetten verkopen" of a new shop.
	DefaultForward []order.Status `json:"default_forward"`
	// Final statuses end an order (the till's closed): for such a kind the
	// forward set takes only these.
	Final []order.Status `json:"final"`
	// Fetch: the shop can be asked for one order ("Nu controleren",
	// "Openen in de webwinkel"); a till cannot: it sends every check itself.
	Fetch bool `json:"fetch"`
	// Poll: the shop's orders are polled (the interval and the recheck
	// window apply); a till is never polled.
	Poll bool `json:"poll"`
}

// Kinds lists the shop systems Orderbrug knows, sorted by name.
func (s *Service) Kinds() []KindInfo {
	// The command line asks before any service is open (its usage text).
	reg := kinds
	if s != nil && s.kinds != nil {
		reg = s.kinds
	}
	all := reg.All()
	out := make([]KindInfo, 0, len(all))
	for _, k := range all {
		out = append(out, kindInfo(k))
	}
	return out
}

func kindInfo(k *source.Descriptor) KindInfo {
	ki := KindInfo{Kind: k.Kind, Name: k.Name, Fields: []FieldInfo{}, Options: []OptionInfo{}, Topics: []TopicInfo{},
		OwnerHookKey: k.OwnerHookKey, Webhooks: k.Hooks != nil, Connect: k.Connect, HookHeader: k.HookHeader,
		DefaultForward: append([]order.Status{}, k.DefaultForward...)}
	ki.Fetch, ki.Poll = capabilities(k)
	ki.Final = append([]order.Status{}, k.Final...)
	for _, f := range k.Fields {
		ki.Fields = append(ki.Fields, FieldInfo{Key: f.Key, Flag: f.Flag, Label: f.Label, Hint: f.Hint, Default: f.Default,
			Secret: f.Secret, Required: f.Required})
	}
	for _, o := range k.Options {
		ki.Options = append(ki.Options, OptionInfo{Key: o.Key, Flag: o.Flag, Kind: string(o.Kind), Default: o.Default,
			Label: o.Label, Hint: o.Hint, Choices: append([]string(nil), o.Choices...)})
	}
	for _, t := range k.Topics {
		ki.Topics = append(ki.Topics, TopicInfo{Key: t.Key, Label: t.Label, Default: t.Default, Required: t.Required})
	}
	return ki
}

// capabilities tells whether a kind's client can be asked for an order
// (source.Fetcher) and polled (source.Poller), from a client built on a
// probe configuration that reaches nothing. A kind whose client cannot be
// built without real settings asks for them (its Fields): it has an API,
// and is taken to have both.
func capabilities(k *source.Descriptor) (fetch, poll bool) {
	if c, ok := capable.Load(k); ok {
		c := c.([2]bool)
		return c[0], c[1]
	}
	fetch, poll = probe(k)
	capable.Store(k, [2]bool{fetch, poll})
	return fetch, poll
}

// capable caches capabilities per registered descriptor: Kinds is asked
// on every change of a selection.
var capable sync.Map

func probe(k *source.Descriptor) (fetch, poll bool) {
	opts := make(map[string]string, len(k.Options))
	for _, o := range k.Options {
		opts[o.Key] = o.Default
	}
	src, err := k.New(source.Config{BaseURL: "https://probe.invalid", Key: "probe", Secret: "probe", Options: opts})
	if err != nil || src == nil {
		return len(k.Fields) > 0, len(k.Fields) > 0
	}
	_, fetch = src.(source.Fetcher)
	_, poll = src.(source.Poller)
	return fetch, poll
}

// kind is the descriptor of a kind, or CodeUnsupported.
func (s *Service) kind(src order.Source) (*source.Descriptor, error) {
	k, ok := s.kinds.Lookup(src)
	if !ok {
		return nil, &Error{Code: CodeUnsupported, Field: "source", Err: fmt.Errorf("source %q is not supported", src)}
	}
	return k, nil
}

// shopOfKind is the shop called name with its kind's descriptor.
func (s *Service) shopOfKind(ctx context.Context, name string) (store.Shop, *source.Descriptor, error) {
	sh, err := s.shop(ctx, name)
	if err != nil {
		return sh, nil, err
	}
	k, err := s.kind(sh.Source)
	return sh, k, err
}

// sourceFor builds the client for a shop.
func (s *Service) sourceFor(sh store.Shop) (source.Source, error) {
	k, err := s.kind(sh.Source)
	if err != nil {
		return nil, err
	}
	return k.New(source.Config{BaseURL: sh.BaseURL, Key: sh.Key, Secret: sh.Secret, Options: options(sh, k), HTTPClient: s.http})
}

// options are the shop's option values with the kind's defaults filled in.
func options(sh store.Shop, k *source.Descriptor) map[string]string {
	out := make(map[string]string, len(k.Options))
	for _, o := range k.Options {
		out[o.Key] = o.Default
		if v, ok := sh.Options[o.Key]; ok {
			out[o.Key] = v
		}
	}
	return out
}

// defaultTopics are the topics a new shop of kind k has switched on.
func defaultTopics(k *source.Descriptor) []string {
	var out []string
	for _, t := range k.Topics {
		if t.Default {
			out = append(out, t.Key)
		}
	}
	return out
}

// checkOptions validates opts against kind k's options and returns them
// normalized: a bool is on or off, a list its ids comma-separated without
// spaces ("" none), a choice one of the choices, a clock HH:MM. An unknown key or a bad value is CodeInvalid with the
// key as Field.
func checkOptions(k *source.Descriptor, opts map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(opts))
	keys := make([]string, 0, len(opts))
	for key := range opts {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v := strings.TrimSpace(opts[key])
		var opt *source.Option
		for i := range k.Options {
			if k.Options[i].Key == key {
				opt = &k.Options[i]
			}
		}
		if opt == nil {
			return nil, &Error{Code: CodeInvalid, Field: key, Err: fmt.Errorf("%s has no option %q", k.Name, key)}
		}
		switch opt.Kind {
		case source.OptionBool:
			v = strings.ToLower(v)
			if v != "on" && v != "off" {
				return nil, &Error{Code: CodeInvalid, Field: key, Err: errors.New("on or off")}
			}
		case source.OptionList:
			var ids []string
			for _, id := range strings.Split(v, ",") {
				id = strings.TrimSpace(id)
				if id == "" {
					continue
				}
				if strings.ContainsAny(id, " \t\r\n") {
					return nil, &Error{Code: CodeInvalid, Field: key, Err: errors.New("ids separated by commas (12,34)")}
				}
				ids = append(ids, id)
			}
			v = strings.Join(ids, ",")
		case source.OptionChoice:
			v = strings.ToLower(v)
			if !source.ValidOption(*opt, v) {
				return nil, &Error{Code: CodeInvalid, Field: key, Err: fmt.Errorf("%q: one of %s", v, strings.Join(opt.Choices, ", "))}
			}
		case source.OptionClock:
			d, err := source.ParseClock(v)
			if err != nil {
				return nil, &Error{Code: CodeInvalid, Field: key, Err: fmt.Errorf("%q: a time of day, HH:MM (00:00 to 23:59)", v)}
			}
			v = clockText(d)
		}
		out[key] = v
	}
	return out, nil
}

// clockText writes a time of day as HH:MM ("4:00" is "04:00").
func clockText(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// SetShopOptions sets options of a shop's kind (OptionInfo keys; the keys
// not in opts keep their values). A bool is on or off, a list ids
// separated by commas. They are saved, logged, and the shop's parked,
// queued and by-option ignored orders are decided again.
func (s *Service) SetShopOptions(ctx context.Context, shop string, opts map[string]string) error {
	sh, k, err := s.shopOfKind(ctx, shop)
	if err != nil {
		return err
	}
	clean, err := checkOptions(k, opts)
	if err != nil {
		return err
	}
	merged := map[string]string{}
	for key, v := range sh.Options {
		merged[key] = v
	}
	for key, v := range clean {
		merged[key] = v
	}
	if err := s.store.SaveOptions(ctx, sh.ID, merged); err != nil {
		return err
	}
	sh.Options = merged
	n, err := s.store.Redecide(ctx, sh.ID, []store.State{store.Parked, store.Queued, store.Ignored}, s.engine.Decide(sh))
	if err != nil {
		return err
	}
	args := map[string]string{"changed": fmt.Sprint(n)}
	for key, v := range clean {
		args[key] = v
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "shop_options", Args: args})
	// An option may decide which webhooks the shop calls (Plug&Pay's
	// cancellations rule): registered again at once where there is a
	// public URL, else at the next poll.
	if sh.Webhook.Enabled {
		if url, _ := s.publicURL(ctx); url != "" {
			if err := s.registerWebhooks(ctx, sh, url); err != nil {
				s.log.Warn("webhooks after an option changed", "shop", sh.Name, "err", err)
			}
		}
	}
	s.wake()
	s.notify()
	return nil
}

// SetWebhookKey sets the key the shop signs its webhooks with, for kinds
// where the owner chooses it in the shop (KindInfo.OwnerHookKey; others
// are CodeUnsupported: Orderbrug makes their secret). "" clears it:
// deliveries are then taken unsigned, as hints.
func (s *Service) SetWebhookKey(ctx context.Context, shop, key string) error {
	sh, k, err := s.shopOfKind(ctx, shop)
	if err != nil {
		return err
	}
	if !k.OwnerHookKey {
		return &Error{Code: CodeUnsupported, Field: "webhook_key",
			Err: fmt.Errorf("%s webhooks are signed with a secret Orderbrug makes", k.Name)}
	}
	sh.Webhook.Secret = strings.TrimSpace(key)
	if err := s.store.SaveWebhook(ctx, sh.ID, sh.Webhook); err != nil {
		return err
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "shop_changed"})
	s.notify()
	return nil
}

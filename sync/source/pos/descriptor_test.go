package pos

import (
	"context"
	"slices"
	"testing"

	"github.com/orderbrug/orderbrug/sync/source"
)

// TestDescriptor: what the rest of Orderbrug knows of the till: the
// header, the final status, the four toggles, the two options with their
// defaults, three routes and no root; a client that parses webhooks and
// lists the two statuses.
func TestDescriptor(t *testing.T) {
	d := Descriptor()
	if d.HookHeader != Header || Header != "X-Orderbrug-Key" || !slices.Equal(d.Final, d.DefaultForward) || len(d.Final) != 1 || d.Final[0] != StatusClosed {
		t.Fatalf("header %q final %v forward %v", d.HookHeader, d.Final, d.DefaultForward)
	}
	var topics []string
	for _, tp := range d.Topics {
		topics = append(topics, tp.Key)
	}
	if !slices.Equal(topics, []string{TopicOpen, TopicUpdate, TopicClose, TopicThird}) {
		t.Errorf("topics %v", topics)
	}
	for _, o := range d.Options {
		if !source.ValidOption(o, o.Default) {
			t.Errorf("option %s: its default %q is not valid", o.Key, o.Default)
		}
	}
	var paths []string
	for _, r := range d.Hooks.Routes() {
		paths = append(paths, r.Path)
	}
	if !slices.Equal(paths, []string{"open", "update", "close"}) {
		t.Errorf("routes %q", paths)
	}
	src, err := d.New(source.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(source.WebhookParser); !ok {
		t.Error("not a WebhookParser")
	}
	if _, ok := src.(source.Poller); ok {
		t.Error("a till has no poll")
	}
	st, err := src.(source.StatusLister).Statuses(context.Background())
	if err != nil || len(st) != 3 || st[0].Slug != StatusOpen || st[1].Slug != StatusClosed || st[2].Slug != StatusVoid {
		t.Errorf("statuses %v %v", st, err)
	}
}

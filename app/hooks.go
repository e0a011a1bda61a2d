package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// hookShops answers the webhook handler's shop look-ups from the store.
type hookShops struct{ s *Service }

func (h hookShops) Lookup(src order.Source, name string) (webhook.ShopHooks, bool) {
	sh, err := h.s.store.ShopByName(context.Background(), name)
	if err != nil || sh.Source != src || !sh.Webhook.Enabled {
		return webhook.ShopHooks{}, false
	}
	topics := map[string]bool{}
	for _, t := range sh.Webhook.Topics {
		topics[t] = true
	}
	return webhook.ShopHooks{Secret: h.s.webhookSecret(sh), Secrets: sh.Webhook.Secrets, Topics: topics}, true
}

// hookInbox is the durable inbox: a delivery is committed to SQLite before
// the handler answers 2xx.
type hookInbox struct{ s *Service }

func (h hookInbox) Accept(ctx context.Context, d webhook.Delivery) error {
	headers := map[string]string{}
	for k, v := range d.Headers {
		headers[k] = strings.Join(v, ", ")
	}
	_, err := h.s.store.AddDelivery(ctx, store.Delivery{Source: string(d.Source), Shop: d.Shop, Topic: d.Topic,
		WebhookID: d.WebhookID, DeliveryID: d.DeliveryID, OrderID: d.OrderID, Modified: d.Modified,
		Headers: headers, Body: d.Body, ReceivedAt: d.ReceivedAt})
	if err == nil {
		h.s.markDelivery()
	}
	return err
}

func (h hookInbox) Reject(ctx context.Context, r webhook.Rejection) error {
	err := h.s.store.AddRejection(ctx, store.Rejection{Source: string(r.Source), Shop: r.Shop, Status: r.Status,
		Reason: string(r.Code) + ": " + r.Reason, Remote: r.RemoteAddr, BodyPrefix: r.BodyPrefix, ReceivedAt: r.ReceivedAt})
	_ = h.s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: r.Shop, Code: "webhook_rejected",
		Args: map[string]string{"status": fmt.Sprint(r.Status), "code": string(r.Code)}, Detail: r.Reason})
	h.s.notify()
	return err
}

// WebhookHandler is the HTTP handler of the webhook server.
func (s *Service) WebhookHandler() http.Handler {
	return webhook.New(webhook.Config{Shops: hookShops{s}, Inbox: hookInbox{s}, Notify: s.wake, Logger: s.log,
		Now: s.clock.Now,
		OnPing: func(src order.Source, shop, id string) {
			_ = s.store.AddEvent(context.Background(), store.Event{Shop: shop, Code: "webhook_ping",
				Args: map[string]string{"id": id}})
		}})
}

func (s *Service) markDelivery() {
	s.mu.Lock()
	s.tunnel.LastDelivery = s.clock.Now()
	s.mu.Unlock()
}

// StartWebhooks starts the local webhook server on listen (default: the
// address kept in the settings, first chosen at random on 127.0.0.1 and then
// kept, so a manual set-up keeps working), and the tunnel when one is set up.
// It returns once the server listens.
func (s *Service) StartWebhooks(ctx context.Context, listen string) error {
	ts, err := s.tunnelSettings(ctx)
	if err != nil {
		return err
	}
	if listen == "" {
		listen = ts.Listen
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.stopHooks, s.tunnelCtx = cancel, ctx
	s.mu.Unlock()
	ln, err := net.Listen("tcp", listen)
	if err != nil && listen == ts.Listen {
		// The kept port is taken (another program): take a new one.
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		cancel()
		return &Error{Code: CodeInvalid, Field: "listen", Err: err}
	}
	addr := ln.Addr().String()
	if ts.Listen == "" || (listen == ts.Listen && addr != ts.Listen) {
		ts.Listen = addr
		if err := s.store.SetSetting(ctx, keyTunnel, ts); err != nil {
			ln.Close()
			return err
		}
	}
	srv := webhook.NewServer(s.httpHandler())
	s.mu.Lock()
	s.tunnel.Local = addr
	s.mu.Unlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		if err := webhook.Serve(ctx, srv, ln); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("webhook server", "err", err)
		}
	}()
	return s.startTunnel(ctx, ts)
}

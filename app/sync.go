package app

import (
	"context"
	"errors"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// SyncResult tells what a sync did.
type SyncResult struct {
	Polls  []engine.PollResult `json:"polls"`
	Booked engine.BookResult   `json:"booked"`
	// Attention is what waits on a person afterwards (seller details, a
	// ledger, failed bookings, a rate, a change after booking): `sync` exits
	// 3 while a booking waits (Attention.BookingWaits).
	Attention []Attention `json:"attention"`
}

// Sync polls one shop (all shops for "") now, then books what is due. A shop
// that fails does not stop the others; their errors are joined.
func (s *Service) Sync(ctx context.Context, shop string, progress engine.Progress) (SyncResult, error) {
	var res SyncResult
	var shops []store.Shop
	if shop != "" {
		sh, err := s.shop(ctx, shop)
		if err != nil {
			return res, err
		}
		shops = []store.Shop{sh}
	} else {
		all, err := s.store.Shops(ctx)
		if err != nil {
			return res, err
		}
		shops = all
	}
	var errs []error
	for _, sh := range shops {
		pr, err := s.engine.Poll(ctx, sh, progress)
		res.Polls = append(res.Polls, pr)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := s.engine.ProcessInbox(ctx); err != nil {
		errs = append(errs, err)
	}
	// A till's day whose cut-off passed is closed here too: `orderbrug
	// sync` from cron books the day summaries without the window.
	if _, err := s.engine.CloseDays(ctx); err != nil {
		errs = append(errs, err)
	}
	br, err := s.engine.BookDue(ctx)
	res.Booked = br
	if err != nil {
		errs = append(errs, err)
	}
	var shopID int64
	if len(shops) == 1 && shop != "" {
		shopID = shops[0].ID
	}
	if res.Attention, err = s.attention(ctx, shopID); err != nil {
		errs = append(errs, err)
	}
	s.notify()
	return res, errors.Join(errs...)
}

// Recheck fetches every parked order within each shop's lookback window
// again (what the nightly batch does), then books what is due.
func (s *Service) Recheck(ctx context.Context) ([]engine.RecheckResult, engine.BookResult, error) {
	shops, err := s.store.Shops(ctx)
	if err != nil {
		return nil, engine.BookResult{}, err
	}
	var out []engine.RecheckResult
	var errs []error
	if err := s.engine.Rechecked(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, sh := range shops {
		r, err := s.engine.Recheck(ctx, sh)
		out = append(out, r)
		if err != nil {
			errs = append(errs, err)
		}
	}
	br, err := s.engine.BookDue(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	s.notify()
	return out, br, errors.Join(errs...)
}

// Pause stops polling and booking until Resume (webhooks are still stored).
func (s *Service) Pause() {
	if r := s.running(); r != nil {
		r.Pause()
	}
	s.notify()
}

// Resume undoes Pause, with a catch-up poll.
func (s *Service) Resume() {
	if r := s.running(); r != nil {
		r.Resume()
	}
	s.notify()
}

// Paused reports whether the service is paused.
func (s *Service) Paused() bool {
	r := s.running()
	return r != nil && r.Paused()
}

// ShopOverview is one shop's line on the Overzicht tab.
type ShopOverview struct {
	ShopInfo
	BookedToday int `json:"booked_today"`
	Parked      int `json:"parked"`
	Queued      int `json:"queued"`
	Failed      int `json:"failed"`
	// Unbookable counts the orders that can never be booked ("Niet te
	// boeken"): shown, never a reason for attention.
	Unbookable int `json:"unbookable"`
	// Waiting counts the orders that wait on a person (see Attention).
	Waiting int `json:"waiting"`
}

// Overview is what the Overzicht tab and the tray show.
type Overview struct {
	Shops  []ShopOverview `json:"shops"`
	Recent []Event        `json:"recent"`
	Paused bool           `json:"paused"`
	// Health is "ok", "attention" (parked orders, or orders that wait on a
	// person: seller details, a ledger, a rate, a change after booking) or
	// "error" (failed orders or a shop that cannot be reached).
	Health string `json:"health"`
	// Attention says what waits on a person, and why.
	Attention []Attention `json:"attention"`
	// Ledger is where bookings go, with the bookings waiting for an
	// online ledger's rate limit.
	Ledger LedgerStatus `json:"ledger"`
	Tunnel TunnelStatus `json:"tunnel"`
}

// Overview gathers the dashboard.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	var ov Overview
	shops, err := s.Shops(ctx)
	if err != nil {
		return ov, err
	}
	y, m, d := s.clock.Now().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	ov.Health = "ok"
	for _, si := range shops {
		sh, err := s.store.ShopByName(ctx, si.Name)
		if err != nil {
			return ov, err
		}
		c, err := s.store.Count(ctx, sh.ID, today)
		if err != nil {
			return ov, err
		}
		so := ShopOverview{ShopInfo: si, BookedToday: c.BookedSince, Parked: c.ByState[store.Parked],
			Queued: c.ByState[store.Queued], Failed: c.ByState[store.Failed], Unbookable: c.ByState[store.Unbookable]}
		att, err := s.attention(ctx, sh.ID)
		if err != nil {
			return ov, err
		}
		for _, a := range att {
			so.Waiting += a.Count
		}
		ov.Attention = append(ov.Attention, att...)
		expected, err := s.expectedParked(ctx, sh)
		if err != nil {
			return ov, err
		}
		if so.Failed > 0 || si.LastError != "" {
			ov.Health = "error"
		} else if (so.Parked > expected || so.Waiting > 0) && ov.Health == "ok" {
			// A till's day summary that is still collecting, and its
			// checks of tables still eating, are parked as they should
			// be: they ask nothing of anyone.
			ov.Health = "attention"
		}
		ov.Shops = append(ov.Shops, so)
	}
	recent, err := s.store.Events(ctx, store.EventFilter{Limit: 20})
	if err != nil {
		return ov, err
	}
	ov.Recent = s.eventKinds(ctx, eventViews(recent))
	if ov.Ledger, err = s.LedgerStatus(ctx); err != nil {
		return ov, err
	}
	ov.Paused = s.Paused()
	ov.Tunnel = s.TunnelStatus()
	return ov, nil
}

// expectedParked counts a shop's orders that are parked as they should
// be, asking nothing of anyone: a till's day summaries while their day
// collects checks, and, for a kind with final statuses, its orders parked
// in a status that is not final yet (a table's check not yet paid: the
// till closes it).
func (s *Service) expectedParked(ctx context.Context, sh store.Shop) (int, error) {
	n, err := s.collectingDays(ctx, sh.ID)
	if err != nil {
		return 0, err
	}
	k, ok := s.kinds.Lookup(sh.Source)
	if !ok || len(k.Final) == 0 {
		return n, nil
	}
	recs, err := s.store.Records(ctx, store.Filter{ShopID: sh.ID, States: []store.State{store.Parked}, Reason: engine.ReasonNotForwarded})
	if err != nil {
		return 0, err
	}
	for _, r := range recs {
		if !source.In(r.Status, k.Final) {
			n++
		}
	}
	return n, nil
}

// collectingDays counts a shop's day summaries parked while their day
// collects checks (ReasonDayCollecting).
func (s *Service) collectingDays(ctx context.Context, shopID int64) (int, error) {
	rcs, err := s.store.OwnerWaits(ctx, shopID, map[store.State][]string{store.Parked: {ReasonDayCollecting}})
	n := 0
	for _, rc := range rcs {
		if rc.State == store.Parked && rc.Reason == ReasonDayCollecting {
			n += rc.Count
		}
	}
	return n, err
}

// Events lists the event log, newest first.
func (s *Service) Events(ctx context.Context, q EventQuery) ([]Event, error) {
	evs, err := s.store.Events(ctx, q.filter())
	return s.eventKinds(ctx, eventViews(evs)), err
}

// eventKinds fills in the kind of each event's shop.
func (s *Service) eventKinds(ctx context.Context, evs []Event) []Event {
	if len(evs) == 0 {
		return evs
	}
	shops, err := s.store.Shops(ctx)
	if err != nil {
		return evs
	}
	kind := make(map[string]order.Source, len(shops))
	for _, sh := range shops {
		kind[sh.Name] = sh.Source
	}
	for i := range evs {
		evs[i].Source = kind[evs[i].Shop]
	}
	return evs
}

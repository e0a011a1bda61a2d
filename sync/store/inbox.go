package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Delivery is a verified webhook delivery, kept until processed and after,
// as Orderbrug's own inspector with replay.
type Delivery struct {
	ID          int64             `json:"id"`
	Source      string            `json:"source"`
	Shop        string            `json:"shop"`
	Topic       string            `json:"topic"`
	WebhookID   string            `json:"webhook_id,omitempty"`
	DeliveryID  string            `json:"delivery_id,omitempty"`
	OrderID     string            `json:"order_id,omitempty"`
	Modified    time.Time         `json:"modified,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Body        []byte            `json:"-"`
	ReceivedAt  time.Time         `json:"received_at"`
	ProcessedAt time.Time         `json:"processed_at,omitempty"`
	Result      string            `json:"result,omitempty"`
}

// Rejection is a webhook request that was refused, kept for a person to see.
type Rejection struct {
	ID         int64     `json:"id"`
	Source     string    `json:"source"`
	Shop       string    `json:"shop"`
	Status     int       `json:"status"`
	Reason     string    `json:"reason"`
	Remote     string    `json:"remote,omitempty"`
	BodyPrefix []byte    `json:"-"`
	ReceivedAt time.Time `json:"received_at"`
}

// AddDelivery stores a delivery durably; when it returns nil the delivery
// survives a crash (synchronous=FULL) and may be answered 2xx.
func (s *Store) AddDelivery(ctx context.Context, d Delivery) (int64, error) {
	h, err := json.Marshal(d.Headers)
	if err != nil {
		return 0, err
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = s.Now()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO inbox(source, shop, topic, webhook_id, delivery_id, order_id, modified,
		headers, body, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		d.Source, d.Shop, d.Topic, d.WebhookID, d.DeliveryID, d.OrderID, ms(d.Modified), string(h), d.Body, ms(d.ReceivedAt))
	if err != nil {
		return 0, fmt.Errorf("inbox: %w", err)
	}
	return res.LastInsertId()
}

// AddDeliveries stores several deliveries in one transaction: one commit,
// so one fsync, for all of them. When it returns nil every one survives a
// crash; on an error none is stored. It returns their ids in order.
func (s *Store) AddDeliveries(ctx context.Context, ds []Delivery) ([]int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO inbox(source, shop, topic, webhook_id, delivery_id, order_id, modified,
		headers, body, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer stmt.Close()
	ids := make([]int64, len(ds))
	for i, d := range ds {
		h, err := json.Marshal(d.Headers)
		if err != nil {
			return nil, err
		}
		if d.ReceivedAt.IsZero() {
			d.ReceivedAt = s.Now()
		}
		res, err := stmt.ExecContext(ctx, d.Source, d.Shop, d.Topic, d.WebhookID, d.DeliveryID, d.OrderID, ms(d.Modified),
			string(h), d.Body, ms(d.ReceivedAt))
		if err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return ids, nil
}

// PendingDeliveries lists unprocessed deliveries, oldest first.
func (s *Store) PendingDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	return s.deliveries(ctx, `WHERE processed_at = 0 ORDER BY id LIMIT ?`, limit)
}

// Deliveries lists the newest deliveries.
func (s *Store) Deliveries(ctx context.Context, limit int) ([]Delivery, error) {
	return s.deliveries(ctx, `ORDER BY id DESC LIMIT ?`, limit)
}

// Delivery returns one delivery, for replay.
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	ds, err := s.deliveries(ctx, `WHERE id = ? LIMIT 1`, id)
	if err != nil {
		return Delivery{}, err
	}
	if len(ds) == 0 {
		return Delivery{}, fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	return ds[0], nil
}

func (s *Store) deliveries(ctx context.Context, tail string, args ...any) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, source, shop, topic, webhook_id, delivery_id, order_id, modified,
		headers, body, received_at, processed_at, result FROM inbox `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var mod, recv, proc int64
		var h string
		if err := rows.Scan(&d.ID, &d.Source, &d.Shop, &d.Topic, &d.WebhookID, &d.DeliveryID, &d.OrderID, &mod, &h,
			&d.Body, &recv, &proc, &d.Result); err != nil {
			return nil, err
		}
		d.Modified, d.ReceivedAt, d.ProcessedAt = fromMS(mod), fromMS(recv), fromMS(proc)
		if err := json.Unmarshal([]byte(h), &d.Headers); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliveryProcessed marks a delivery processed with its result.
func (s *Store) DeliveryProcessed(ctx context.Context, id int64, result string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE inbox SET processed_at=?, result=? WHERE id=?`, s.now(), result, id)
	return err
}

// AddRejection records a refused webhook request.
func (s *Store) AddRejection(ctx context.Context, r Rejection) error {
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = s.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO rejections(source, shop, status, reason, remote, body_prefix, received_at)
		VALUES (?,?,?,?,?,?,?)`, r.Source, r.Shop, r.Status, r.Reason, r.Remote, r.BodyPrefix, ms(r.ReceivedAt))
	return err
}

// Rejections lists the newest refused requests.
func (s *Store) Rejections(ctx context.Context, limit int) ([]Rejection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, source, shop, status, reason, remote, body_prefix, received_at
		FROM rejections ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() {
		var r Rejection
		var at int64
		if err := rows.Scan(&r.ID, &r.Source, &r.Shop, &r.Status, &r.Reason, &r.Remote, &r.BodyPrefix, &at); err != nil {
			return nil, err
		}
		r.ReceivedAt = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountRejections counts a shop's refused requests received at or after
// since.
func (s *Store) CountRejections(ctx context.Context, shop string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM rejections WHERE shop = ? AND received_at >= ?`,
		shop, ms(since)).Scan(&n)
	return n, err
}

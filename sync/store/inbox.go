package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Delivery is a verified webhook delivery, kept until processed and after,
// as Orderbrug's own inspector with replay.
type Delivery struct {
	ID         int64             `json:"id"`
	Source     string            `json:"source"`
	Shop       string            `json:"shop"`
	Topic      string            `json:"topic"`
	WebhookID  string            `json:"webhook_id,omitempty"`
	DeliveryID string            `json:"delivery_id,omitempty"`
	OrderID    string            `json:"order_id,omitempty"`
	Modified   time.Time         `json:"modified,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       []byte            `json:"-"`
	// BodyBytes is the size of the body kept; 0 once it was let go (a
	// repeat that changed nothing keeps no body, see DeliveryProcessed).
	BodyBytes int `json:"body_bytes"`
	// Status is the answer the sender got: 200, or 400 for an
	// authenticated delivery whose body could not be read.
	Status int `json:"status"`
	// Repeats counts later deliveries of exactly the same body, answered
	// 200 and not stored again; LastReceivedAt is when the last came.
	Repeats        int       `json:"repeats"`
	ReceivedAt     time.Time `json:"received_at"`
	LastReceivedAt time.Time `json:"last_received_at,omitempty"`
	ProcessedAt    time.Time `json:"processed_at,omitempty"`
	Result         string    `json:"result,omitempty"`
	// Dedupe is the key that makes a repeat one row (see DedupeKey); empty:
	// never deduplicated.
	Dedupe string `json:"-"`
}

// DedupeKey is the key under which deliveries of exactly these bytes are
// one row: the SHA-256 of the body, hex.
func DedupeKey(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// ErrBodyNotKept: the delivery's body was let go (it repeated what was
// stored), so it cannot be replayed.
var ErrBodyNotKept = errors.New("the body of this delivery was not kept: it repeated an order as stored")

const insertDelivery = `INSERT INTO inbox(source, shop, topic, webhook_id, delivery_id, order_id, modified,
		headers, body, received_at, status, dedupe) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
	ON CONFLICT(source, shop, dedupe) WHERE dedupe != '' DO UPDATE SET repeats = repeats + 1,
		last_received_at = excluded.received_at
	RETURNING id`

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) insertDelivery(ctx context.Context, q rowQueryer, d Delivery) (int64, error) {
	h, err := json.Marshal(d.Headers)
	if err != nil {
		return 0, err
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = s.Now()
	}
	if d.Status == 0 {
		d.Status = 200
	}
	var id int64
	err = q.QueryRowContext(ctx, insertDelivery, d.Source, d.Shop, d.Topic, d.WebhookID, d.DeliveryID, d.OrderID,
		ms(d.Modified), string(h), d.Body, ms(d.ReceivedAt), d.Status, d.Dedupe).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inbox: %w", err)
	}
	return id, nil
}

// AddDelivery stores a delivery durably; when it returns nil the delivery
// survives a crash (synchronous=FULL) and may be answered 2xx. A delivery
// whose Dedupe key is stored already only counts as a repeat of that row,
// whose id it returns.
func (s *Store) AddDelivery(ctx context.Context, d Delivery) (int64, error) {
	return s.insertDelivery(ctx, s.db, d)
}

// AddDeliveries stores several deliveries in one transaction: one commit,
// so one fsync, for all of them. When it returns nil every one survives a
// crash; on an error none is stored. It returns their ids in order (a
// repeat: the id of the row it repeats).
func (s *Store) AddDeliveries(ctx context.Context, ds []Delivery) ([]int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer tx.Rollback()
	ids := make([]int64, len(ds))
	for i, d := range ds {
		if ids[i], err = s.insertDelivery(ctx, tx, d); err != nil {
			return nil, err
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
		headers, body, received_at, processed_at, result, status, repeats, last_received_at, dedupe FROM inbox `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var mod, recv, proc, last int64
		var h string
		if err := rows.Scan(&d.ID, &d.Source, &d.Shop, &d.Topic, &d.WebhookID, &d.DeliveryID, &d.OrderID, &mod, &h,
			&d.Body, &recv, &proc, &d.Result, &d.Status, &d.Repeats, &last, &d.Dedupe); err != nil {
			return nil, err
		}
		d.Modified, d.ReceivedAt, d.ProcessedAt, d.LastReceivedAt = fromMS(mod), fromMS(recv), fromMS(proc), fromMS(last)
		d.BodyBytes = len(d.Body)
		if err := json.Unmarshal([]byte(h), &d.Headers); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliveryProcessed marks a delivery processed with its result. A delivery
// that changed nothing (result "repeat": the order as stored; "stale": an
// older state than stored) lets go of its body: the order's snapshot holds
// those bytes already, or newer ones, and 40,000 repeats of one order must
// not keep 40,000 bodies. The row stays, with its result, as the trace.
func (s *Store) DeliveryProcessed(ctx context.Context, id int64, result string) error {
	q := `UPDATE inbox SET processed_at=?, result=? WHERE id=?`
	if result == Repeat.String() || result == Stale.String() {
		q = `UPDATE inbox SET processed_at=?, result=?, body=x'' WHERE id=?`
	}
	_, err := s.db.ExecContext(ctx, q, s.now(), result, id)
	return err
}

// ReplayDelivery makes a processed delivery pending again, so the engine
// processes it from its raw bytes as if it had just arrived. It fails with
// ErrNotFound, or ErrBodyNotKept for a delivery that kept no body.
func (s *Store) ReplayDelivery(ctx context.Context, id int64) error {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT length(body) FROM inbox WHERE id = ?`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("delivery %d: %w", id, ErrBodyNotKept)
	}
	_, err = s.db.ExecContext(ctx, `UPDATE inbox SET processed_at=0, result='' WHERE id=? AND length(body) > 0`, id)
	return err
}

// Rejection is a count of refused requests to one known shop's webhook
// route, per reason (Code) and hour. Requests for unknown shops are never
// stored.
type Rejection struct {
	Source string `json:"source"`
	Shop   string `json:"shop"`
	// Code is the kind of rejection ("signature", "too_large", ...).
	Code   string `json:"code"`
	Status int    `json:"status"`
	// Hour is the start of the hour counted (UTC).
	Hour  time.Time `json:"hour"`
	Count int       `json:"count"`
	// FirstAt and ReceivedAt are the first and the last request counted.
	FirstAt    time.Time `json:"first_at"`
	ReceivedAt time.Time `json:"received_at"`
	// Reason, Remote and BodyPrefix are those of the last request counted.
	Reason     string `json:"reason"`
	Remote     string `json:"remote,omitempty"`
	BodyPrefix []byte `json:"-"`
}

// AddRejection counts one refused request (Count 0 counts as 1).
func (s *Store) AddRejection(ctx context.Context, r Rejection) error {
	_, err := s.AddRejections(ctx, []Rejection{r})
	return err
}

// AddRejections adds counts of refused requests, in one transaction. Each
// r is Count requests of r.Code for r.Shop in the hour of r.ReceivedAt
// (FirstAt: the first of them, ReceivedAt the last). It reports, per r,
// whether it began that shop's count of that code for that hour: the
// caller logs an event only then, so a flood is a line per hour.
func (s *Store) AddRejections(ctx context.Context, rs []Rejection) ([]bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	defer tx.Rollback()
	first := make([]bool, len(rs))
	for i, r := range rs {
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = s.Now()
		}
		if r.FirstAt.IsZero() || r.FirstAt.After(r.ReceivedAt) {
			r.FirstAt = r.ReceivedAt
		}
		if r.Count <= 0 {
			r.Count = 1
		}
		hour := r.FirstAt.UTC().Truncate(time.Hour)
		var total int
		err := tx.QueryRowContext(ctx, `INSERT INTO rejection_counts(source, shop, code, hour, status, count, first_at, last_at,
			reason, remote, body_prefix) VALUES (?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT(source, shop, code, hour) DO UPDATE SET count = count + excluded.count, status = excluded.status,
				last_at = max(last_at, excluded.last_at), reason = excluded.reason, remote = excluded.remote,
				body_prefix = excluded.body_prefix
			RETURNING count`, r.Source, r.Shop, r.Code, ms(hour), r.Status, r.Count, ms(r.FirstAt), ms(r.ReceivedAt),
			r.Reason, r.Remote, r.BodyPrefix).Scan(&total)
		if err != nil {
			return nil, fmt.Errorf("rejections: %w", err)
		}
		first[i] = total == r.Count
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	return first, nil
}

// Rejections lists the counts of refused requests, newest hour first.
func (s *Store) Rejections(ctx context.Context, limit int) ([]Rejection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, shop, code, hour, status, count, first_at, last_at, reason, remote,
		body_prefix FROM rejection_counts ORDER BY hour DESC, last_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() {
		var r Rejection
		var hour, first, last int64
		if err := rows.Scan(&r.Source, &r.Shop, &r.Code, &hour, &r.Status, &r.Count, &first, &last, &r.Reason, &r.Remote,
			&r.BodyPrefix); err != nil {
			return nil, err
		}
		r.Hour, r.FirstAt, r.ReceivedAt = fromMS(hour), fromMS(first), fromMS(last)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountRejections counts a shop's refused requests in the hours from the
// one holding since.
func (s *Store) CountRejections(ctx context.Context, shop string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(count), 0) FROM rejection_counts WHERE shop = ? AND hour >= ?`,
		shop, ms(since.UTC().Truncate(time.Hour))).Scan(&n)
	return n, err
}

// InboxWriter writes webhook deliveries on a connection of its own that
// never sleeps in SQLite's busy handler. That handler, when another
// connection (the engine applying and booking) holds the write lock, sleeps
// 1, 2, 5, 10, 15, 20, 25 … ms between tries: a sender waiting for its 2xx
// would wait that long after the lock is free. The writer instead tries
// again every retryBusy, so it takes the lock within a fraction of a
// millisecond of its release. Its commits run SQLite's WAL checkpoint when
// the WAL passes writerCheckpointPages, as every connection does, so the
// WAL stays bounded even when nothing else writes (a repeat flood). Use it
// from one goroutine.
type InboxWriter struct {
	s    *Store
	conn *sql.Conn
}

// writerCheckpointPages is the writer's wal_autocheckpoint: SQLite's
// default, 1,000 pages (4 MiB of WAL). Measured at 1,000 repeats/s it kept
// the WAL at 4 MB with p99 2.0 ms; 4,000 pages gave 16 MB and the same p99;
// with none on the writer (a passive checkpoint beside it, in another
// goroutine) the WAL never restarted and grew with every commit.
const writerCheckpointPages = 1000

// retryBusy is how long the InboxWriter waits before it tries the write
// lock again.
const retryBusy = 100 * time.Microsecond

// NewInboxWriter takes a connection from the pool for the writer.
func (s *Store) NewInboxWriter(ctx context.Context) (*InboxWriter, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox writer: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("inbox writer: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, writerCheckpointPages)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("inbox writer: %w", err)
	}
	return &InboxWriter{s: s, conn: conn}, nil
}

// Close gives the connection back to the pool as the others are.
func (w *InboxWriter) Close() error {
	ctx := context.Background()
	_, _ = w.conn.ExecContext(ctx, `PRAGMA busy_timeout = 10000`)
	_, _ = w.conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 1000`)
	return w.conn.Close()
}

// AddDeliveries is Store.AddDeliveries on the writer's connection: one
// transaction, durable when it returns nil. While another connection holds
// the write lock it tries again every retryBusy until ctx ends.
//
// A batch made only of repeats of rows already stored (the same bytes
// again) is counted in a commit without an fsync (synchronous NORMAL on
// this connection for that commit; WAL stays consistent, and the next full
// commit makes it durable too): the bytes each repeat stands for are
// durable already, so its 2xx needs no fsync, and a repeat flood costs
// the disk nothing. Only the repeat counts could be lost in a power cut.
func (w *InboxWriter) AddDeliveries(ctx context.Context, ds []Delivery) ([]int64, error) {
	for {
		ids, done, err := w.repeats(ctx, ds)
		if done || (err != nil && !isBusy(err)) {
			return ids, err
		}
		if err == nil {
			ids, err = w.add(ctx, ds)
		}
		if err == nil || !isBusy(err) {
			return ids, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("inbox: %w (%v)", ctx.Err(), err)
		case <-time.After(retryBusy):
		}
	}
}

// repeats counts ds in one commit without an fsync when every one of them
// repeats a stored row; done is false (and nothing written) otherwise.
func (w *InboxWriter) repeats(ctx context.Context, ds []Delivery) (ids []int64, done bool, err error) {
	ids = make([]int64, len(ds))
	for i, d := range ds {
		if d.Dedupe == "" {
			return nil, false, nil
		}
		err := w.conn.QueryRowContext(ctx, `SELECT id FROM inbox WHERE source = ? AND shop = ? AND dedupe = ? AND dedupe != ''`,
			d.Source, d.Shop, d.Dedupe).Scan(&ids[i])
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("inbox: %w", err)
		}
	}
	if _, err := w.conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return nil, false, fmt.Errorf("inbox: %w", err)
	}
	defer w.conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`)
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("inbox: %w", err)
	}
	defer tx.Rollback()
	for i, d := range ds {
		if d.ReceivedAt.IsZero() {
			d.ReceivedAt = w.s.Now()
		}
		res, err := tx.ExecContext(ctx, `UPDATE inbox SET repeats = repeats + 1, last_received_at = max(last_received_at, ?)
			WHERE id = ? AND dedupe = ?`, ms(d.ReceivedAt), ids[i], d.Dedupe)
		if err != nil {
			return nil, false, fmt.Errorf("inbox: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return nil, false, nil // gone meanwhile (retention): store it in full
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("inbox: %w", err)
	}
	return ids, true, nil
}

func (w *InboxWriter) add(ctx context.Context, ds []Delivery) ([]int64, error) {
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer tx.Rollback()
	ids := make([]int64, len(ds))
	for i, d := range ds {
		if ids[i], err = w.s.insertDelivery(ctx, tx, d); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return ids, nil
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (another connection
// holds the lock), in any of its extended forms.
func isBusy(err error) bool {
	var c interface{ Code() int }
	if errors.As(err, &c) {
		return c.Code()&0xff == 5 // SQLITE_BUSY
	}
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

// MarshalJSON writes a time that never happened (a delivery not yet
// processed, an order.deleted without a modified time, no repeat) as null.
func (d Delivery) MarshalJSON() ([]byte, error) {
	type plain Delivery
	return json.Marshal(struct {
		plain
		Modified       *time.Time `json:"modified"`
		LastReceivedAt *time.Time `json:"last_received_at"`
		ProcessedAt    *time.Time `json:"processed_at"`
	}{plain(d), orNull(d.Modified), orNull(d.LastReceivedAt), orNull(d.ProcessedAt)})
}

func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

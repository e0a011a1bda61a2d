package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Level grades an event.
type Level string

// Event levels.
const (
	Info  Level = "info"
	Warn  Level = "warn"
	Error Level = "error"
)

// Event is one line of the log a person reads. Code is a machine code the UI
// turns into a sentence with Args; Detail is technical (English, no secrets).
type Event struct {
	ID      int64             `json:"id"`
	At      time.Time         `json:"at"`
	Level   Level             `json:"level"`
	Shop    string            `json:"shop,omitempty"`
	OrderNo string            `json:"order,omitempty"`
	Code    string            `json:"code"`
	Args    map[string]string `json:"args,omitempty"`
	Detail  string            `json:"detail,omitempty"`
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func addEventTx(ctx context.Context, ex execer, now int64, e Event) error {
	if e.Code == "" {
		return nil
	}
	if e.Level == "" {
		e.Level = Info
	}
	if !e.At.IsZero() {
		now = e.At.UnixMilli()
	}
	args := "{}"
	if len(e.Args) > 0 {
		b, err := json.Marshal(e.Args)
		if err != nil {
			return err
		}
		args = string(b)
	}
	_, err := ex.ExecContext(ctx, insertEvent, now, e.Level, e.Shop, e.OrderNo, e.Code, args, e.Detail)
	return err
}

// AddEvent writes an event to the log.
func (s *Store) AddEvent(ctx context.Context, e Event) error {
	if err := addEventTx(ctx, s.db, s.now(), e); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	return nil
}

// EventFilter selects events.
type EventFilter struct {
	Shop   string
	Levels []Level
	Order  string
	Limit  int
	// BeforeID pages back: only events with a smaller id.
	BeforeID int64
}

// Events lists events, newest first.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	q := `SELECT id, at, level, shop, order_no, code, args, detail FROM events WHERE 1=1`
	var args []any
	if f.Shop != "" {
		q, args = q+` AND shop = ?`, append(args, f.Shop)
	}
	if f.Order != "" {
		q, args = q+` AND order_no = ?`, append(args, f.Order)
	}
	if f.BeforeID > 0 {
		q, args = q+` AND id < ?`, append(args, f.BeforeID)
	}
	if len(f.Levels) > 0 {
		q += ` AND level IN (`
		for i, l := range f.Levels {
			if i > 0 {
				q += ","
			}
			q += "?"
			args = append(args, l)
		}
		q += `)`
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var rawArgs string
		if err := rows.Scan(&e.ID, &at, &e.Level, &e.Shop, &e.OrderNo, &e.Code, &rawArgs, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		if rawArgs != "{}" {
			if err := json.Unmarshal([]byte(rawArgs), &e.Args); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

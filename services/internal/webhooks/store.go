// Package webhooks sends signed HTTP callbacks to the endpoints an
// organisation registers, when its analyses end.
//
// Every notification replica follows the event feed (Follow). A terminal
// event (analysis.completed, analysis.failed, analysis.cancelled) becomes
// one delivery row per endpoint subscribed to it, unique per endpoint and
// event so that the replicas enqueue it once between them. Dispatcher
// claims due deliveries with SKIP LOCKED under a lease, POSTs the signed
// payload, records every attempt (status code, error, duration) and
// schedules the next with exponential backoff and jitter until one succeeds
// or MaxAttempts have failed. A per-organisation cursor of the newest event
// examined lets a replica that lost its subscription, or all replicas after
// an outage, catch up from the event history (within its retention).
//
// The tables are this package's own (webhook_*), migrated by Migrate apart
// from the store's schema.
package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/solsec/platform/services/internal/events"
)

// ErrNotFound reports an endpoint or delivery that does not exist or
// belongs to another organisation.
var ErrNotFound = errors.New("webhooks: not found")

// ErrInvalid reports a registration the store refuses.
var ErrInvalid = errors.New("webhooks: invalid endpoint")

// EventTypes are the types an endpoint may subscribe to: the end of an
// analysis. Progress belongs on the WebSocket, not in a server's inbox.
var EventTypes = []events.Type{events.AnalysisCompleted, events.AnalysisFailed, events.AnalysisCancelled}

// MaxEndpointsPerOrg bounds an organisation's endpoints: each is a fan-out
// of every completion, and a handful covers CI, chat and a ticket system.
const MaxEndpointsPerOrg = 20

// Delivery states.
const (
	StatePending   = "pending"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
)

// Endpoint is a URL an organisation receives webhooks at.
type Endpoint struct {
	ID          string        `json:"id"`
	OrgID       string        `json:"orgId"`
	URL         string        `json:"url"`
	EventTypes  []events.Type `json:"eventTypes"`
	Description string        `json:"description,omitempty"`
	CreatedAt   time.Time     `json:"createdAt"`
}

// NewEndpoint is what CreateEndpoint needs; empty EventTypes means all of
// EventTypes.
type NewEndpoint struct {
	URL         string        `json:"url"`
	EventTypes  []events.Type `json:"eventTypes"`
	Description string        `json:"description"`
}

// Delivery is one event sent (or being sent) to one endpoint.
type Delivery struct {
	ID            string      `json:"id"`
	EndpointID    string      `json:"endpointId"`
	OrgID         string      `json:"orgId"`
	EventID       string      `json:"eventId"`
	EventType     events.Type `json:"eventType"`
	AnalysisID    string      `json:"analysisId"`
	State         string      `json:"state"`
	Attempts      int         `json:"attempts"`
	NextAttemptAt *time.Time  `json:"nextAttemptAt,omitempty"`
	LastStatus    int         `json:"lastStatus,omitempty"`
	LastError     string      `json:"lastError,omitempty"`
	CreatedAt     time.Time   `json:"createdAt"`
	UpdatedAt     time.Time   `json:"updatedAt"`
	// AttemptLog is every attempt, oldest first.
	AttemptLog []Attempt `json:"attemptLog"`
}

// Attempt is one POST of a delivery.
type Attempt struct {
	Attempt   int           `json:"attempt"`
	StartedAt time.Time     `json:"startedAt"`
	Duration  time.Duration `json:"durationNs"`
	// StatusCode is 0 when no response came back.
	StatusCode int    `json:"statusCode,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Payload is the JSON body of every delivery.
type Payload struct {
	// ID is the event's id: the same for every endpoint and every attempt,
	// so a receiver can discard duplicates.
	ID    string       `json:"id"`
	Type  events.Type  `json:"type"`
	Event events.Event `json:"event"`
}

// Store keeps endpoints, deliveries and attempts in PostgreSQL.
type Store struct {
	pool  *pgxpool.Pool
	guard Guard
}

// NewStore returns a store over pool (migrated with Migrate); guard checks
// URLs at registration.
func NewStore(pool *pgxpool.Pool, guard Guard) *Store {
	return &Store{pool: pool, guard: guard}
}

// CreateEndpoint registers an endpoint and returns it with its signing
// secret, which is shown this once.
func (s *Store) CreateEndpoint(ctx context.Context, orgID string, in NewEndpoint) (Endpoint, string, error) {
	u, err := s.guard.CheckURL(ctx, in.URL)
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	types := in.EventTypes
	if len(types) == 0 {
		types = EventTypes
	}
	for _, t := range types {
		if !slices.Contains(EventTypes, t) {
			return Endpoint{}, "", fmt.Errorf("%w: event type %q: want one of %v", ErrInvalid, t, EventTypes)
		}
	}
	if len(in.Description) > 500 {
		return Endpoint{}, "", fmt.Errorf("%w: description is longer than 500 characters", ErrInvalid)
	}
	secret, err := newSecret()
	if err != nil {
		return Endpoint{}, "", err
	}
	e := Endpoint{OrgID: orgID, URL: u.String(), EventTypes: types, Description: in.Description}
	// The insert counts the organisation's endpoints in the same statement;
	// concurrent registrations may overshoot the cap by a few, which is all
	// the cap needs.
	err = s.pool.QueryRow(ctx, `
		INSERT INTO webhook_endpoints (org_id, url, secret, event_types, description)
		SELECT $1, $2, $3, $4, $5
		WHERE (SELECT count(*) FROM webhook_endpoints WHERE org_id = $1) < $6
		RETURNING id, created_at`,
		orgID, e.URL, secret, typeStrings(types), e.Description, MaxEndpointsPerOrg).Scan(&e.ID, &e.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Endpoint{}, "", fmt.Errorf("%w: the organisation already has %d endpoints, the most it may", ErrInvalid, MaxEndpointsPerOrg)
	}
	if err != nil {
		return Endpoint{}, "", notFoundOr(fmt.Errorf("webhooks: create endpoint: %w", err))
	}
	return e, secret, nil
}

// ListEndpoints returns an organisation's endpoints, oldest first.
func (s *Store) ListEndpoints(ctx context.Context, orgID string) ([]Endpoint, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, org_id, url, event_types, description, created_at
		FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, notFoundOr(fmt.Errorf("webhooks: list endpoints: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) {
		var e Endpoint
		var types []string
		err := r.Scan(&e.ID, &e.OrgID, &e.URL, &types, &e.Description, &e.CreatedAt)
		for _, t := range types {
			e.EventTypes = append(e.EventTypes, events.Type(t))
		}
		return e, err
	})
	if err != nil {
		return nil, notFoundOr(fmt.Errorf("webhooks: list endpoints: %w", err))
	}
	return out, nil
}

// DeleteEndpoint removes an endpoint with its deliveries.
func (s *Store) DeleteEndpoint(ctx context.Context, orgID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return notFoundOr(fmt.Errorf("webhooks: delete endpoint: %w", err))
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteOrganization erases everything this package holds about an
// organisation (data-service's erasure on request).
func (s *Store) DeleteOrganization(ctx context.Context, orgID string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE org_id = $1`, orgID); err != nil {
			return notFoundOr(fmt.Errorf("webhooks: erase organisation: %w", err))
		}
		_, err := tx.Exec(ctx, `DELETE FROM webhook_cursors WHERE org_id = $1`, orgID)
		return err
	})
}

const deliveryColumns = `id, endpoint_id, org_id, event_id, event_type, analysis_id, state, attempts,
	next_attempt_at, coalesce(last_status, 0), last_error, created_at, updated_at`

func scanDelivery(r pgx.Row) (Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.EndpointID, &d.OrgID, &d.EventID, &d.EventType, &d.AnalysisID, &d.State,
		&d.Attempts, &d.NextAttemptAt, &d.LastStatus, &d.LastError, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

// ListDeliveries returns an endpoint's most recent deliveries, newest
// first, each with its attempts.
func (s *Store) ListDeliveries(ctx context.Context, orgID, endpointID string, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE org_id = $1 AND endpoint_id = $2 ORDER BY created_at DESC, id LIMIT $3`, orgID, endpointID, limit)
	if err != nil {
		return nil, notFoundOr(fmt.Errorf("webhooks: list deliveries: %w", err))
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, notFoundOr(fmt.Errorf("webhooks: list deliveries: %w", err))
	}
	for i := range ds {
		if ds[i].AttemptLog, err = s.attempts(ctx, ds[i].ID); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// GetDelivery returns one delivery with its attempts.
func (s *Store) GetDelivery(ctx context.Context, orgID, id string) (Delivery, error) {
	d, err := scanDelivery(s.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE org_id = $1 AND id = $2`, orgID, id))
	if err != nil {
		return Delivery{}, notFoundOr(fmt.Errorf("webhooks: get delivery: %w", err))
	}
	if d.AttemptLog, err = s.attempts(ctx, d.ID); err != nil {
		return Delivery{}, err
	}
	return d, nil
}

func (s *Store) attempts(ctx context.Context, deliveryID string) ([]Attempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT attempt, started_at, duration_ms, coalesce(status_code, 0), error
		FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("webhooks: attempts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attempt, error) {
		var a Attempt
		var ms float64
		err := r.Scan(&a.Attempt, &a.StartedAt, &ms, &a.StatusCode, &a.Error)
		a.Duration = time.Duration(ms * float64(time.Millisecond))
		return a, err
	})
}

// Enqueue creates a delivery of a terminal event for every endpoint of its
// organisation subscribed to its type and registered before it happened,
// and advances the organisation's cursor. It is idempotent: replicas that
// see the same event, and catch-up after an outage, create nothing twice.
// It returns the number of deliveries created.
func (s *Store) Enqueue(ctx context.Context, e events.Event, now time.Time) (int, error) {
	id, err := events.ParseID(e.ID)
	if err != nil {
		return 0, fmt.Errorf("webhooks: enqueue: %w", err)
	}
	if !slices.Contains(EventTypes, e.Type) {
		return 0, s.Advance(ctx, e.OrgID, id)
	}
	body, err := json.Marshal(Payload{ID: e.ID, Type: e.Type, Event: e})
	if err != nil {
		return 0, fmt.Errorf("webhooks: enqueue: %w", err)
	}
	var n int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO webhook_deliveries (endpoint_id, org_id, event_id, event_type, analysis_id, payload, next_attempt_at)
			SELECT id, org_id, $3, $2, $4, $5, $7 FROM webhook_endpoints
			WHERE org_id = $1 AND $2 = ANY (event_types) AND created_at <= $6
			ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
			e.OrgID, string(e.Type), e.ID, e.AnalysisID, string(body), e.Time, now)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		return advance(ctx, tx, e.OrgID, id)
	})
	if err != nil {
		return 0, notFoundOr(fmt.Errorf("webhooks: enqueue %s: %w", e.ID, err))
	}
	return int(n), nil
}

// Advance moves an organisation's cursor forward to id (never back), when
// the organisation has endpoints.
func (s *Store) Advance(ctx context.Context, orgID string, id events.ID) error {
	if err := advance(ctx, s.pool, orgID, id); err != nil {
		return notFoundOr(fmt.Errorf("webhooks: advance cursor: %w", err))
	}
	return nil
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func advance(ctx context.Context, db execer, orgID string, id events.ID) error {
	_, err := db.Exec(ctx, `
		INSERT INTO webhook_cursors (org_id, last_ms, last_seq)
		SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE org_id = $1)
		ON CONFLICT (org_id) DO UPDATE SET last_ms = EXCLUDED.last_ms, last_seq = EXCLUDED.last_seq
		WHERE (webhook_cursors.last_ms, webhook_cursors.last_seq) < (EXCLUDED.last_ms, EXCLUDED.last_seq)`,
		orgID, int64(id.Ms), int64(id.Seq))
	return err
}

// cursors returns, for every organisation with endpoints, the event ID to
// catch up after: its cursor, or the registration of its first endpoint.
func (s *Store) cursors(ctx context.Context) (map[string]events.ID, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT e.org_id::text, c.last_ms, c.last_seq, min(e.created_at)
		FROM webhook_endpoints e LEFT JOIN webhook_cursors c ON c.org_id = e.org_id
		GROUP BY e.org_id, c.last_ms, c.last_seq`)
	if err != nil {
		return nil, fmt.Errorf("webhooks: cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]events.ID{}
	for rows.Next() {
		var org string
		var ms, seq *int64
		var first time.Time
		if err := rows.Scan(&org, &ms, &seq, &first); err != nil {
			return nil, fmt.Errorf("webhooks: cursors: %w", err)
		}
		if ms != nil {
			out[org] = events.ID{Ms: uint64(*ms), Seq: uint64(*seq)}
		} else {
			out[org] = events.ID{Ms: uint64(first.UnixMilli())}
		}
	}
	return out, rows.Err()
}

// notFoundOr maps "not a uuid" (an id or organisation that cannot exist)
// to ErrNotFound and keeps any other error.
func notFoundOr(err error) error {
	var pgErr *pgconn.PgError
	if errors.Is(err, pgx.ErrNoRows) || (errors.As(err, &pgErr) && pgErr.Code == "22P02") {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

func typeStrings(ts []events.Type) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/solsec/platform/services/internal/store"
)

const auditColumns = `id, org_id, actor, action, target, details, created_at`

func scanAudit(row pgx.Row) (store.AuditEntry, error) {
	var e store.AuditEntry
	var details []byte
	err := row.Scan(&e.ID, &e.OrgID, &e.Actor, &e.Action, &e.Target, &details, &e.CreatedAt)
	e.Details = details
	return e, err
}

// AppendAudit adds an entry to the organisation's audit log. Entries are
// never updated or deleted (a trigger refuses), except by erasure.
func (q *queries) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if strings.TrimSpace(e.Action) == "" {
		return store.AuditEntry{}, fmt.Errorf("append audit: %w: empty action", store.ErrInvalidInput)
	}
	if !validID(e.OrgID) {
		return store.AuditEntry{}, fmt.Errorf("append audit: %w: organisation id %q", store.ErrInvalidInput, e.OrgID)
	}
	details := "{}"
	if len(e.Details) > 0 {
		if !json.Valid(e.Details) {
			return store.AuditEntry{}, fmt.Errorf("append audit: %w: details are not JSON", store.ErrInvalidInput)
		}
		details = string(e.Details)
	}
	out, err := scanAudit(q.db.QueryRow(ctx,
		`INSERT INTO audit_log (org_id, actor, action, target, details) VALUES ($1, $2, $3, $4, $5::jsonb)
		 RETURNING `+auditColumns, e.OrgID, e.Actor, e.Action, e.Target, details))
	return out, mapErr(err, "append audit")
}

type auditCursor struct {
	ID int64 `json:"i"`
}

// ListAudit returns the organisation's audit log, newest first.
func (q *queries) ListAudit(ctx context.Context, orgID string, f store.AuditFilter) (store.Page[store.AuditEntry], error) {
	var page store.Page[store.AuditEntry]
	if !validID(orgID) {
		return page, nil
	}
	args := []any{orgID}
	where := []string{"org_id = $1"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if f.Cursor != "" {
		var c auditCursor
		if err := decodeCursor(f.Cursor, &c); err != nil {
			return page, fmt.Errorf("list audit: %w", err)
		}
		where = append(where, "id < "+arg(c.ID))
	}
	limit := pageSize(f.Limit)
	rows, err := q.db.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT `+arg(limit+1), args...)
	if err != nil {
		return page, mapErr(err, "list audit")
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEntry, error) { return scanAudit(r) })
	if err != nil {
		return page, mapErr(err, "list audit")
	}
	if len(items) > limit {
		items = items[:limit]
		page.NextCursor = encodeCursor(auditCursor{ID: items[limit-1].ID})
	}
	page.Items = items
	return page, nil
}

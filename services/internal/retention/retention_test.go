package retention_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/blob/localdir"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/retention"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
)

type world struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *postgres.Store
	blobs *localdir.Store
	svc   *retention.Service
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = postgres.Migrate(ctx, pool)
	require.NoError(t, err)
	st := postgres.New(pool)
	blobs, err := localdir.New(filepath.Join(t.TempDir(), "blobs"), localdir.Options{})
	require.NoError(t, err)
	return &world{t: t, pool: pool, store: st, blobs: blobs, svc: retention.New(st, blobs, retention.Options{})}
}

// org creates an organisation with a user and a project.
func (w *world) org(name string, days int) (store.Organization, store.User, store.Project) {
	ctx := context.Background()
	o, err := w.store.CreateOrganization(ctx, store.NewOrganization{Name: name, RetentionDays: days})
	require.NoError(w.t, err)
	u, err := w.store.CreateUser(ctx, o.ID, store.NewUser{Email: name + "@example.com", PasswordHash: "argon2id$secret-hash-" + name, Role: store.RoleAdmin})
	require.NoError(w.t, err)
	p, err := w.store.CreateProject(ctx, o.ID, name+"-project")
	require.NoError(w.t, err)
	return o, u, p
}

// analysis creates an analysis with its sources in blob storage, takes it
// to state and, when finished, back-dates its finish by age.
func (w *world) analysis(o store.Organization, p store.Project, hash string, state store.AnalysisState, age time.Duration, fs ...store.NewFinding) store.Analysis {
	ctx := context.Background()
	key := retention.OrgPrefix(o.ID) + "sources/" + hash + ".tar.gz"
	require.NoError(w.t, w.blobs.Put(ctx, key, strings.NewReader("sources of "+hash)))
	a, _, err := w.store.CreateAnalysis(ctx, o.ID, store.NewAnalysis{ProjectID: p.ID, SourceHash: hash, BlobKey: key})
	require.NoError(w.t, err)
	from := store.StateQueued
	for _, next := range []store.AnalysisState{store.StateParsing, store.StateAnalysing, store.StateScoring, store.StateCompleted} {
		if from == state {
			break
		}
		_, err := w.store.TransitionAnalysis(ctx, o.ID, a.ID, store.Transition{From: from, To: next})
		require.NoError(w.t, err)
		from = next
	}
	if len(fs) > 0 {
		_, err := w.store.InsertFindings(ctx, o.ID, a.ID, fs)
		require.NoError(w.t, err)
	}
	_, err = w.pool.Exec(ctx, `UPDATE analyses SET created_at = created_at - $2::interval,
		finished_at = finished_at - $2::interval WHERE id = $1`, a.ID, fmt.Sprintf("%d seconds", int(age.Seconds())))
	require.NoError(w.t, err)
	a, err = w.store.GetAnalysis(ctx, o.ID, a.ID)
	require.NoError(w.t, err)
	return a
}

func finding(detector, function string) store.NewFinding {
	f := findings.Finding{
		Rule:      findings.Rule{ID: detector, Title: detector, Severity: findings.SeverityHigh, Confidence: findings.ConfidenceHigh},
		Message:   "secret business logic in " + function,
		Contract:  "Vault",
		Function:  function,
		Locations: []findings.Location{{File: "src/Vault.sol", StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 2}},
	}
	f.Fingerprint = findings.Fingerprint(detector, "src/Vault.sol", "Vault", function, function)
	return store.NewFinding{Finding: f, Tools: []string{"solsec"}}
}

func (w *world) count(table, orgID string) int {
	var n int
	require.NoError(w.t, w.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE org_id = $1`, orgID).Scan(&n))
	return n
}

func (w *world) exists(key string) bool {
	_, err := w.blobs.Get(context.Background(), key)
	if err == nil {
		return true
	}
	require.ErrorIs(w.t, err, blob.ErrNotFound)
	return false
}

func TestRetentionSweep(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	acme, acmeUser, acmeProject := w.org("acme", 30)
	keep, _, keepProject := w.org("keepforever", 0)

	day := 24 * time.Hour
	old := w.analysis(acme, acmeProject, "old", store.StateCompleted, 40*day, finding("only-old", "a"), finding("shared", "b"))
	recent := w.analysis(acme, acmeProject, "recent", store.StateCompleted, 2*day, finding("shared", "b"))
	stuck := w.analysis(acme, acmeProject, "stuck", store.StateAnalysing, 90*day)
	forever := w.analysis(keep, keepProject, "ancient", store.StateCompleted, 400*day, finding("only-old", "a"))

	onlyOld, err := w.store.ListFindings(ctx, acme.ID, store.FindingFilter{Detector: "only-old"})
	require.NoError(t, err)
	require.Len(t, onlyOld.Items, 1)
	_, _, err = w.store.TriageFinding(ctx, acme.ID, store.Triage{FindingID: onlyOld.Items[0].ID, UserID: acmeUser.ID, Decision: store.StatusConfirmed, Reason: "real"})
	require.NoError(t, err)

	rep, err := w.svc.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, retention.Report{Organizations: 1, Purged: 1}, rep)

	t.Run("the expired analysis is archived with its findings and triage", func(t *testing.T) {
		doc, err := blob.ReadAll(ctx, w.blobs, retention.ArchiveKey(acme.ID, old.ID))
		require.NoError(t, err)
		var ex store.AnalysisExport
		require.NoError(t, json.Unmarshal(doc, &ex))
		assert.Equal(t, "solsec-analysis-archive", ex.Format)
		assert.Equal(t, old.ID, ex.Analysis.ID)
		assert.Len(t, ex.Findings, 2)
		require.Len(t, ex.Triage, 1)
		assert.Equal(t, store.StatusConfirmed, ex.Triage[0].Decision)
	})

	t.Run("then its rows and its sources are gone", func(t *testing.T) {
		_, err := w.store.GetAnalysis(ctx, acme.ID, old.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.False(t, w.exists(old.BlobKey))
		left, err := w.store.ListFindings(ctx, acme.ID, store.FindingFilter{})
		require.NoError(t, err)
		require.Len(t, left.Items, 1, "the finding only the purged analysis reported is gone")
		assert.Equal(t, "shared", left.Items[0].Rule.ID)
		assert.Zero(t, w.count("triage_decisions", acme.ID))
	})

	t.Run("recent and running analyses and organisations without a policy are kept", func(t *testing.T) {
		for _, a := range []store.Analysis{recent, stuck} {
			_, err := w.store.GetAnalysis(ctx, acme.ID, a.ID)
			assert.NoError(t, err)
			assert.True(t, w.exists(a.BlobKey))
		}
		_, err := w.store.GetAnalysis(ctx, keep.ID, forever.ID)
		assert.NoError(t, err)
		assert.True(t, w.exists(forever.BlobKey))
	})

	t.Run("the purge is in the audit log", func(t *testing.T) {
		page, err := w.store.ListAudit(ctx, acme.ID, store.AuditFilter{Action: "analysis.purged"})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "analysis:"+old.ID, page.Items[0].Target)
		assert.Equal(t, "data-service", page.Items[0].Actor)
	})

	t.Run("a second sweep finds nothing more to do", func(t *testing.T) {
		rep, err := w.svc.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, rep.Purged)
	})

	t.Run("time passing expires the recent analysis too", func(t *testing.T) {
		later := retention.New(w.store, w.blobs, retention.Options{Now: func() time.Time { return time.Now().Add(29 * day) }, Batch: 1})
		rep, err := later.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Purged)
		assert.True(t, w.exists(retention.ArchiveKey(acme.ID, recent.ID)))
		_, err = w.store.GetAnalysis(ctx, acme.ID, stuck.ID)
		assert.NoError(t, err, "a running analysis never expires")
	})
}

func TestErase(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	victim, victimUser, victimProject := w.org("victim", 30)
	other, _, otherProject := w.org("bystander", 30)

	a := w.analysis(victim, victimProject, "v1", store.StateCompleted, time.Hour, finding("reentrancy", "withdraw"))
	w.analysis(victim, victimProject, "v2", store.StateParsing, time.Hour)
	b := w.analysis(other, otherProject, "o1", store.StateCompleted, time.Hour, finding("reentrancy", "withdraw"))
	fs, err := w.store.ListFindings(ctx, victim.ID, store.FindingFilter{AnalysisID: a.ID})
	require.NoError(t, err)
	_, _, err = w.store.TriageFinding(ctx, victim.ID, store.Triage{FindingID: fs.Items[0].ID, UserID: victimUser.ID, Decision: store.StatusFalsePositive, Reason: "victim's private reasoning"})
	require.NoError(t, err)
	_, err = w.store.CreateAPIKey(ctx, victim.ID, store.NewAPIKey{KeyID: "victim-key", Role: store.RoleAdmin, SecretHash: make([]byte, 32)})
	require.NoError(t, err)
	require.NoError(t, w.blobs.Put(ctx, retention.OrgPrefix(victim.ID)+"reports/r.sarif", strings.NewReader("{}")))
	otherAudit, err := w.store.ListAudit(ctx, other.ID, store.AuditFilter{})
	require.NoError(t, err)
	statsBefore, err := w.store.ListDetectorStats(ctx)
	require.NoError(t, err)

	res, err := w.svc.Erase(ctx, victim.ID, "")
	require.NoError(t, err)

	t.Run("every row of the organisation is gone", func(t *testing.T) {
		for _, table := range []string{"users", "api_keys", "projects", "analyses", "tool_runs", "parse_summaries", "findings", "analysis_findings", "triage_decisions"} {
			assert.Zero(t, w.count(table, victim.ID), table)
		}
		_, err := w.store.GetOrganization(ctx, victim.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = w.store.GetAPIKeyByKeyID(ctx, "victim-key")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = w.store.GetUserByEmail(ctx, "victim@example.com")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.Equal(t, int64(2), res.Deleted["analyses"])
		assert.Equal(t, int64(1), res.Deleted["triage_decisions"])
	})

	t.Run("every object of the organisation is gone and nobody else's", func(t *testing.T) {
		objs, err := w.blobs.List(ctx, retention.OrgPrefix(victim.ID))
		require.NoError(t, err)
		assert.Empty(t, objs)
		assert.True(t, w.exists(b.BlobKey))
		assert.GreaterOrEqual(t, res.BlobsDeleted, 3)
	})

	t.Run("the audit log keeps one tombstone that names nobody", func(t *testing.T) {
		page, err := w.store.ListAudit(ctx, victim.ID, store.AuditFilter{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		tomb := page.Items[0]
		assert.Equal(t, "organization.erased", tomb.Action)
		assert.Equal(t, "data-service", tomb.Actor)
		text := string(tomb.Details)
		for _, secret := range []string{victimUser.ID, "victim@example.com", "victim's private reasoning", "victim-key", "withdraw"} {
			assert.NotContains(t, text, secret)
		}
		var rep store.ErasureReport
		require.NoError(t, json.Unmarshal(tomb.Details, &rep))
		assert.Equal(t, int64(1), rep.AuditEntriesRemoved, "the triage entry")
	})

	t.Run("other organisations and the anonymous detector counts are untouched", func(t *testing.T) {
		_, err := w.store.GetAnalysis(ctx, other.ID, b.ID)
		assert.NoError(t, err)
		page, err := w.store.ListAudit(ctx, other.ID, store.AuditFilter{})
		require.NoError(t, err)
		assert.Equal(t, otherAudit.Items, page.Items)
		stats, err := w.store.ListDetectorStats(ctx)
		require.NoError(t, err)
		assert.Equal(t, statsBefore, stats)
	})

	t.Run("erasing again finds no organisation", func(t *testing.T) {
		_, err := w.svc.Erase(ctx, victim.ID, "")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	acme, _, acmeProject := w.org("acme", 30)
	other, _, otherProject := w.org("other", 30)
	a := w.analysis(acme, acmeProject, "a1", store.StateCompleted, time.Hour, finding("reentrancy", "withdraw"))
	w.analysis(other, otherProject, "o1", store.StateCompleted, time.Hour, finding("reentrancy", "withdraw"))
	_, err := w.store.CreateAPIKey(ctx, acme.ID, store.NewAPIKey{KeyID: "acme-key", Role: store.RoleAdmin, SecretHash: bytes.Repeat([]byte{0xab}, 32)})
	require.NoError(t, err)

	var buf bytes.Buffer
	require.NoError(t, w.svc.Export(ctx, acme.ID, &buf))

	t.Run("the export is one JSON document with every section", func(t *testing.T) {
		var doc map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
		for _, section := range []string{"organization", "users", "apiKeys", "projects", "analyses", "toolRuns", "parseSummaries", "findings", "analysisFindings", "triageDecisions", "auditLog"} {
			assert.Contains(t, doc, section)
		}
		var analyses []store.Analysis
		require.NoError(t, json.Unmarshal(doc["analyses"], &analyses))
		require.Len(t, analyses, 1)
		assert.Equal(t, a.ID, analyses[0].ID)
		var fs []store.Finding
		require.NoError(t, json.Unmarshal(doc["findings"], &fs))
		require.Len(t, fs, 1)
		assert.Equal(t, "reentrancy", fs[0].Rule.ID)
	})

	t.Run("it holds no password or key hash and nothing of another organisation", func(t *testing.T) {
		text := buf.String()
		assert.NotContains(t, text, "argon2id$secret-hash")
		assert.NotContains(t, text, "q6urq6ur") // base64 of the key hash's bytes
		assert.NotContains(t, text, other.ID)
		assert.Contains(t, text, "acme-key")
	})

	t.Run("an export to blob storage lands under the organisation's prefix", func(t *testing.T) {
		key, err := w.svc.ExportToBlob(ctx, acme.ID)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(key, retention.OrgPrefix(acme.ID)+"exports/"))
		b, err := blob.ReadAll(ctx, w.blobs, key)
		require.NoError(t, err)
		assert.True(t, json.Valid(b))
	})

	t.Run("an export that exceeds the blob limit fails without hanging", func(t *testing.T) {
		small, err := localdir.New(filepath.Join(t.TempDir(), "small"), localdir.Options{MaxSize: 64})
		require.NoError(t, err)
		_, err = retention.New(w.store, small, retention.Options{}).ExportToBlob(ctx, acme.ID)
		assert.ErrorIs(t, err, blob.ErrTooLarge)
	})

	t.Run("an unknown organisation is not found", func(t *testing.T) {
		var b bytes.Buffer
		assert.ErrorIs(t, w.svc.Export(ctx, "00000000-0000-0000-0000-000000000000", &b), store.ErrNotFound)
	})
}

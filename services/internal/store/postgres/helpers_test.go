package postgres_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
)

// newPool connects to a fresh, empty database and closes the pool when the
// test ends.
func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	return newPoolAt(t, testenv.Postgres(t))
}

func newPoolAt(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// newStore returns a store on a freshly migrated database.
func newStore(t *testing.T) *postgres.Store {
	t.Helper()
	pool := newPool(t)
	_, err := postgres.Migrate(context.Background(), pool)
	require.NoError(t, err)
	return postgres.New(pool)
}

// tenant is an organisation with a user and a project, the smallest world
// most tests need.
type tenant struct {
	org     store.Organization
	user    store.User
	project store.Project
}

// tenantSeq numbers tenants across the package's parallel tests.
var tenantSeq atomic.Int64

func newTenant(t *testing.T, s store.Store) tenant {
	t.Helper()
	ctx := context.Background()
	n := tenantSeq.Add(1)
	org, err := s.CreateOrganization(ctx, store.NewOrganization{Name: fmt.Sprintf("org %d", n), RetentionDays: 30})
	require.NoError(t, err)
	user, err := s.CreateUser(ctx, org.ID, store.NewUser{Email: fmt.Sprintf("analyst%d@example.com", n), PasswordHash: "hash", Role: store.RoleAnalyst})
	require.NoError(t, err)
	project, err := s.CreateProject(ctx, org.ID, "vault")
	require.NoError(t, err)
	return tenant{org: org, user: user, project: project}
}

func newAnalysis(t *testing.T, s store.Store, tn tenant, sourceHash string) store.Analysis {
	t.Helper()
	a, created, err := s.CreateAnalysis(context.Background(), tn.org.ID, store.NewAnalysis{
		ProjectID: tn.project.ID, SourceHash: sourceHash, BlobKey: "orgs/" + tn.org.ID + "/sources/" + sourceHash,
		EntryFiles: []string{"src/Vault.sol"}, Remappings: []string{"@oz/=lib/oz/"},
	})
	require.NoError(t, err)
	require.True(t, created)
	return a
}

// walk moves an analysis along the happy path up to (and including) to.
func walk(t *testing.T, s store.Store, orgID, id string, to store.AnalysisState) store.Analysis {
	t.Helper()
	var a store.Analysis
	from := store.StateQueued
	for _, next := range []store.AnalysisState{store.StateParsing, store.StateAnalysing, store.StateScoring, store.StateCompleted} {
		var err error
		a, err = s.TransitionAnalysis(context.Background(), orgID, id, store.Transition{From: from, To: next})
		require.NoError(t, err)
		if next == to {
			return a
		}
		from = next
	}
	t.Fatalf("walk: %s is not on the happy path", to)
	return a
}

// newFinding builds a valid, fingerprinted finding of detector at line.
func newFinding(detector string, sev findings.Severity, file, function, code string, tools ...string) store.NewFinding {
	f := findings.Finding{
		Rule: findings.Rule{
			ID: detector, Title: detector + " title", Severity: sev, Confidence: findings.ConfidenceMedium,
			SWC: "SWC-107", DASP: findings.DASPReentrancy, Description: "d", Recommendation: "r",
		},
		Message:   detector + " in " + function,
		Contract:  "Vault",
		Function:  function,
		Locations: []findings.Location{{File: file, StartLine: 10, StartColumn: 5, EndLine: 10, EndColumn: 20, StartOffset: 100, EndOffset: 115, Snippet: code}},
	}
	f.Fingerprint = findings.Fingerprint(detector, file, "Vault", function, code)
	var ev []store.Evidence
	for _, tool := range tools {
		ev = append(ev, store.Evidence{Tool: tool, Detector: tool + "-" + detector, Severity: sev, Message: "seen by " + tool})
	}
	return store.NewFinding{Finding: f, Tools: tools, Score: float64(sev) * 10, Evidence: ev}
}

func keyHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

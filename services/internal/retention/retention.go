// Package retention carries out the data service's duties towards the
// data itself: the per-organisation retention policy (finished analyses
// older than the policy are archived as JSON to object storage, then
// purged), exports of an organisation's data, and erasure of an
// organisation on request (GDPR article 17).
//
// Object keys follow one convention, ArchiveKey and ExportKey included:
// everything of an organisation lives under OrgPrefix(orgID), which is what
// lets erasure find every object of an organisation even if a row that
// named it is already gone.
package retention

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/store"
)

// Store is what the service needs of the store.
type Store interface {
	store.Lifecycle
	ListOrganizations(ctx context.Context) ([]store.Organization, error)
	GetOrganization(ctx context.Context, orgID string) (store.Organization, error)
}

// Service applies retention, exports and erases.
type Service struct {
	store Store
	blobs blob.Store
	log   *slog.Logger
	now   func() time.Time
	actor string
	batch int
}

// Options configure a Service; zero values get defaults.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; tests set it to move past a retention period.
	Now func() time.Time
	// Actor is what the audit log records as having purged or erased;
	// default "data-service".
	Actor string
	// Batch is how many analyses one store query returns; default 100.
	Batch int
}

// New returns a service on st and blobs.
func New(st Store, blobs blob.Store, opts Options) *Service {
	s := &Service{store: st, blobs: blobs, log: opts.Logger, now: opts.Now, actor: opts.Actor, batch: opts.Batch}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.actor == "" {
		s.actor = "data-service"
	}
	if s.batch <= 0 {
		s.batch = 100
	}
	return s
}

// OrgPrefix is the object-storage prefix of everything of one organisation.
func OrgPrefix(orgID string) string { return "orgs/" + orgID + "/" }

// ArchiveKey is where retention archives an analysis.
func ArchiveKey(orgID, analysisID string) string {
	return OrgPrefix(orgID) + "archives/" + analysisID + ".json"
}

// ExportKey is where an export of the organisation taken at t goes.
func ExportKey(orgID string, t time.Time) string {
	return OrgPrefix(orgID) + "exports/" + t.UTC().Format("20060102T150405Z") + ".json"
}

// Report says what one retention sweep did.
type Report struct {
	Organizations int `json:"organizations"`
	// Purged counts analyses archived and then purged; an analysis is
	// never purged without its archive.
	Purged int `json:"purged"`
	// Failed counts organisations whose sweep stopped on an error; the
	// others still ran.
	Failed int `json:"failed"`
}

// Sweep applies every organisation's retention policy once. An error in
// one organisation is logged and counted, and the sweep goes on with the
// next; the joined errors are returned at the end.
func (s *Service) Sweep(ctx context.Context) (Report, error) {
	var rep Report
	orgs, err := s.store.ListOrganizations(ctx)
	if err != nil {
		return rep, fmt.Errorf("retention sweep: %w", err)
	}
	var errs []error
	for _, org := range orgs {
		if org.RetentionDays == 0 {
			continue
		}
		rep.Organizations++
		n, err := s.ApplyPolicy(ctx, org)
		rep.Purged += n
		if err != nil {
			rep.Failed++
			s.log.ErrorContext(ctx, "retention failed", "org_id", org.ID, "err", err)
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return rep, errors.Join(errs...)
}

// ApplyPolicy archives and purges the organisation's expired analyses and
// returns how many it purged. Each analysis is archived, its sources
// deleted, then its rows purged: a failure at any step leaves the analysis
// in place for the next sweep, which redoes the archive (an overwrite) and
// carries on, so nothing is purged unarchived and nothing is orphaned.
func (s *Service) ApplyPolicy(ctx context.Context, org store.Organization) (int, error) {
	if org.RetentionDays <= 0 {
		return 0, nil
	}
	cutoff := s.now().Add(-time.Duration(org.RetentionDays) * 24 * time.Hour)
	purged := 0
	for {
		expired, err := s.store.ExpiredAnalyses(ctx, org.ID, cutoff, s.batch)
		if err != nil {
			return purged, fmt.Errorf("retention of %s: %w", org.ID, err)
		}
		for _, a := range expired {
			if err := s.archiveAndPurge(ctx, org.ID, a); err != nil {
				return purged, fmt.Errorf("retention of %s: analysis %s: %w", org.ID, a.ID, err)
			}
			purged++
		}
		if len(expired) < s.batch {
			return purged, nil
		}
	}
}

func (s *Service) archiveAndPurge(ctx context.Context, orgID string, a store.Analysis) error {
	ex, err := s.store.ExportAnalysis(ctx, orgID, a.ID)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(ex)
	if err != nil {
		return fmt.Errorf("encode archive: %w", err)
	}
	key := ArchiveKey(orgID, a.ID)
	if err := s.blobs.Put(ctx, key, bytes.NewReader(doc)); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if a.BlobKey != "" {
		if err := s.blobs.Delete(ctx, a.BlobKey); err != nil && !errors.Is(err, blob.ErrInvalidKey) {
			return fmt.Errorf("delete sources: %w", err)
		}
	}
	res, err := s.store.PurgeAnalysis(ctx, orgID, a.ID, s.actor)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "analysis archived and purged", "org_id", orgID, "analysis_id", a.ID,
		"archive", key, "findings_deleted", res.FindingsDeleted)
	return nil
}

// Export writes all of the organisation's data as JSON to w.
func (s *Service) Export(ctx context.Context, orgID string, w io.Writer) error {
	return s.store.ExportOrganization(ctx, orgID, w)
}

// ExportToBlob writes the export to object storage and returns its key.
// The export streams through a pipe, so it is never held in memory here
// (a store may still buffer up to its size limit).
func (s *Service) ExportToBlob(ctx context.Context, orgID string) (string, error) {
	if _, err := s.store.GetOrganization(ctx, orgID); err != nil {
		return "", fmt.Errorf("export %s: %w", orgID, err)
	}
	key := ExportKey(orgID, s.now())
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(s.store.ExportOrganization(ctx, orgID, pw))
	}()
	err := s.blobs.Put(ctx, key, pr)
	// Unblock the writer if Put stopped reading early (size limit).
	pr.CloseWithError(errors.New("export reader closed"))
	if err != nil {
		return "", fmt.Errorf("export %s: %w", orgID, err)
	}
	return key, nil
}

// ErasureResult is what Erase did.
type ErasureResult struct {
	store.ErasureReport
	BlobsDeleted int `json:"blobsDeleted"`
}

// Erase deletes every object and every row of the organisation. actor is
// recorded on the audit tombstone (an operator or ticket reference); empty
// means the service's own actor. Objects go first — the keys its rows name, then everything under its prefix —
// because the rows are how a failed erasure can be found and re-run:
// should the database step fail, the organisation still exists and Erase
// can be called again, deleting (idempotently) what is left. The audit log
// keeps one anonymised tombstone (see store.Lifecycle.EraseOrganization).
func (s *Service) Erase(ctx context.Context, orgID, actor string) (ErasureResult, error) {
	var res ErasureResult
	if actor == "" {
		actor = s.actor
	}
	if _, err := s.store.GetOrganization(ctx, orgID); err != nil {
		return res, fmt.Errorf("erase %s: %w", orgID, err)
	}
	keys, err := s.store.BlobKeys(ctx, orgID)
	if err != nil {
		return res, fmt.Errorf("erase %s: %w", orgID, err)
	}
	for _, k := range keys {
		if blob.ValidateKey(k) != nil {
			continue // never written to the store, so nothing to delete
		}
		if err := s.blobs.Delete(ctx, k); err != nil {
			return res, fmt.Errorf("erase %s: delete %s: %w", orgID, k, err)
		}
		res.BlobsDeleted++
	}
	n, err := blob.DeletePrefix(ctx, s.blobs, OrgPrefix(orgID))
	res.BlobsDeleted += n
	if err != nil {
		return res, fmt.Errorf("erase %s: %w", orgID, err)
	}
	rep, err := s.store.EraseOrganization(ctx, orgID, actor)
	if err != nil {
		return res, fmt.Errorf("erase %s: %w", orgID, err)
	}
	res.ErasureReport = rep
	// A second pass catches objects an upload in flight wrote between the
	// first pass and the rows' deletion; from now on the organisation does
	// not exist, so no new row can name an object of it.
	n, err = blob.DeletePrefix(ctx, s.blobs, OrgPrefix(orgID))
	res.BlobsDeleted += n
	if err != nil {
		return res, fmt.Errorf("erase %s: rows erased, but objects written meanwhile remain: %w", orgID, err)
	}
	s.log.InfoContext(ctx, "organisation erased", "org_id", orgID, "blobs_deleted", res.BlobsDeleted, "rows", rep.Deleted)
	return res, nil
}

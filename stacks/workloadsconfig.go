package stacks

import "regexp"

// Secondary modes of the workloads (solsec:workloads.secondaryMode).
const (
	// SecondaryStandby runs the secondary region's workloads on the
	// read replica, read-only: the web front ends, the API and
	// notifications serve reads; workers, data-service and migrations
	// wait for a failover.
	SecondaryStandby = "standby"
	// SecondaryActive is the setting after a failover promoted the
	// secondary's replica: the region runs everything, read-write.
	SecondaryActive = "active"
)

// WorkloadsSettings configure the registry, the image builds and the
// workloads (solsec:workloads).
type WorkloadsSettings struct {
	// PushRoleName is the CI deploy role (docs/deploying.md): the only
	// principal that may push images.
	PushRoleName string `json:"pushRoleName"`
	// KeepReleases is how many tagged images each repository keeps, and
	// UntaggedExpiryDays when untagged ones expire.
	KeepReleases       int `json:"keepReleases"`
	UntaggedExpiryDays int `json:"untaggedExpiryDays"`
	// BasicScanningOnly falls back to ECR's basic scanning where Amazon
	// Inspector cannot be enabled.
	BasicScanningOnly bool `json:"basicScanningOnly"`
	// SecondaryMode is SecondaryStandby or SecondaryActive
	// (docs/disaster-recovery.md).
	SecondaryMode string `json:"secondaryMode"`
}

// iamRoleName is what IAM accepts as a role name.
var iamRoleName = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)

func (c *Config) validateWorkloads(errs *errorList) {
	k := Namespace + ":workloads"
	w := c.Workloads
	if !iamRoleName.MatchString(w.PushRoleName) {
		errs.addf("%s.pushRoleName: %q; allowed: an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-), the CI deploy role", k, w.PushRoleName)
	}
	if w.KeepReleases < 2 || w.KeepReleases > 1000 {
		errs.addf("%s.keepReleases: %d; allowed: 2 to 1000 (a rollback needs the previous release)", k, w.KeepReleases)
	}
	if w.UntaggedExpiryDays < 1 || w.UntaggedExpiryDays > 365 {
		errs.addf("%s.untaggedExpiryDays: %d; allowed: 1 to 365", k, w.UntaggedExpiryDays)
	}
	if w.SecondaryMode != SecondaryStandby && w.SecondaryMode != SecondaryActive {
		errs.addf("%s.secondaryMode: %q; allowed: %s (read-only on the replica) or %s (after a failover)", k, w.SecondaryMode, SecondaryStandby, SecondaryActive)
	}
}

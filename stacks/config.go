package stacks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Namespace is the Pulumi config namespace of the project's own settings.
const Namespace = "solsec"

// Environments are the stacks this program knows; each is one environment.
var Environments = []string{"staging", "production"}

// Config is one stack's validated settings. It is built only by ParseConfig,
// so holding a *Config means every rule below has passed.
type Config struct {
	// Environment is the stack name: staging or production.
	Environment string
	// Domain is the public DNS domain of the environment.
	Domain string
	// CostCenter is written into every resource's CostCenter tag.
	CostCenter string
	// AccountID, when set, pins the AWS providers to that account so that a
	// deployment with the wrong credentials fails instead of building there.
	AccountID string
	// LogRetentionDays is the retention of the platform's CloudWatch log groups.
	LogRetentionDays int
	// Regions are every region of the stack, enabled or not; disabled ones
	// are planned (their ranges reserved and checked) but not deployed.
	Regions []Region
	// NodeGroups are the EKS node groups every enabled region runs.
	NodeGroups []NodeGroup
	// Cluster holds the EKS settings every enabled region uses.
	Cluster ClusterSettings
	// Data holds the data tier's settings (RDS, ElastiCache, backups).
	Data DataSettings
	// Observability and Mesh configure monitoring, audit, cost alerts and
	// Istio.
	Observability ObservabilitySettings
	Mesh          MeshSettings
	// Edge configures DNS, CloudFront and WAF.
	Edge EdgeSettings
	// Workloads configures the registry, the image builds and the
	// workloads.
	Workloads WorkloadsSettings
}

// DataSettings size and protect the data tier of every enabled region. No
// field is a secret: passwords and tokens come from random resources.
type DataSettings struct {
	// BackupRetentionDays keeps RDS automated backups (point-in-time
	// recovery) and the AWS Backup plan's recovery points this long.
	BackupRetentionDays int              `json:"backupRetentionDays"`
	Database            DatabaseSettings `json:"database"`
	Cache               CacheSettings    `json:"cache"`
}

// DatabaseSettings are the RDS PostgreSQL settings.
type DatabaseSettings struct {
	// EngineVersion is a PostgreSQL 15 minor version such as "15.8".
	EngineVersion string `json:"engineVersion"`
	// InstanceClass is one of DatabaseInstanceClasses.
	InstanceClass string `json:"instanceClass"`
	// AllocatedStorageGB is the initial gp3 size; storage autoscaling grows
	// it up to MaxAllocatedStorageGB.
	AllocatedStorageGB    int `json:"allocatedStorageGb"`
	MaxAllocatedStorageGB int `json:"maxAllocatedStorageGb"`
}

// CacheSettings are the ElastiCache Redis settings.
type CacheSettings struct {
	// EngineVersion is a Redis 7 version such as "7.1".
	EngineVersion string `json:"engineVersion"`
	// NodeType is one of CacheNodeTypes.
	NodeType string `json:"nodeType"`
	// Shards is the number of node groups (cluster mode) and
	// ReplicasPerShard the replicas of each.
	Shards           int `json:"shards"`
	ReplicasPerShard int `json:"replicasPerShard"`
	// SnapshotRetentionDays keeps daily snapshots this long.
	SnapshotRetentionDays int `json:"snapshotRetentionDays"`
}

// ClusterSettings are the EKS control-plane settings of a stack.
type ClusterSettings struct {
	// KubernetesVersion is the EKS version, one of SupportedKubernetesVersions.
	KubernetesVersion string `json:"kubernetesVersion"`
	// PublicAccessCidrs opens the public API endpoint to these ranges; empty
	// (the default) keeps the endpoint private only.
	PublicAccessCidrs []string `json:"publicAccessCidrs"`
	// AdminRoles are IAM role names of the stack's account granted cluster
	// admin through EKS access entries.
	AdminRoles []string `json:"adminRoles"`
	// AcmeEmail receives Let's Encrypt notices for the cluster's
	// certificates (cert-manager).
	AcmeEmail string `json:"acmeEmail"`
}

// Region is one region's settings.
type Region struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Enabled *bool  `json:"enabled,omitempty"`
	// AZCount is how many availability zones the region spreads over.
	AZCount int `json:"azCount"`
	// NatMode is NatOnePerAZ or NatSingle.
	NatMode        string   `json:"natMode"`
	VpcCidr        string   `json:"vpcCidr"`
	PublicSubnets  []string `json:"publicSubnets"`
	PrivateSubnets []string `json:"privateSubnets"`
	// PodCidr is a secondary VPC range from RFC 6598 space used only by pod
	// addresses (VPC CNI custom networking), with one PodSubnets entry per AZ.
	PodCidr    string   `json:"podCidr"`
	PodSubnets []string `json:"podSubnets"`
}

// IsEnabled reports whether the region is deployed (the default) rather than
// only planned.
func (r Region) IsEnabled() bool { return r.Enabled == nil || *r.Enabled }

// NodeGroup is one EKS managed node group's sizing.
type NodeGroup struct {
	Name          string   `json:"name"`
	CapacityType  string   `json:"capacityType"`
	InstanceTypes []string `json:"instanceTypes"`
	MinSize       int      `json:"minSize"`
	DesiredSize   int      `json:"desiredSize"`
	MaxSize       int      `json:"maxSize"`
}

// Region roles and NAT modes accepted in config.
const (
	RolePrimary   = "primary"
	RoleSecondary = "secondary"
	NatOnePerAZ   = "one-per-az"
	NatSingle     = "single"
	OnDemand      = "on-demand"
	Spot          = "spot"
)

// Keys of the solsec namespace, with whether each is required. Any other
// solsec:* key is rejected so that a typo never silently falls back to a
// default.
var keys = []struct {
	name     string
	required bool
}{
	{"domain", true},
	{"costCenter", true},
	{"accountId", false},
	{"logRetentionDays", true},
	{"regions", true},
	{"nodeGroups", true},
	{"cluster", true},
	{"data", true},
	{"observability", true},
	{"mesh", true},
	{"edge", true},
	{"workloads", true},
}

// KeyNames lists the solsec:* config keys this program reads.
func KeyNames() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

// ParseConfig builds a stack's Config from raw Pulumi config values, keyed
// "namespace:key" as the Pulumi engine hands them to the program (objects as
// JSON text), and validates it. Every problem found is reported, each naming
// the key, the value and what is allowed.
func ParseConfig(stack string, raw map[string]string) (*Config, error) {
	var errs errorList
	if !contains(Environments, stack) {
		errs.addf("stack name %q: not an environment of this project; allowed: %s", stack, strings.Join(Environments, ", "))
	}
	for k := range raw {
		ns, name, ok := strings.Cut(k, ":")
		if ok && ns == Namespace && !contains(KeyNames(), name) {
			errs.addf("%s: unknown key; allowed keys: %s", k, strings.Join(prefixed(KeyNames()), ", "))
		}
	}
	for _, k := range keys {
		if strings.TrimSpace(raw[Namespace+":"+k.name]) == "" && k.required {
			errs.addf("%s:%s: missing; it is required", Namespace, k.name)
		}
	}

	cfg := &Config{
		Environment: stack,
		Domain:      strings.TrimSpace(raw[Namespace+":domain"]),
		CostCenter:  strings.TrimSpace(raw[Namespace+":costCenter"]),
		AccountID:   strings.TrimSpace(raw[Namespace+":accountId"]),
	}
	// Each key that was present and readable is validated even when
	// others were not, so that one run reports every problem.
	if v := raw[Namespace+":logRetentionDays"]; strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs.addf("%s:logRetentionDays: %q is not a whole number of days; allowed: %s", Namespace, v, retentionList())
		} else {
			cfg.LogRetentionDays = n
			cfg.validateRetention(&errs)
		}
	}
	cfg.validateScalars(&errs)
	regionsOK := decode(&errs, raw, "regions", &cfg.Regions)
	groupsOK := decode(&errs, raw, "nodeGroups", &cfg.NodeGroups)
	if decode(&errs, raw, "cluster", &cfg.Cluster) {
		cfg.validateCluster(&errs)
	}
	if regionsOK {
		cfg.validateRegions(&errs)
	}
	if decode(&errs, raw, "observability", &cfg.Observability) {
		cfg.validateObservability(&errs)
	}
	if decode(&errs, raw, "mesh", &cfg.Mesh) {
		cfg.validateMesh(&errs)
	}
	if decode(&errs, raw, "edge", &cfg.Edge) {
		cfg.validateEdge(&errs, regionsOK)
	}
	if decode(&errs, raw, "data", &cfg.Data) {
		cfg.validateData(&errs, regionsOK)
	}
	if decode(&errs, raw, "workloads", &cfg.Workloads) {
		cfg.validateWorkloads(&errs)
	}
	if groupsOK {
		cfg.validateNodeGroups(&errs)
	}
	if len(errs) == 0 {
		cfg.validateCapacity(&errs)
	}
	if len(errs) > 0 {
		return nil, errs.err(stack)
	}
	return cfg, nil
}

// decode unmarshals a structured key strictly: unknown fields are errors.
// It reports whether the key was present and readable.
func decode(errs *errorList, raw map[string]string, key string, into any) bool {
	v := raw[Namespace+":"+key]
	if strings.TrimSpace(v) == "" {
		return false
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		errs.addf("%s:%s: cannot read %s: %v", Namespace, key, abbreviate(v), err)
		return false
	}
	return true
}

// Primary returns the primary region.
func (c *Config) Primary() Region {
	for _, r := range c.Regions {
		if r.Role == RolePrimary {
			return r
		}
	}
	return Region{}
}

// Secondary returns the enabled secondary region, if there is one: the
// region the primary's data replicates to.
func (c *Config) Secondary() (Region, bool) {
	for _, r := range c.EnabledRegions() {
		if r.Role == RoleSecondary {
			return r, true
		}
	}
	return Region{}, false
}

// EnabledRegions returns the regions that are deployed, primary first.
func (c *Config) EnabledRegions() []Region {
	var out []Region
	for _, r := range c.Regions {
		if r.IsEnabled() {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Role == RolePrimary && out[j].Role != RolePrimary })
	return out
}

// errorList collects every validation problem so that a user fixes them all
// in one pass.
type errorList []string

func (e *errorList) addf(format string, args ...any) { *e = append(*e, fmt.Sprintf(format, args...)) }

func (e errorList) err(stack string) error {
	return &ConfigError{Stack: stack, Problems: e}
}

// ConfigError is a rejected stack configuration.
type ConfigError struct {
	Stack    string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid configuration of stack %q:\n  - %s", e.Stack, strings.Join(e.Problems, "\n  - "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func prefixed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Namespace + ":" + n
	}
	return out
}

func abbreviate(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:57] + "...")
	}
	return strconv.Quote(s)
}

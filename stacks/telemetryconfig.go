package stacks

import (
	"net/url"
	"strings"
)

// ObservabilitySettings configure monitoring, alerting, audit and cost
// guard rails (solsec:observability).
type ObservabilitySettings struct {
	// AlertEmails receive the alert topic's notifications.
	AlertEmails []string `json:"alertEmails"`
	// MonthlyBudgetUSD and AnomalyThresholdUSD drive AWS Budgets and Cost
	// Anomaly Detection for the environment.
	MonthlyBudgetUSD    float64 `json:"monthlyBudgetUsd"`
	AnomalyThresholdUSD float64 `json:"anomalyThresholdUsd"`
	Prometheus          struct {
		RetentionDays int `json:"retentionDays"`
		StorageGB     int `json:"storageGb"`
	} `json:"prometheus"`
	GrafanaStorageGB int `json:"grafanaStorageGb"`
	// Jaeger sizes the OpenSearch domain that stores traces.
	Jaeger struct {
		InstanceType     string `json:"instanceType"`
		InstanceCount    int    `json:"instanceCount"`
		DedicatedMasters bool   `json:"dedicatedMasters"`
		VolumeGB         int    `json:"volumeGb"`
		RetentionDays    int    `json:"retentionDays"`
	} `json:"jaeger"`
}

// MeshSettings configure Istio (solsec:mesh).
type MeshSettings struct {
	// SamplingPercent of requests are traced.
	SamplingPercent float64 `json:"samplingPercent"`
	JWT             struct {
		Issuer         string   `json:"issuer"`
		JwksURI        string   `json:"jwksUri"`
		Audiences      []string `json:"audiences"`
		ProtectedPaths []string `json:"protectedPaths"`
		// CheckAtGateway (default true) has the gateway verify tokens and
		// require them on ProtectedPaths. Off, only the services check
		// them: needed while clients use API keys or sign in through the
		// gateway (docs/mesh.md).
		CheckAtGateway *bool `json:"checkAtGateway"`
	} `json:"jwt"`
	// EgressHosts are the external hosts workloads may call.
	EgressHosts []string `json:"egressHosts"`
}

func (c *Config) validateObservability(errs *errorList) {
	k := Namespace + ":observability"
	o := c.Observability
	if len(o.AlertEmails) == 0 {
		errs.addf("%s.alertEmails: empty; allowed: at least one address that receives alerts", k)
	}
	for i, e := range o.AlertEmails {
		if at := strings.LastIndex(e, "@"); at < 1 || !validDomain(e[at+1:]) {
			errs.addf("%s.alertEmails[%d]: %q; allowed: an e-mail address", k, i, e)
		}
	}
	if o.MonthlyBudgetUSD <= 0 || o.AnomalyThresholdUSD <= 0 || o.AnomalyThresholdUSD >= o.MonthlyBudgetUSD {
		errs.addf("%s: monthlyBudgetUsd %v, anomalyThresholdUsd %v; allowed: both positive, the threshold below the budget", k, o.MonthlyBudgetUSD, o.AnomalyThresholdUSD)
	}
	if o.Prometheus.RetentionDays < 1 || o.Prometheus.RetentionDays > 90 {
		errs.addf("%s.prometheus.retentionDays: %d; allowed: 1 to 90 (long-term history belongs in a remote store)", k, o.Prometheus.RetentionDays)
	}
	if o.Prometheus.StorageGB < 20 || o.GrafanaStorageGB < 1 {
		errs.addf("%s: prometheus.storageGb %d, grafanaStorageGb %d; allowed: at least 20 and 1", k, o.Prometheus.StorageGB, o.GrafanaStorageGB)
	}
	j := o.Jaeger
	if !strings.HasSuffix(j.InstanceType, ".search") {
		errs.addf("%s.jaeger.instanceType: %q; allowed: an OpenSearch instance type such as r6g.large.search", k, j.InstanceType)
	}
	if j.InstanceCount < RequiredAZs || j.InstanceCount%RequiredAZs != 0 {
		errs.addf("%s.jaeger.instanceCount: %d; allowed: a multiple of %d, one set of nodes per availability zone", k, j.InstanceCount, RequiredAZs)
	}
	if j.VolumeGB < 10 || j.RetentionDays < 1 {
		errs.addf("%s.jaeger: volumeGb %d, retentionDays %d; allowed: at least 10 GB and 1 day", k, j.VolumeGB, j.RetentionDays)
	}
}

func (c *Config) validateMesh(errs *errorList) {
	k := Namespace + ":mesh"
	m := c.Mesh
	if m.SamplingPercent <= 0 || m.SamplingPercent > 100 {
		errs.addf("%s.samplingPercent: %v; allowed: more than 0, at most 100", k, m.SamplingPercent)
	}
	for field, raw := range map[string]string{"issuer": m.JWT.Issuer, "jwksUri": m.JWT.JwksURI} {
		if u, err := url.Parse(raw); err != nil || u.Scheme != "https" || u.Host == "" {
			errs.addf("%s.jwt.%s: %q; allowed: an https URL", k, field, raw)
		}
	}
	if len(m.JWT.Audiences) == 0 {
		errs.addf("%s.jwt.audiences: empty; allowed: the audiences the platform's tokens carry", k)
	}
	if m.JWT.CheckAtGateway != nil && !*m.JWT.CheckAtGateway && len(m.JWT.ProtectedPaths) > 0 {
		errs.addf("%s.jwt.protectedPaths: %q with checkAtGateway false; allowed: no protected paths when the gateway checks no token", k, m.JWT.ProtectedPaths)
	}
	for i, p := range m.JWT.ProtectedPaths {
		if !strings.HasPrefix(p, "/") {
			errs.addf("%s.jwt.protectedPaths[%d]: %q; allowed: a path starting with /", k, i, p)
		}
	}
	for i, h := range m.EgressHosts {
		if !validDomain(h) {
			errs.addf("%s.egressHosts[%d]: %q; allowed: a DNS name (no wildcards, no scheme)", k, i, h)
		}
	}
}

// GatewayChecksTokens reports whether the mesh's gateway verifies the
// platform's tokens (solsec:mesh.jwt.checkAtGateway, default true).
func (m MeshSettings) GatewayChecksTokens() bool {
	return m.JWT.CheckAtGateway == nil || *m.JWT.CheckAtGateway
}

package rules

import "path"

// Waiver is one reviewed, accepted exception: the policy still runs and
// its result prints as "waived" with the reason, so an exception is never
// a silent pass. Changing this list goes through code review like any
// other change.
type Waiver struct {
	Policy string
	// Stack is the stack the waiver applies to; "" for every stack.
	Stack string
	// Resource is a glob (path.Match) over resource names; regions missing
	// something are named "region <name>".
	Resource string
	Reason   string
	Owner    string
	// Reviewed is the date the waiver was last reviewed (YYYY-MM-DD).
	Reviewed string
	// Until names what ends the waiver, when it is temporary.
	Until string
}

// Waivers is the reviewed list of accepted exceptions.
func Waivers() []Waiver {
	return []Waiver{
		{
			Policy: "alb-internal", Resource: "*-alb*",
			Reason: "the edge ALB (an Ingress of class alb, one per region) is internet-facing by design: CloudFront reaches the Istio ingress gateway through it and Route 53 health-checks it; its regional web ACL blocks every request without CloudFront's origin secret except the health path, and WAF (alb-ingress-waf), TLS 1.2+, HTTP-to-HTTPS redirects and dropped invalid headers (alb-ingress-hardened) are still enforced on it",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27",
		},
		{
			Policy: "s3-sse-kms", Resource: "*-edge-logs-encryption",
			Reason: "ALB access-log delivery writes only to SSE-S3 buckets (a KMS-encrypted bucket receives nothing), so the edge's access-log buckets use SSE-S3; they hold request metadata, are private, TLS-only and versioned, and expire with the platform's log retention",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27",
		},
		{
			Policy: "production-bucket-replication", Stack: "production", Resource: "*-edge-logs",
			Reason: "each region's ALB delivers access logs to a bucket in its own region (ELB requires it), so losing a region loses only that region's edge logs; the WAF logs of the same requests are in CloudWatch Logs",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "audit bucket replication to the secondary region",
		},
		{
			Policy: "production-bucket-replication", Stack: "production", Resource: "*-edge-docs",
			Reason: "the documentation is built from the repository and published to the bucket; a lost bucket is re-published from git, and CloudFront keeps serving cached pages meanwhile",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27",
		},
		{
			Policy: "s3-bucket-hygiene", Stack: "production", Resource: "*-edge-logs",
			Reason: "an edge access-log bucket outside us-east-1 has no bucket in its region to send its own server access logs to (the us-east-1 one receives the docs bucket's); CloudTrail records every management call on it",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27",
		},
		{
			Policy: "secret-has-rotation", Resource: "*-secret-third-party-*",
			Reason: "vendor-issued credentials (Etherscan, GitHub, Slack) with no API a rotation Lambda could use to mint new ones; their owners rotate them by hand at the vendor and put the new value",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27",
		},
		{
			Policy: "production-bucket-replication", Stack: "production", Resource: "*-cloudtrail-bucket",
			Reason: "the trail is multi-region and its bucket has log-file validation, deny-delete and versioning; replicating it to the secondary is planned but not built, so a loss of us-east-1 loses trail history until then",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "audit bucket replication to the secondary region",
		},
		{
			Policy: "production-bucket-replication", Stack: "production", Resource: "*-config-bucket",
			Reason: "each region records its own Config history into its own bucket, so losing one region loses only that region's history; replication is planned with the trail bucket's",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "audit bucket replication to the secondary region",
		},
		{
			Policy: "secret-has-rotation", Resource: "*-grafana-admin",
			Reason: "Grafana's admin password is a generated break-glass credential (users sign in through SSO); rotating it needs Grafana to reload it, which External Secrets' refresh does not trigger yet",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "a rotation Lambda that restarts Grafana",
		},
		{
			Policy: "secret-has-rotation", Resource: "*-traces-user",
			Reason: "the OpenSearch user Jaeger writes traces with is generated; rotating it needs the domain's internal user updated in the same step, which no rotation Lambda does yet",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "an OpenSearch rotation Lambda",
		},
	}
}

// matches reports whether the waiver covers a verdict of a stack.
func (w Waiver) matches(v Verdict, stack string) bool {
	if w.Policy != v.Policy || (w.Stack != "" && w.Stack != stack) {
		return false
	}
	if w.Resource == "" {
		return v.Resource == ""
	}
	ok, err := path.Match(w.Resource, v.Resource)
	return err == nil && ok
}

// Waive returns the verdict with the waivers of the list applied, for
// callers that evaluate policies one at a time (the policy pack).
func Waive(v Verdict, stack string, waivers []Waiver) Verdict {
	applyWaivers(&v, stack, waivers)
	return v
}

// applyWaivers turns a violation covered by a waiver into a waived verdict
// carrying the waiver, and returns the waiver's index (-1 if none).
func applyWaivers(v *Verdict, stack string, waivers []Waiver) int {
	if v.Status != Violation {
		return -1
	}
	for i := range waivers {
		if waivers[i].matches(*v, stack) {
			w := waivers[i]
			v.Status = Waived
			v.Waiver = &w
			return i
		}
	}
	return -1
}

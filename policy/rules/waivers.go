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
	const observability = "the Observability component (CloudTrail, Config, GuardDuty) has not landed yet; the stack ships without account-level detective controls until it does"
	return []Waiver{
		{
			Policy: "alb-internal", Resource: "*-alb*",
			Reason: "the edge ALB is internet-facing by design: CloudFront and clients reach the Istio ingress through it; WAF (alb-has-waf), TLS 1.2+ (alb-listener-https) and HTTP-to-HTTPS redirects are still enforced on it",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27",
		},
		{
			Policy: "secret-has-rotation", Resource: "*-secret-third-party-*",
			Reason: "vendor-issued credentials (Etherscan, GitHub, Slack) with no API a rotation Lambda could use to mint new ones; their owners rotate them by hand at the vendor and put the new value",
			Owner:  "platform-team@solsec.io", Reviewed: "2026-11-27",
		},
		{
			Policy: "region-has-guardduty", Resource: "region *", Reason: observability,
			Owner: "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "Observability issue lands",
		},
		{
			Policy: "region-has-guardduty-eks", Resource: "region *", Reason: observability,
			Owner: "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "Observability issue lands",
		},
		{
			Policy: "region-has-config", Resource: "region *", Reason: observability,
			Owner: "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "Observability issue lands",
		},
		{
			Policy: "stack-has-cloudtrail", Resource: "", Reason: observability,
			Owner: "platform-team@solsec.io", Reviewed: "2026-11-27", Until: "Observability issue lands",
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

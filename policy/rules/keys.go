package rules

import "strings"

const (
	tKMSKey       = "aws:kms/key:Key"
	tKMSAlias     = "aws:kms/alias:Alias"
	minKeyDeleteD = 30
)

// scopingConditions are condition keys that tie a wildcard principal to
// our account, organization or a calling service.
var scopingConditions = []string{
	"kms:calleraccount", "aws:principalaccount", "aws:principalorgid", "aws:sourceaccount",
	"aws:sourcearn", "aws:principalarn", "kms:viaservice",
}

// wildcardPrincipal reports whether an Allow statement trusts "*" without
// a condition scoping it.
func wildcardPrincipal(st statement) bool {
	if st.Effect != "Allow" {
		return false
	}
	wild := false
	for kind, vals := range st.principals() {
		for _, p := range vals {
			if p == "*" && (kind == "*" || kind == "AWS") {
				wild = true
			}
		}
	}
	if !wild {
		return false
	}
	keys := st.conditionKeys()
	for _, k := range scopingConditions {
		if _, ok := keys[k]; ok {
			return false
		}
	}
	return true
}

func keyPolicies() []ResourcePolicy {
	return []ResourcePolicy{
		{
			ID: "kms-key-rotation", Title: "KMS keys rotate yearly",
			Why:         "Automatic rotation limits how much data one key version protects, at no operational cost.",
			Enforcement: Mandatory, Controls: ctl("KMS.4", "3.6", "CC6.1", "A.8.24"),
			Types: []string{tKMSKey},
			Check: func(r Resource, v View) *Problem {
				spec := v.Str("customerMasterKeySpec") + v.Str("keySpec")
				if spec != "" && spec != "SYMMETRIC_DEFAULT" {
					return nil // AWS rotates only symmetric encryption keys
				}
				if !v.Bool("enableKeyRotation") {
					return problem("enableKeyRotation is not true", "set enableKeyRotation: true")
				}
				return nil
			},
		},
		{
			ID: "kms-no-wildcard-principal", Title: "KMS key policies grant nothing to \"*\" unscoped",
			Why:         "A key policy Allow for Principal \"*\" without an account or service condition lets any AWS account use the key.",
			Enforcement: Mandatory, Controls: ctl("KMS.5", "", "CC6.1,CC6.3", "A.5.15,A.8.24"),
			Types: []string{tKMSKey},
			Check: func(r Resource, v View) *Problem {
				doc, ok := parseDocument(v.Raw("policy"))
				if !ok {
					return nil // no policy: AWS applies the account-root default
				}
				for _, st := range doc.Statement {
					if wildcardPrincipal(st) {
						return problem("statement %q allows Principal \"*\" without a scoping condition", "name the principals, or add a kms:CallerAccount / aws:PrincipalOrgID condition", st.Sid)
					}
				}
				return nil
			},
		},
		{
			ID: "kms-deletion-window", Title: "KMS keys wait 30 days before deletion",
			Why:         "A scheduled deletion of a key makes all data under it unreadable; the longest window gives time to notice and cancel.",
			Enforcement: Advisory, Controls: ctl("KMS.3", "", "A1.2", "A.8.24"),
			Types: []string{tKMSKey},
			Check: func(r Resource, v View) *Problem {
				if d := v.Num("deletionWindowInDays"); d != 0 && d < minKeyDeleteD {
					return problem("deletionWindowInDays is %v", "set deletionWindowInDays: 30", d)
				}
				return nil
			},
		},
	}
}

// keyIdentifiers are the strings other resources use to point at a key.
func keyIdentifiers(r Resource) []string {
	var ids []string
	for _, s := range []string{r.ID, str(r.Props["arn"]), str(r.Props["keyId"])} {
		if s != "" && !strings.HasPrefix(s, "urn:") {
			ids = append(ids, s)
		}
	}
	return ids
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

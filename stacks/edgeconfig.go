package stacks

import (
	"fmt"
	"strings"

	"github.com/solsec/platform/components/edge"
)

// EdgeSettings configure the edge: DNS zone, CloudFront and WAF
// (solsec:edge).
type EdgeSettings struct {
	// Zone is ZoneCreate (this stack owns the environment's public zone)
	// or ZoneExisting (the zone exists and is looked up by the domain).
	Zone string `json:"zone"`
	// PriceClass is the CloudFront price class, one of edge.PriceClasses.
	PriceClass string `json:"priceClass"`
	// RateLimits are requests per client IP per five minutes the web ACLs
	// allow: PerIP everywhere, UploadsPerIP on the contract upload API.
	RateLimits struct {
		PerIP        int `json:"perIp"`
		UploadsPerIP int `json:"uploadsPerIp"`
	} `json:"rateLimits"`
	// BlockedCountries are ISO 3166-1 alpha-2 codes the web ACLs block.
	BlockedCountries []string `json:"blockedCountries"`
	// UploadLimitMB is the largest contract upload body in MiB.
	UploadLimitMB int `json:"uploadLimitMb"`
}

// Zone modes of solsec:edge.zone.
const (
	ZoneCreate   = "create"
	ZoneExisting = "existing"
)

// Edge limits: WAF's rate-based rules count 10 to 2,000,000,000 requests
// per window; an upload limit of more than 100 MiB is a contract archive no
// analysis should take in one request.
const (
	minRateLimit   = 10
	maxRateLimit   = 2000000000
	maxUploadLimit = 100
)

// ISOCountryCodes are the officially assigned ISO 3166-1 alpha-2 codes,
// the codes WAF's geo match statement takes.
var ISOCountryCodes = strings.Fields(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW`)

// validateEdge checks solsec:edge. regionsOK says whether solsec:regions
// was readable, so that the rules tying the edge to regions run only then.
func (c *Config) validateEdge(errs *errorList, regionsOK bool) {
	k := Namespace + ":edge"
	e := c.Edge
	if e.Zone != ZoneCreate && e.Zone != ZoneExisting {
		errs.addf("%s.zone: %q; allowed: %s (this stack creates the public zone of %s:domain), %s (the zone exists and is looked up)",
			k, e.Zone, ZoneCreate, Namespace, ZoneExisting)
	}
	if !contains(edge.PriceClasses, e.PriceClass) {
		errs.addf("%s.priceClass: %q; allowed: %s", k, e.PriceClass, strings.Join(edge.PriceClasses, ", "))
	}
	r := e.RateLimits
	if r.PerIP < minRateLimit || r.PerIP > maxRateLimit {
		errs.addf("%s.rateLimits.perIp: %d; allowed: %d to %d requests per client IP per 5 minutes (the WAF rate-based rule range)", k, r.PerIP, minRateLimit, maxRateLimit)
	}
	if r.UploadsPerIP < minRateLimit || r.UploadsPerIP >= r.PerIP {
		errs.addf("%s.rateLimits.uploadsPerIp: %d; allowed: at least %d and less than rateLimits.perIp (%d), the stricter limit of %s",
			k, r.UploadsPerIP, minRateLimit, r.PerIP, edge.UploadPath)
	}
	seen := map[string]int{}
	for i, cc := range e.BlockedCountries {
		key := fmt.Sprintf("%s.blockedCountries[%d]", k, i)
		switch j, dup := seen[cc]; {
		case !contains(ISOCountryCodes, cc):
			errs.addf("%s: %q is not an ISO 3166-1 alpha-2 country code; allowed: two upper-case letters such as KP or IR", key, cc)
		case dup:
			errs.addf("%s: %q is already %s.blockedCountries[%d]; each country may appear once", key, cc, k, j)
		}
		seen[cc] = i
	}
	if e.UploadLimitMB < 1 || e.UploadLimitMB > maxUploadLimit {
		errs.addf("%s.uploadLimitMb: %d; allowed: 1 to %d MiB", k, e.UploadLimitMB, maxUploadLimit)
	}
	if !regionsOK {
		return
	}
	// CloudFront's certificate, web ACL and log delivery live in
	// us-east-1, through that region's provider and logs key, and the ALB
	// DNS zones and log-delivery accounts are known per region.
	global := false
	for _, reg := range c.EnabledRegions() {
		global = global || reg.Name == edge.GlobalRegion
		if !contains(edge.SupportedRegions(), reg.Name) {
			errs.addf("%s:regions: %q is deployed but the edge does not know its ALB hosted zone; allowed regions for the edge: %s",
				Namespace, reg.Name, strings.Join(edge.SupportedRegions(), ", "))
		}
	}
	if !global {
		errs.addf("%s:regions: no enabled region is %s; allowed: a configuration deploying %s, where CloudFront's certificate, web ACL and log delivery must live",
			Namespace, edge.GlobalRegion, edge.GlobalRegion)
	}
}

package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
)

func init() {
	register(findings.Rule{
		ID: "erc20-interface", Title: "Incorrect ERC-20 function signature",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "", DASP: findings.DASPUnknownUnknowns,
		Description:    "A token that implements ERC-20 declares a function with the wrong return type (e.g. transfer without `returns (bool)`). Contracts compiled against the standard interface expect the return data and revert when it is missing, so the token cannot be used with them.",
		Recommendation: "Match the ERC-20 signatures exactly: transfer, transferFrom and approve return bool; balanceOf, totalSupply and allowance return uint256.",
	}, func(ps *pass) { checkInterface(ps, "ERC-20", erc20Sigs, []string{"transfer", "balanceOf"}) })
	register(findings.Rule{
		ID: "erc721-interface", Title: "Incorrect ERC-721 function signature",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "", DASP: findings.DASPUnknownUnknowns,
		Description:    "A token that implements ERC-721 declares a function with the wrong return type (e.g. ownerOf not returning address). Marketplaces and wallets calling through the standard interface misread or revert.",
		Recommendation: "Match the ERC-721 signatures exactly: balanceOf returns uint256, ownerOf and getApproved return address, isApprovedForAll and supportsInterface return bool, transfers and approve return nothing.",
	}, func(ps *pass) { checkInterface(ps, "ERC-721", erc721Sigs, []string{"ownerOf", "safeTransferFrom"}) })
}

// sig is the parameter count and return types a standard prescribes.
type sig struct {
	params  int
	returns []string
}

var erc20Sigs = map[string]sig{
	"transfer":     {2, []string{"bool"}},
	"transferFrom": {3, []string{"bool"}},
	"approve":      {2, []string{"bool"}},
	"balanceOf":    {1, []string{"uint256"}},
	"totalSupply":  {0, []string{"uint256"}},
	"allowance":    {2, []string{"uint256"}},
}

var erc721Sigs = map[string]sig{
	"balanceOf":         {1, []string{"uint256"}},
	"ownerOf":           {1, []string{"address"}},
	"approve":           {2, nil},
	"getApproved":       {1, []string{"address"}},
	"setApprovalForAll": {2, nil},
	"isApprovedForAll":  {2, []string{"bool"}},
	"transferFrom":      {3, nil},
	"safeTransferFrom":  {3, nil},
}

// checkInterface checks contracts that declare all of markers (so they
// claim to be the standard) against the standard's signatures.
func checkInterface(ps *pass, standard string, sigs map[string]sig, markers []string) {
	for _, c := range ps.contracts() {
		if c.Kind == "library" {
			continue
		}
		if !declaresAll(c, markers) || (standard == "ERC-20" && declaresAll(c, []string{"ownerOf"})) {
			continue
		}
		for _, f := range c.Functions {
			want, ok := sigs[f.Name]
			if !ok || paramCountOf(f) != want.params {
				continue
			}
			got := returnTypes(f)
			if strings.Join(got, ",") != strings.Join(want.returns, ",") {
				ps.report(c.File, spanNode{f.Def.Pos(), f.Def.Pos()}, c, f, standard+" "+f.Name+" returns ("+strings.Join(got, ", ")+"); the standard says ("+strings.Join(want.returns, ", ")+")")
			}
		}
	}
}

func declaresAll(c *analysis.Contract, names []string) bool {
	for _, n := range names {
		found := false
		for _, k := range c.Linearization {
			for _, f := range k.Functions {
				if f.Name == n {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func paramCountOf(f *analysis.Function) int {
	if f.Def.Parameters == nil {
		return 0
	}
	return len(f.Def.Parameters.Parameters)
}

func returnTypes(f *analysis.Function) []string {
	var out []string
	if f.Def.ReturnParams == nil {
		return out
	}
	for _, d := range f.Def.ReturnParams.Parameters {
		if d != nil {
			out = append(out, analysis.TypeString(d.TypeName))
		}
	}
	return out
}

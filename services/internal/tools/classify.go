package tools

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
)

// Classification is how a tool's detector maps onto the finding model.
type Classification struct {
	// SWC is the weakness's SWC id, "" when none fits.
	SWC  string
	DASP findings.DASP
	// Class names the weakness for merging when there is no SWC id: the
	// same class from two tools at overlapping places is one finding. It
	// is the SWC id when there is one.
	Class string
	// Severity and Confidence, when set, replace what the tool reported:
	// a linter's "error" level says how strict the rule is, not how much
	// harm the issue can do. Zero keeps the tool's own values.
	Severity   findings.Severity
	Confidence findings.Confidence
}

// swcDASP is the DASP category of each SWC entry, as the built-in engine's
// detectors classify them, so that every tool files a weakness under the
// same category.
var swcDASP = map[string]findings.DASP{
	"SWC-100": findings.DASPAccessControl, "SWC-101": findings.DASPArithmetic,
	"SWC-102": findings.DASPUnknownUnknowns, "SWC-103": findings.DASPUnknownUnknowns,
	"SWC-104": findings.DASPUncheckedCalls, "SWC-105": findings.DASPAccessControl,
	"SWC-106": findings.DASPAccessControl, "SWC-107": findings.DASPReentrancy,
	"SWC-108": findings.DASPAccessControl, "SWC-109": findings.DASPUnknownUnknowns,
	"SWC-110": findings.DASPUnknownUnknowns, "SWC-111": findings.DASPUnknownUnknowns,
	"SWC-112": findings.DASPAccessControl, "SWC-113": findings.DASPDenialOfService,
	"SWC-114": findings.DASPFrontRunning, "SWC-115": findings.DASPAccessControl,
	"SWC-116": findings.DASPTimeManipulation, "SWC-117": findings.DASPUnknownUnknowns,
	"SWC-118": findings.DASPAccessControl, "SWC-119": findings.DASPUnknownUnknowns,
	"SWC-120": findings.DASPBadRandomness, "SWC-121": findings.DASPAccessControl,
	"SWC-122": findings.DASPAccessControl, "SWC-123": findings.DASPUnknownUnknowns,
	"SWC-124": findings.DASPAccessControl, "SWC-125": findings.DASPUnknownUnknowns,
	"SWC-126": findings.DASPDenialOfService, "SWC-127": findings.DASPUnknownUnknowns,
	"SWC-128": findings.DASPDenialOfService, "SWC-129": findings.DASPUnknownUnknowns,
	"SWC-130": findings.DASPUnknownUnknowns, "SWC-131": findings.DASPUnknownUnknowns,
	"SWC-132": findings.DASPDenialOfService, "SWC-133": findings.DASPUnknownUnknowns,
	"SWC-134": findings.DASPDenialOfService, "SWC-135": findings.DASPUnknownUnknowns,
	"SWC-136": findings.DASPUnknownUnknowns,
}

// DASPForSWC returns the DASP category of an SWC id ("SWC-107" or "107").
func DASPForSWC(swc string) findings.DASP {
	return swcDASP[normalizeSWC(swc)]
}

var swcDigits = regexp.MustCompile(`^(?i:swc-?)?0*([0-9]{1,3})$`)

// normalizeSWC turns "107", "SWC-107" or "swc107" into "SWC-107", and
// anything else into "".
func normalizeSWC(s string) string {
	// The canonical form is by far the most common: skip the regexp.
	if len(s) == 7 && strings.HasPrefix(s, "SWC-") && s[4] >= '1' && isDigits(s[4:]) {
		return s
	}
	m := swcDigits.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	n, _ := strconv.Atoi(m[1])
	if n < 100 || n > 999 {
		return ""
	}
	return "SWC-" + strconv.Itoa(n)
}

// c builds a classification from an SWC id alone; class builds one for a
// weakness SWC does not list, with its DASP category.
func c(swc string) Classification {
	return Classification{SWC: swc, DASP: swcDASP[swc], Class: swc}
}

func class(name string, dasp findings.DASP) Classification {
	return Classification{Class: name, DASP: dasp}
}

// with overrides severity and confidence.
func (cl Classification) with(s findings.Severity, conf findings.Confidence) Classification {
	cl.Severity, cl.Confidence = s, conf
	return cl
}

// classifications maps tool → detector id → classification. Slither's ids
// are its `check` names (slither --list-detectors), Solhint's its rule ids;
// Mythril reports SWC ids itself, so it needs no table. Classes shared
// across tools (naming, locked-ether, low-level-calls, ...) are what lets
// the intelligence engine merge SWC-less findings of different tools.
var classifications = map[string]map[string]Classification{
	"slither": {
		"reentrancy-eth":              c("SWC-107"),
		"reentrancy-no-eth":           c("SWC-107"),
		"reentrancy-benign":           c("SWC-107"),
		"reentrancy-events":           c("SWC-107"),
		"reentrancy-unlimited-gas":    c("SWC-107"),
		"arbitrary-send-eth":          c("SWC-105"),
		"arbitrary-send":              c("SWC-105"),
		"arbitrary-send-erc20":        c("SWC-105"),
		"suicidal":                    c("SWC-106"),
		"controlled-delegatecall":     c("SWC-112"),
		"delegatecall-loop":           c("SWC-113"),
		"tx-origin":                   c("SWC-115"),
		"unchecked-lowlevel":          c("SWC-104"),
		"unchecked-send":              c("SWC-104"),
		"unchecked-transfer":          c("SWC-104"),
		"unused-return":               c("SWC-104"),
		"timestamp":                   c("SWC-116"),
		"weak-prng":                   c("SWC-120"),
		"solc-version":                c("SWC-102"),
		"pragma":                      c("SWC-103"),
		"shadowing-state":             c("SWC-119"),
		"shadowing-local":             c("SWC-119"),
		"shadowing-abstract":          c("SWC-119"),
		"uninitialized-storage":       c("SWC-109"),
		"uninitialized-local":         c("SWC-109"),
		"calls-loop":                  c("SWC-113"),
		"msg-value-loop":              c("SWC-113"),
		"incorrect-equality":          c("SWC-132"),
		"encode-packed-collision":     c("SWC-133"),
		"rtlo":                        c("SWC-130"),
		"deprecated-standards":        c("SWC-111"),
		"assert-state-change":         c("SWC-110"),
		"controlled-array-length":     c("SWC-124"),
		"unused-state":                c("SWC-131"),
		"write-after-write":           c("SWC-135"),
		"void-cst":                    c("SWC-135"),
		"uninitialized-state":         class("uninitialized-state", findings.DASPUnknownUnknowns),
		"locked-ether":                class("locked-ether", findings.DASPUnknownUnknowns),
		"erc20-interface":             class("erc20-interface", findings.DASPUnknownUnknowns),
		"erc721-interface":            class("erc721-interface", findings.DASPUnknownUnknowns),
		"unprotected-upgrade":         class("unprotected-initializer", findings.DASPAccessControl),
		"divide-before-multiply":      class("precision-loss", findings.DASPArithmetic),
		"missing-zero-check":          class("missing-zero-check", findings.DASPUnknownUnknowns),
		"low-level-calls":             class("low-level-calls", ""),
		"assembly":                    class("inline-assembly", ""),
		"naming-convention":           class("naming", ""),
		"dead-code":                   class("dead-code", ""),
		"external-function":           class("visibility-optimisation", ""),
		"constable-states":            class("state-could-be-constant", ""),
		"immutable-states":            class("state-could-be-constant", ""),
		"costly-loop":                 class("costly-loop", findings.DASPDenialOfService),
		"missing-events-access":       class("missing-events", ""),
		"missing-events-arithmetic":   class("missing-events", ""),
		"boolean-equal":               class("boolean-comparison", ""),
		"too-many-digits":             class("too-many-digits", ""),
		"cyclomatic-complexity":       class("complexity", ""),
		"incorrect-modifier":          class("incorrect-modifier", findings.DASPUnknownUnknowns),
		"incorrect-shift":             class("incorrect-shift", findings.DASPArithmetic),
		"tautology":                   class("tautology", ""),
		"domain-separator-collision":  class("domain-separator-collision", findings.DASPUnknownUnknowns),
		"protected-vars":              class("missing-access-control", findings.DASPAccessControl),
		"unprotected-initialize":      class("unprotected-initializer", findings.DASPAccessControl),
		"missing-inheritance":         class("missing-inheritance", ""),
		"redundant-statements":        c("SWC-135"),
		"array-by-reference":          class("array-by-reference", findings.DASPUnknownUnknowns),
		"incorrect-unary":             c("SWC-129"),
		"function-init-state":         class("function-init-state", ""),
		"public-mappings-nested":      class("public-mappings-nested", ""),
		"storage-array":               class("storage-array", findings.DASPUnknownUnknowns),
		"abiencoderv2-array":          class("abiencoderv2-array", findings.DASPUnknownUnknowns),
		"reused-constructor":          class("reused-constructor", ""),
		"events-maths":                class("missing-events", ""),
		"events-access":               class("missing-events", ""),
		"similar-names":               class("naming", ""),
		"variable-scope":              class("variable-scope", ""),
		"unimplemented-functions":     class("unimplemented-functions", ""),
		"shadowing-builtin":           c("SWC-119"),
		"constant-function-asm":       class("constant-function-state", ""),
		"constant-function-state":     class("constant-function-state", ""),
		"multiple-constructors":       class("multiple-constructors", ""),
		"name-reused":                 class("name-reused", ""),
		"enum-conversion":             class("enum-conversion", ""),
		"mapping-deletion":            class("mapping-deletion", ""),
		"incorrect-exp":               class("incorrect-exp", findings.DASPArithmetic),
		"return-leave":                class("return-leave", ""),
		"arbitrary-send-erc20-permit": c("SWC-105"),
	},
	// Solhint reports a lint level, so security rules get the severity of
	// the weakness and style rules stay informational.
	"solhint": {
		"avoid-tx-origin":         c("SWC-115").with(findings.SeverityMedium, findings.ConfidenceMedium),
		"reentrancy":              c("SWC-107").with(findings.SeverityMedium, findings.ConfidenceLow),
		"check-send-result":       c("SWC-104").with(findings.SeverityMedium, findings.ConfidenceMedium),
		"avoid-call-value":        c("SWC-107").with(findings.SeverityLow, findings.ConfidenceLow),
		"avoid-low-level-calls":   class("low-level-calls", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"avoid-suicide":           c("SWC-106").with(findings.SeverityLow, findings.ConfidenceMedium),
		"avoid-sha3":              c("SWC-111").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"avoid-throw":             c("SWC-111").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"avoid-var":               c("SWC-111").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"not-rely-on-time":        c("SWC-116").with(findings.SeverityLow, findings.ConfidenceLow),
		"not-rely-on-block-hash":  c("SWC-120").with(findings.SeverityLow, findings.ConfidenceLow),
		"compiler-version":        c("SWC-102").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"compiler-fixed":          c("SWC-103").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"func-visibility":         c("SWC-100").with(findings.SeverityLow, findings.ConfidenceHigh),
		"state-visibility":        c("SWC-108").with(findings.SeverityLow, findings.ConfidenceHigh),
		"multiple-sends":          c("SWC-113").with(findings.SeverityLow, findings.ConfidenceMedium),
		"no-inline-assembly":      class("inline-assembly", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"no-unused-vars":          c("SWC-131").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"no-unused-import":        class("unused-import", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"mark-callable-contracts": class("naming", "").with(findings.SeverityInformational, findings.ConfidenceMedium),
		"no-complex-fallback":     class("complex-fallback", findings.DASPDenialOfService).with(findings.SeverityLow, findings.ConfidenceMedium),
		"payable-fallback":        class("payable-fallback", "").with(findings.SeverityInformational, findings.ConfidenceMedium),
		"var-name-mixedcase":      class("naming", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"func-name-mixedcase":     class("naming", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"contract-name-camelcase": class("naming", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"const-name-snakecase":    class("naming", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"event-name-camelcase":    class("naming", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"modifier-name-mixedcase": class("naming", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"immutable-vars-naming":   class("naming", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"no-empty-blocks":         class("empty-block", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
		"code-complexity":         class("complexity", "").with(findings.SeverityInformational, findings.ConfidenceHigh),
	},
}

// Classify returns the classification of one tool's detector and whether
// the table knows it. Unknown detectors are still imported: their findings
// keep whatever the tool reported and merge only with themselves.
func Classify(tool, detector string) (Classification, bool) {
	cl, ok := classifications[tool][detector]
	return cl, ok
}

// WeaknessClass is the key findings are merged on: the SWC id when there
// is one, otherwise the class the table gives the tool's detector,
// otherwise "tool:detector", which merges with nothing from other tools.
func WeaknessClass(tool string, f *findings.Finding) string {
	if swc := normalizeSWC(f.SWC); swc != "" {
		return swc
	}
	if cl, ok := Classify(tool, f.ID); ok && cl.Class != "" {
		return cl.Class
	}
	if cl, ok := engineClasses[f.ID]; ok {
		return cl
	}
	return tool + ":" + f.ID
}

// engineClasses gives the built-in engine's SWC-less detectors the class
// other tools' equivalents have.
var engineClasses = map[string]string{
	"locked-ether":     "locked-ether",
	"erc20-interface":  "erc20-interface",
	"erc721-interface": "erc721-interface",
	"short-address":    "short-address",
}

// apply fills in what the table knows on a finding a tool produced.
func (cl Classification) apply(f *findings.Finding) {
	if cl.SWC != "" {
		f.SWC = cl.SWC
	}
	if cl.DASP != "" {
		f.DASP = cl.DASP
	} else if f.DASP == "" {
		f.DASP = swcDASP[f.SWC]
	}
	if cl.Severity != 0 {
		f.Severity = cl.Severity
	}
	if cl.Confidence != 0 {
		f.Confidence = cl.Confidence
	}
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// slug turns a tool's rule name ("External Call To User-Supplied Address",
// "solidity/reentrancy") into a detector id the finding model accepts.
func slug(s string) string {
	s = strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "unknown"
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

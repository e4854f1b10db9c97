package findings

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
)

// SARIF 2.1.0 as GitHub code scanning reads it. Only the parts we emit are
// modelled; every field GitHub requires is present on every object.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	// SRCROOT is the uriBaseId every artifact location is relative to: the
	// directory that was scanned, which GitHub maps to the repository root.
	SRCROOT = "%SRCROOT%"
	// FingerprintKey names our stable fingerprint in partialFingerprints.
	// The "/v1" suffix follows SARIF's convention of versioning the
	// fingerprint recipe in its key.
	FingerprintKey = "solsecFingerprint/v1"
	// CodeHashKey names a hash of the normalised offending code alone, which
	// stays equal when the function or file is renamed; a consumer can use it
	// to follow a finding across such refactors.
	CodeHashKey = "solsecCodeHash/v1"
)

// SARIFLog is the top-level SARIF document.
type SARIFLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []SARIFRun `json:"runs"`
}

// SARIFRun is one run of one tool.
type SARIFRun struct {
	Tool        SARIFTool         `json:"tool"`
	Invocations []SARIFInvocation `json:"invocations,omitempty"`
	Results     []SARIFResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
}

// SARIFTool describes the analysis tool of a run.
type SARIFTool struct {
	Driver SARIFDriver `json:"driver"`
}

// SARIFDriver is the tool component that ran: solsec and its rules.
type SARIFDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []SARIFRule `json:"rules"`
}

// SARIFText is a plain-text message.
type SARIFText struct {
	Text string `json:"text"`
}

// SARIFMultiformat is a message in plain text and, optionally, Markdown.
type SARIFMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// SARIFRule (a reportingDescriptor in the specification) describes one detector.
type SARIFRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     SARIFText          `json:"shortDescription"`
	FullDescription      SARIFText          `json:"fullDescription"`
	Help                 SARIFMultiformat   `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration SARIFConfiguration `json:"defaultConfiguration"`
	Properties           SARIFRuleProps     `json:"properties"`
}

// SARIFConfiguration is a rule's default configuration.
type SARIFConfiguration struct {
	Level string `json:"level"`
}

// SARIFRuleProps carries GitHub's rule properties: tags are shown and
// filterable, security-severity (a number in a string) sets the alert's
// security severity, precision reflects the detector's confidence.
type SARIFRuleProps struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
	Precision        string   `json:"precision"`
	ProblemSeverity  string   `json:"problem.severity"`
}

// SARIFResult is one finding.
type SARIFResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             SARIFText         `json:"message"`
	Locations           []SARIFLocation   `json:"locations"`
	RelatedLocations    []SARIFLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          *SARIFResultProps `json:"properties,omitempty"`
}

// SARIFResultProps keeps our own severity and confidence on a result, since
// SARIF levels cannot tell low from informational.
type SARIFResultProps struct {
	Confidence string `json:"confidence"`
	Severity   string `json:"severity"`
}

// SARIFLocation is a place in a file, with the declarations enclosing it.
type SARIFLocation struct {
	ID               int                    `json:"id,omitempty"`
	PhysicalLocation SARIFPhysicalLocation  `json:"physicalLocation"`
	LogicalLocations []SARIFLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *SARIFText             `json:"message,omitempty"`
}

// SARIFPhysicalLocation is a file and a region of it.
type SARIFPhysicalLocation struct {
	ArtifactLocation SARIFArtifactLocation `json:"artifactLocation"`
	Region           *SARIFRegion          `json:"region,omitempty"`
}

// SARIFArtifactLocation is a file, relative to a base URI id.
type SARIFArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// SARIFRegion is a span of lines and columns, 1-based, end column exclusive.
type SARIFRegion struct {
	StartLine   int        `json:"startLine"`
	StartColumn int        `json:"startColumn,omitempty"`
	EndLine     int        `json:"endLine,omitempty"`
	EndColumn   int        `json:"endColumn,omitempty"`
	Snippet     *SARIFText `json:"snippet,omitempty"`
}

// SARIFLogicalLocation names a contract or function.
type SARIFLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

// SARIFInvocation records whether the run analysed every file.
type SARIFInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []SARIFNotification `json:"toolExecutionNotifications,omitempty"`
}

// SARIFNotification reports a file the run could not analyse.
type SARIFNotification struct {
	Level     string          `json:"level"`
	Message   SARIFText       `json:"message"`
	Locations []SARIFLocation `json:"locations,omitempty"`
}

// SARIFOptions adjusts the conversion to SARIF.
type SARIFOptions struct {
	// Rules lists rules to describe even when they reported nothing (the CLI
	// passes every enabled detector, so GitHub can close alerts whose rule
	// ran and found nothing); a rule given here wins over the fields copied
	// into findings.
	Rules []Rule
	// Source, when set, returns the content of a scanned file by its report
	// path. Columns on lines of that file are then converted from the bytes
	// Location counts to the UTF-16 code units SARIF counts, which differ
	// after a non-ASCII character on the same line. Without it, or when a
	// location's offsets do not match the content, columns are written as
	// they are.
	Source func(file string) ([]byte, bool)
}

// ToSARIF converts a normalised report into a SARIF log with one run, with
// extraRules as in SARIFOptions.Rules. Rules are sorted by id and each
// result's ruleIndex points into that list.
func ToSARIF(r *Report, extraRules ...Rule) (*SARIFLog, error) {
	return ToSARIFWithOptions(r, SARIFOptions{Rules: extraRules})
}

// ToSARIFWithOptions is ToSARIF with every option.
func ToSARIFWithOptions(r *Report, opts SARIFOptions) (*SARIFLog, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("invalid report: %w", err)
	}
	rules := map[string]Rule{}
	for _, rule := range opts.Rules {
		if err := rule.Validate(); err != nil {
			return nil, fmt.Errorf("invalid rule: %w", err)
		}
		rules[rule.ID] = rule
	}
	for _, f := range r.Findings {
		if _, ok := rules[f.ID]; !ok {
			rules[f.ID] = f.Rule
		}
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := make(map[string]int, len(ids))
	run := SARIFRun{
		Tool: SARIFTool{Driver: SARIFDriver{
			Name:           r.Tool.Name,
			Version:        r.Tool.Version,
			InformationURI: r.Tool.InformationURI,
			Rules:          make([]SARIFRule, 0, len(ids)),
		}},
		Results:    make([]SARIFResult, 0, len(r.Findings)),
		ColumnKind: "utf16CodeUnits",
	}
	for i, id := range ids {
		index[id] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule(rules[id]))
	}
	for _, f := range r.Findings {
		if opts.Source != nil {
			f.Locations = utf16Locations(f.Locations, opts.Source)
		}
		run.Results = append(run.Results, sarifResult(f, index[f.ID]))
	}
	inv := SARIFInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	for _, e := range r.Errors {
		n := SARIFNotification{Level: "error", Message: SARIFText{Text: e.Message}}
		loc := SARIFLocation{PhysicalLocation: SARIFPhysicalLocation{ArtifactLocation: artifact(e.File)}}
		if e.Line > 0 {
			loc.PhysicalLocation.Region = &SARIFRegion{StartLine: e.Line, StartColumn: e.Column}
		}
		n.Locations = []SARIFLocation{loc}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	run.Invocations = []SARIFInvocation{inv}
	return &SARIFLog{Schema: sarifSchema, Version: sarifVersion, Runs: []SARIFRun{run}}, nil
}

// WriteSARIF writes the report as an indented SARIF 2.1.0 document.
func WriteSARIF(w io.Writer, r *Report, extraRules ...Rule) error {
	return WriteSARIFWithOptions(w, r, SARIFOptions{Rules: extraRules})
}

// WriteSARIFWithOptions is WriteSARIF with every option.
func WriteSARIFWithOptions(w io.Writer, r *Report, opts SARIFOptions) error {
	log, err := ToSARIFWithOptions(r, opts)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	return nil
}

func sarifRule(r Rule) SARIFRule {
	tags := []string{"security", "solidity"}
	if r.SWC != "" {
		tags = append(tags, r.SWC)
	}
	if r.DASP != "" {
		tags = append(tags, r.DASP.tag())
	}
	full := r.Description
	if full == "" {
		full = r.Title
	}
	return SARIFRule{
		ID:                   r.ID,
		Name:                 ruleName(r.ID),
		ShortDescription:     SARIFText{Text: r.Title},
		FullDescription:      SARIFText{Text: full},
		Help:                 SARIFMultiformat{Text: helpText(r), Markdown: helpMarkdown(r)},
		HelpURI:              helpURL(r),
		DefaultConfiguration: SARIFConfiguration{Level: r.Severity.sarifLevel()},
		Properties: SARIFRuleProps{
			Tags:             tags,
			SecuritySeverity: r.Severity.securityScore(),
			Precision:        precision(r.Confidence),
			ProblemSeverity:  problemSeverity(r.Severity),
		},
	}
}

func sarifResult(f Finding, ruleIndex int) SARIFResult {
	res := SARIFResult{
		RuleID:    f.ID,
		RuleIndex: ruleIndex,
		Level:     f.Severity.sarifLevel(),
		Message:   SARIFText{Text: f.Message},
		PartialFingerprints: map[string]string{
			FingerprintKey: f.Fingerprint,
			CodeHashKey:    codeHash(f),
		},
		Properties: &SARIFResultProps{Confidence: f.Confidence.String(), Severity: f.Severity.String()},
	}
	primary := sarifLocation(f.Primary())
	if f.Contract != "" || f.Function != "" {
		primary.LogicalLocations = []SARIFLogicalLocation{logicalLocation(f.Contract, f.Function)}
	}
	res.Locations = []SARIFLocation{primary}
	for i, l := range f.Locations[1:] {
		rel := sarifLocation(l)
		rel.ID = i + 1
		if l.Message != "" {
			rel.Message = &SARIFText{Text: l.Message}
		}
		res.RelatedLocations = append(res.RelatedLocations, rel)
	}
	return res
}

func sarifLocation(l Location) SARIFLocation {
	region := &SARIFRegion{
		StartLine:   l.StartLine,
		StartColumn: l.StartColumn,
		EndLine:     l.EndLine,
		EndColumn:   l.EndColumn,
	}
	if l.Snippet != "" {
		region.Snippet = &SARIFText{Text: l.Snippet}
	}
	return SARIFLocation{PhysicalLocation: SARIFPhysicalLocation{ArtifactLocation: artifact(l.File), Region: region}}
}

// artifact makes a relative, percent-encoded URI; GitHub resolves it against
// the repository root through %SRCROOT%.
func artifact(file string) SARIFArtifactLocation {
	u := url.URL{Path: cleanPath(file)}
	return SARIFArtifactLocation{URI: strings.TrimPrefix(u.String(), "./"), URIBaseID: SRCROOT}
}

func logicalLocation(contract, function string) SARIFLogicalLocation {
	if function == "" {
		return SARIFLogicalLocation{Name: contract, FullyQualifiedName: contract, Kind: "type"}
	}
	fq := function
	if contract != "" {
		fq = contract + "." + function
	}
	return SARIFLogicalLocation{Name: function, FullyQualifiedName: fq, Kind: "function"}
}

func codeHash(f Finding) string {
	p := f.Primary()
	code := p.Snippet
	if strings.TrimSpace(code) == "" {
		code = f.Message
	}
	return Fingerprint(f.ID, "", "", "", code)
}

// ruleName turns "reentrancy-eth" into "ReentrancyEth": SARIF's rule name is
// an identifier-like string distinct from the id.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part == "" {
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// helpURL falls back to the SWC registry entry when the detector has no
// page of its own.
func helpURL(r Rule) string {
	if r.HelpURL != "" {
		return r.HelpURL
	}
	if r.SWC != "" {
		return "https://swcregistry.io/docs/" + r.SWC
	}
	return ""
}

func helpText(r Rule) string {
	parts := []string{r.Title}
	if r.Description != "" {
		parts = append(parts, r.Description)
	}
	if r.Recommendation != "" {
		parts = append(parts, "Recommendation: "+r.Recommendation)
	}
	parts = append(parts, classification(r, false))
	return strings.Join(parts, "\n\n")
}

func helpMarkdown(r Rule) string {
	parts := []string{"## " + r.Title}
	if r.Description != "" {
		parts = append(parts, r.Description)
	}
	if r.Recommendation != "" {
		parts = append(parts, "### Recommendation\n\n"+r.Recommendation)
	}
	parts = append(parts, classification(r, true))
	return strings.Join(parts, "\n\n")
}

func classification(r Rule, markdown bool) string {
	fields := []string{
		"Severity: " + r.Severity.String(),
		"Confidence: " + r.Confidence.String(),
	}
	if r.SWC != "" {
		swc := r.SWC
		if markdown {
			swc = fmt.Sprintf("[%s](https://swcregistry.io/docs/%s)", r.SWC, r.SWC)
		}
		fields = append(fields, "SWC: "+swc)
	}
	if r.DASP != "" {
		fields = append(fields, "DASP: "+string(r.DASP))
	}
	if markdown {
		return "- " + strings.Join(fields, "\n- ")
	}
	return strings.Join(fields, "; ")
}

// precision maps confidence onto GitHub's precision property, whose values
// are very-high, high, medium and low.
func precision(c Confidence) string {
	return cmp.Or(map[Confidence]string{ConfidenceHigh: "high", ConfidenceMedium: "medium", ConfidenceLow: "low"}[c], "medium")
}

// problemSeverity is what GitHub shows for a rule when security-severity is
// ignored (non-security views): error, warning or recommendation.
func problemSeverity(s Severity) string {
	switch s {
	case SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	default:
		return "recommendation"
	}
}

// utf16Locations returns a copy of locs whose columns count UTF-16 code
// units, for the locations whose file content source can supply.
func utf16Locations(locs []Location, source func(string) ([]byte, bool)) []Location {
	out := slices.Clone(locs)
	for i := range out {
		src, ok := source(out[i].File)
		if !ok {
			continue
		}
		start, okStart := utf16Column(src, out[i].StartOffset, out[i].StartColumn)
		end, okEnd := utf16Column(src, out[i].EndOffset, out[i].EndColumn)
		if okStart && okEnd {
			out[i].StartColumn, out[i].EndColumn = start, end
		}
	}
	return out
}

// utf16Column converts the 1-based byte column of offset into UTF-16 code
// units. It reports false when offset lies outside src or does not sit at
// byteColumn on its line, in which case the location does not describe this
// content and is left alone.
func utf16Column(src []byte, offset, byteColumn int) (int, bool) {
	if offset < 0 || offset > len(src) {
		return 0, false
	}
	lineStart := bytes.LastIndexByte(src[:offset], '\n') + 1
	if offset-lineStart+1 != byteColumn {
		return 0, false
	}
	units := 0
	for _, r := range string(src[lineStart:offset]) {
		units += utf16.RuneLen(r)
	}
	return units + 1, true
}

package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
)

// The subset of SARIF 2.1.0 the importer reads: runs, each with its tool's
// rules and its results; a result's rule (by id or index), level, message,
// physical locations and properties. Everything else is ignored.
type sarifLog struct {
	Version *string    `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool struct {
		Driver struct {
			Name    string      `json:"name"`
			Version string      `json:"version"`
			Rules   []sarifRule `json:"rules"`
		} `json:"driver"`
	} `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifRule struct {
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	ShortDescription *sarifMessage   `json:"shortDescription"`
	FullDescription  *sarifMessage   `json:"fullDescription"`
	Help             *sarifMessage   `json:"help"`
	HelpURI          string          `json:"helpUri"`
	DefaultConfig    *sarifRuleLevel `json:"defaultConfiguration"`
	Properties       sarifProperties `json:"properties"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifProperties struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is GitHub's numeric severity, a string in GitHub's
	// own documents and a number in some producers'.
	SecuritySeverity json.RawMessage `json:"security-severity"`
	Precision        string          `json:"precision"`
	SWC              string          `json:"swc"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  *int            `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifMessage    `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties sarifProperties `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *struct {
			StartLine   int           `json:"startLine"`
			StartColumn int           `json:"startColumn"`
			EndLine     int           `json:"endLine"`
			EndColumn   int           `json:"endColumn"`
			CharOffset  *int          `json:"charOffset"`
			CharLength  int           `json:"charLength"`
			Snippet     *sarifMessage `json:"snippet"`
		} `json:"region"`
	} `json:"physicalLocation"`
	Message *sarifMessage `json:"message"`
}

// ParseSARIF converts a SARIF 2.1.0 log to findings. Severity comes from
// the rule's (or result's) `security-severity` property when present, in
// GitHub's buckets, otherwise from the level (error high, warning medium,
// note low, none informational); confidence from the rule's `precision`
// (medium when absent); SWC and DASP from tags such as "SWC-107" and
// "DASP-1", or an "swc" property. Results without a physical location are
// errors: a finding must point somewhere.
func ParseSARIF(data []byte) ([]findings.Finding, error) {
	var log sarifLog
	if err := decodeStrict(data, &log); err != nil {
		return nil, fmt.Errorf("sarif: %w", err)
	}
	if log.Version == nil || *log.Version != "2.1.0" {
		return nil, errors.New("sarif: not a SARIF 2.1.0 log: version must be \"2.1.0\"")
	}
	if log.Runs == nil {
		return nil, errors.New("sarif: no \"runs\" array")
	}
	fs := []findings.Finding{}
	for ri, run := range log.Runs {
		rules := map[string]*sarifRule{}
		for i := range run.Tool.Driver.Rules {
			rules[run.Tool.Driver.Rules[i].ID] = &run.Tool.Driver.Rules[i]
		}
		for i, res := range run.Results {
			f, err := sarifFinding(run, rules, res)
			if err != nil {
				return nil, fmt.Errorf("sarif: run %d (%s) result %d: %w", ri, run.Tool.Driver.Name, i, err)
			}
			fs = append(fs, f)
		}
	}
	return fs, nil
}

func sarifFinding(run sarifRun, rules map[string]*sarifRule, res sarifResult) (findings.Finding, error) {
	var rule *sarifRule
	switch {
	case res.RuleID != "":
		rule = rules[res.RuleID]
	case res.RuleIndex != nil && *res.RuleIndex >= 0 && *res.RuleIndex < len(run.Tool.Driver.Rules):
		rule = &run.Tool.Driver.Rules[*res.RuleIndex]
		res.RuleID = rule.ID
	}
	if res.RuleID == "" {
		return findings.Finding{}, errors.New("no ruleId")
	}
	if rule == nil {
		rule = &sarifRule{ID: res.RuleID}
	}
	f := findings.Finding{
		Rule: findings.Rule{
			ID: slug(res.RuleID), Title: firstNonEmpty(textOf(rule.ShortDescription), rule.Name, res.RuleID),
			Description: textOf(rule.FullDescription), HelpURL: rule.HelpURI,
		},
		Message: strings.TrimSpace(res.Message.Text),
	}
	if f.Message == "" {
		f.Message = f.Title
	}
	sev, err := sarifSeverity(rule, res)
	if err != nil {
		return findings.Finding{}, err
	}
	f.Severity = sev
	f.Confidence = sarifConfidence(firstNonEmpty(res.Properties.Precision, rule.Properties.Precision))
	for _, tags := range [][]string{res.Properties.Tags, rule.Properties.Tags, {res.Properties.SWC, rule.Properties.SWC}} {
		for _, t := range tags {
			if swc := normalizeSWC(t); swc != "" && f.SWC == "" {
				f.SWC = swc
			}
			if d := daspTag(t); d != "" && f.DASP == "" {
				f.DASP = d
			}
		}
	}
	if f.DASP == "" {
		f.DASP = swcDASP[f.SWC]
	}
	for _, l := range res.Locations {
		pl := l.PhysicalLocation
		if pl == nil || pl.ArtifactLocation.URI == "" {
			continue
		}
		loc := findings.Location{File: sarifURI(pl.ArtifactLocation.URI), StartLine: 1, StartColumn: 1}
		if r := pl.Region; r != nil {
			loc.StartLine = max(r.StartLine, 1)
			loc.StartColumn = max(r.StartColumn, 1)
			if r.CharOffset != nil && *r.CharOffset >= 0 {
				loc.StartOffset = *r.CharOffset
				loc.EndOffset = *r.CharOffset + max(r.CharLength, 0)
			}
			if r.Snippet != nil {
				loc.Snippet = r.Snippet.Text
			}
			loc.EndLine, loc.EndColumn = r.EndLine, r.EndColumn
		}
		// SARIF defaults: endLine is startLine; endColumn is the end of
		// the line, which the model cannot express without the source, so
		// the start column stands in (Enrich widens it when it can).
		if loc.EndLine < loc.StartLine {
			loc.EndLine = loc.StartLine
		}
		if loc.EndColumn < 1 || (loc.EndLine == loc.StartLine && loc.EndColumn < loc.StartColumn) {
			loc.EndColumn = loc.StartColumn
		}
		if len(f.Locations) > 0 && l.Message != nil {
			loc.Message = l.Message.Text
		}
		f.Locations = append(f.Locations, loc)
	}
	if len(f.Locations) == 0 {
		return findings.Finding{}, fmt.Errorf("rule %s: no physical location", res.RuleID)
	}
	return f, nil
}

func textOf(m *sarifMessage) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m.Text)
}

// sarifSeverity prefers the numeric security-severity (GitHub's buckets:
// 7.0 and above high, 4.0 medium, above 0 low) and falls back to the level.
func sarifSeverity(rule *sarifRule, res sarifResult) (findings.Severity, error) {
	for _, raw := range []json.RawMessage{res.Properties.SecuritySeverity, rule.Properties.SecuritySeverity} {
		if len(raw) == 0 {
			continue
		}
		text := strings.Trim(string(raw), `"`)
		score, err := strconv.ParseFloat(text, 64)
		if err != nil || score < 0 || score > 10 {
			return 0, fmt.Errorf("rule %s: security-severity %s is not a number from 0 to 10", res.RuleID, raw)
		}
		switch {
		case score >= 7:
			return findings.SeverityHigh, nil
		case score >= 4:
			return findings.SeverityMedium, nil
		case score > 0:
			return findings.SeverityLow, nil
		}
		return findings.SeverityInformational, nil
	}
	level := res.Level
	if level == "" && rule.DefaultConfig != nil {
		level = rule.DefaultConfig.Level
	}
	switch level {
	case "error":
		return findings.SeverityHigh, nil
	case "warning", "": // SARIF's default level is warning
		return findings.SeverityMedium, nil
	case "note":
		return findings.SeverityLow, nil
	case "none":
		return findings.SeverityInformational, nil
	}
	return 0, fmt.Errorf("rule %s: unknown level %q", res.RuleID, level)
}

// sarifConfidence maps GitHub's precision property.
func sarifConfidence(precision string) findings.Confidence {
	switch strings.ToLower(precision) {
	case "very-high", "high":
		return findings.ConfidenceHigh
	case "low":
		return findings.ConfidenceLow
	}
	return findings.ConfidenceMedium
}

// daspTag reads "DASP-1" (or a full category name) as a DASP category.
func daspTag(t string) findings.DASP {
	for _, d := range findings.DASPCategories {
		full := string(d)
		if strings.EqualFold(t, full) || strings.EqualFold(t, full[:strings.IndexByte(full, ' ')]) {
			return d
		}
	}
	return ""
}

// sarifURI turns an artifact URI into a path: file:// URIs lose their
// scheme and percent-escapes are decoded.
func sarifURI(uri string) string {
	if u, err := url.Parse(uri); err == nil && (u.Scheme == "file" || u.Scheme == "") {
		if u.Path != "" {
			return u.Path
		}
	}
	return uri
}

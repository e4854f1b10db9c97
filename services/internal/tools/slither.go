package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
)

// slitherOutput is the document `slither --json -` writes: a success flag,
// an error message and, per detector result, the check name, impact,
// confidence, description and the source elements involved.
type slitherOutput struct {
	Success *bool   `json:"success"`
	Error   *string `json:"error"`
	Results *struct {
		Detectors []slitherDetector `json:"detectors"`
	} `json:"results"`
}

type slitherDetector struct {
	Check       string           `json:"check"`
	Impact      string           `json:"impact"`
	Confidence  string           `json:"confidence"`
	Description string           `json:"description"`
	FirstMD     string           `json:"first_markdown_element"`
	Elements    []slitherElement `json:"elements"`
}

type slitherElement struct {
	Type          string               `json:"type"`
	Name          string               `json:"name"`
	SourceMapping *slitherSourceMap    `json:"source_mapping"`
	TypeSpecific  *slitherTypeSpecific `json:"type_specific_fields"`
}

type slitherSourceMap struct {
	Start            int    `json:"start"`
	Length           int    `json:"length"`
	FilenameRelative string `json:"filename_relative"`
	FilenameAbsolute string `json:"filename_absolute"`
	FilenameShort    string `json:"filename_short"`
	IsDependency     bool   `json:"is_dependency"`
	Lines            []int  `json:"lines"`
	StartingColumn   int    `json:"starting_column"`
	EndingColumn     int    `json:"ending_column"`
}

type slitherTypeSpecific struct {
	Parent *slitherElement `json:"parent"`
}

// ParseSlither converts Slither's JSON output to findings. Impact
// "Optimization" becomes informational; the detector's SWC and DASP come
// from the classification table. Output with success false is an error
// carrying Slither's own message.
func ParseSlither(data []byte) ([]findings.Finding, error) {
	var out slitherOutput
	if err := decodeStrict(data, &out); err != nil {
		return nil, fmt.Errorf("slither: %w", err)
	}
	if out.Success == nil {
		return nil, errors.New("slither: not Slither JSON output: no \"success\" field")
	}
	if !*out.Success {
		msg := "no error message"
		if out.Error != nil && *out.Error != "" {
			msg = lastLine(*out.Error)
		}
		return nil, fmt.Errorf("slither reported failure: %s", msg)
	}
	fs := []findings.Finding{}
	if out.Results == nil {
		return fs, nil
	}
	for i, d := range out.Results.Detectors {
		f, err := slitherFinding(d)
		if err != nil {
			return nil, fmt.Errorf("slither: result %d (%s): %w", i, d.Check, err)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

func slitherFinding(d slitherDetector) (findings.Finding, error) {
	if d.Check == "" {
		return findings.Finding{}, errors.New("no check name")
	}
	sev, err := toolSeverity(d.Impact)
	if err != nil {
		return findings.Finding{}, err
	}
	conf, err := findings.ParseConfidence(d.Confidence)
	if err != nil {
		return findings.Finding{}, err
	}
	f := findings.Finding{
		Rule: findings.Rule{
			ID: slug(d.Check), Title: d.Check, Severity: sev, Confidence: conf,
			HelpURL: "https://github.com/crytic/slither/wiki/Detector-Documentation#" + d.Check,
		},
		Message: strings.TrimSpace(d.Description),
	}
	if cl, ok := Classify("slither", d.Check); ok {
		cl.apply(&f)
	}
	for _, e := range d.Elements {
		sm := e.SourceMapping
		if sm == nil || len(sm.Lines) == 0 {
			continue
		}
		loc := findings.Location{
			File:        firstNonEmpty(sm.FilenameRelative, sm.FilenameShort, sm.FilenameAbsolute),
			StartLine:   sm.Lines[0],
			EndLine:     sm.Lines[len(sm.Lines)-1],
			StartColumn: max(sm.StartingColumn, 1),
			EndColumn:   max(sm.EndingColumn, 1),
			StartOffset: sm.Start,
			EndOffset:   sm.Start + sm.Length,
		}
		if loc.EndLine == loc.StartLine && loc.EndColumn < loc.StartColumn {
			loc.EndColumn = loc.StartColumn
		}
		if len(f.Locations) > 0 {
			loc.Message = strings.TrimSpace(e.Type + " " + e.Name)
		} else {
			f.Contract, f.Function = slitherScope(e)
		}
		f.Locations = append(f.Locations, loc)
	}
	if len(f.Locations) == 0 {
		return findings.Finding{}, errors.New("no element with a source location")
	}
	if f.Message == "" {
		f.Message = d.Check
	}
	return f, nil
}

// slitherScope names the contract and function enclosing an element from
// its parent chain: a function's parent is its contract, a node's (a
// statement's) parent is its function.
func slitherScope(e slitherElement) (contract, function string) {
	for el, depth := &e, 0; el != nil && depth < 4; depth++ {
		switch el.Type {
		case "function", "modifier":
			if function == "" {
				function = strings.SplitN(el.Name, "(", 2)[0]
			}
		case "contract":
			return el.Name, function
		}
		if el.TypeSpecific == nil {
			break
		}
		el = el.TypeSpecific.Parent
	}
	return "", function
}

// toolSeverity reads an impact or severity name; Slither's "Optimization"
// is informational.
func toolSeverity(s string) (findings.Severity, error) {
	if strings.EqualFold(strings.TrimSpace(s), "optimization") {
		return findings.SeverityInformational, nil
	}
	return findings.ParseSeverity(s)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// decodeStrict decodes one JSON document and rejects trailing data, so that
// output cut short or followed by junk is an error, not a partial result.
// Leading log lines some tools print before their JSON are an error too:
// the adapters are given the tool's standard output only.
func decodeStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty output")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: data after the document")
	}
	return nil
}

// Package iampolicy builds IAM and KMS policy documents as typed values, so
// that components write policies as Go data (checked by the compiler and
// by tests that parse them back) rather than as JSON strings.
package iampolicy

import "encoding/json"

// Document is an IAM, KMS or resource policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document. Resource is a string or a
// list of strings; Principal is omitted for identity policies.
type Statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition Condition      `json:"Condition,omitempty"`
}

// Condition maps an operator (StringEquals, ArnLike, ...) to key/value pairs.
type Condition map[string]map[string]any

// New returns a document of the current policy language version.
func New(statements ...Statement) Document {
	return Document{Version: "2012-10-17", Statement: statements}
}

// Allow is a statement allowing actions on resources.
func Allow(sid string, actions []string, resources ...string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// When returns the statement with a condition added.
func (s Statement) When(operator, key string, value any) Statement {
	c := Condition{}
	for op, kv := range s.Condition {
		c[op] = map[string]any{}
		for k, v := range kv {
			c[op][k] = v
		}
	}
	if c[operator] == nil {
		c[operator] = map[string]any{}
	}
	c[operator][key] = value
	s.Condition = c
	return s
}

// JSON renders the document. Marshalling these plain types cannot fail,
// so the error is dropped rather than threaded through every caller.
func (d Document) JSON() string {
	b, _ := json.Marshal(d)
	return string(b)
}

// Parse reads a document back, for tests and policy checks.
func Parse(s string) (Document, error) {
	var raw struct {
		Version   string `json:"Version"`
		Statement []struct {
			Sid       string         `json:"Sid"`
			Effect    string         `json:"Effect"`
			Principal map[string]any `json:"Principal"`
			Action    any            `json:"Action"`
			Resource  any            `json:"Resource"`
			Condition Condition      `json:"Condition"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return Document{}, err
	}
	d := Document{Version: raw.Version}
	for _, st := range raw.Statement {
		d.Statement = append(d.Statement, Statement{
			Sid: st.Sid, Effect: st.Effect, Principal: st.Principal,
			Action: strings(st.Action), Resource: strings(st.Resource), Condition: st.Condition,
		})
	}
	return d, nil
}

// Resources returns a statement's resources as a list.
func (s Statement) Resources() []string { return strings(s.Resource) }

func strings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

package rules

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// View reads a property value and records, in a flag shared by every view
// derived from it, whether anything it read was Unknown. Missing values
// read as zero values, so checks stay short: a missing "encrypted" is false.
type View struct {
	v       any
	unknown *bool
}

func newView(props map[string]any) (View, *bool) {
	u := false
	return View{v: props, unknown: &u}, &u
}

// NewView wraps a plain value (for stack policies that read props).
func NewView(v any) View { u := false; return View{v: v, unknown: &u} }

// Unknown reports whether anything read through this view so far was Unknown.
func (v View) Unknown() bool { return *v.unknown }

// At follows a path of map keys.
func (v View) At(path ...string) View {
	cur := v.v
	for _, k := range path {
		if IsUnknown(cur) {
			break
		}
		m, ok := cur.(map[string]any)
		if !ok {
			cur = nil
			break
		}
		cur = m[k]
	}
	if IsUnknown(cur) {
		*v.unknown = true
	}
	return View{v: cur, unknown: v.unknown}
}

// Set reports whether the value at path is present (not nil, not "").
func (v View) Set(path ...string) bool {
	x := v.At(path...).v
	if IsUnknown(x) {
		return true
	}
	if s, ok := x.(string); ok {
		return s != ""
	}
	return x != nil
}

// Str is the string at path ("" when missing or not a string).
func (v View) Str(path ...string) string {
	switch x := v.At(path...).v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// Bool is the boolean at path; the strings "true"/"false" count, as some
// providers (launch template EBS settings) take booleans as strings.
func (v View) Bool(path ...string) bool {
	switch x := v.At(path...).v.(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(x)
		return b
	}
	return false
}

// BoolOr is Bool with a default for a missing value.
func (v View) BoolOr(def bool, path ...string) bool {
	w := v.At(path...)
	if w.v == nil {
		return def
	}
	return w.Bool()
}

// Num is the number at path (numeric strings count), 0 when missing.
func (v View) Num(path ...string) float64 {
	switch x := v.At(path...).v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

// List is the list at path, each element a view.
func (v View) List(path ...string) []View {
	w := v.At(path...)
	xs, ok := w.v.([]any)
	if !ok {
		return nil
	}
	out := make([]View, len(xs))
	for i, x := range xs {
		if IsUnknown(x) {
			*v.unknown = true
		}
		out[i] = View{v: x, unknown: v.unknown}
	}
	return out
}

// Strings is the list of strings at path.
func (v View) Strings(path ...string) []string {
	var out []string
	for _, e := range v.List(path...) {
		if s, ok := e.v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Keys are the keys of the map at path.
func (v View) Keys(path ...string) []string {
	m, _ := v.At(path...).v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Raw is the plain value at path.
func (v View) Raw(path ...string) any { return v.At(path...).v }

// FromPropertyMap turns Pulumi property values into plain Go values:
// secrets are unwrapped (a policy judges the value, not its secrecy),
// computed values and unknown outputs become Unknown, resource references
// become their id (or URN when the id is not known).
func FromPropertyMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = fromValue(v)
	}
	return out
}

func fromValue(v resource.PropertyValue) any {
	switch {
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return Unknown
		}
		return fromValue(o.Element)
	case v.IsSecret():
		return fromValue(v.SecretValue().Element)
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		if ref.ID.IsComputed() {
			return Unknown
		}
		if ref.ID.IsString() && ref.ID.StringValue() != "" {
			return ref.ID.StringValue()
		}
		return string(ref.URN)
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = fromValue(e)
		}
		return out
	case v.IsObject():
		return FromPropertyMap(v.ObjectValue())
	}
	// Assets and archives carry nothing a policy reads.
	return nil
}

// document is an IAM, KMS or bucket policy document, read leniently: the
// policy language allows a string or a list for Action, Resource and
// Principal values, and "*" for Principal.
type document struct {
	Statement []statement
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	NotAction any
	Resource  any
	Condition map[string]map[string]any
}

// parseDocument reads a policy document from a JSON string (or an already
// decoded object). ok is false when the value is not a document.
func parseDocument(raw any) (document, bool) {
	var text []byte
	switch x := raw.(type) {
	case string:
		text = []byte(x)
	case map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return document{}, false
		}
		text = b
	default:
		return document{}, false
	}
	var d struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(text, &d); err != nil {
		return document{}, false
	}
	var sts []statement
	if err := json.Unmarshal(d.Statement, &sts); err != nil {
		// A single statement may be given as an object.
		var one statement
		if err := json.Unmarshal(d.Statement, &one); err != nil {
			return document{}, false
		}
		sts = []statement{one}
	}
	return document{Statement: sts}, true
}

// list reads a string-or-list field of a policy document.
func list(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// principals returns every principal value of a statement; "*" for the
// anonymous form `"Principal": "*"`.
func (s statement) principals() map[string][]string {
	switch p := s.Principal.(type) {
	case string:
		return map[string][]string{"*": {p}}
	case map[string]any:
		out := map[string][]string{}
		for k, v := range p {
			out[k] = list(v)
		}
		return out
	}
	return nil
}

// conditionKeys returns every condition key of a statement, lower-cased,
// with the operator it is used under.
func (s statement) conditionKeys() map[string]string {
	out := map[string]string{}
	for op, kv := range s.Condition {
		for k := range kv {
			out[strings.ToLower(k)] = op
		}
	}
	return out
}

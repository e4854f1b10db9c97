package offline

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// input returns the named input, unwrapped from a secret; the zero value
// when absent.
func (r Resource) input(key string) resource.PropertyValue {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok {
		return resource.NewNullProperty()
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// Has reports whether the input is set (and not null).
func (r Resource) Has(key string) bool { return !r.input(key).IsNull() }

// Str returns a string input, "" when absent or not a string.
func (r Resource) Str(key string) string {
	if v := r.input(key); v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Int returns a number input, 0 when absent.
func (r Resource) Int(key string) int {
	if v := r.input(key); v.IsNumber() {
		return int(v.NumberValue())
	}
	return 0
}

// Bool returns a boolean input, false when absent.
func (r Resource) Bool(key string) bool {
	if v := r.input(key); v.IsBool() {
		return v.BoolValue()
	}
	return false
}

// Strings returns a list-of-strings input.
func (r Resource) Strings(key string) []string {
	v := r.input(key)
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		for e.IsSecret() {
			e = e.SecretValue().Element
		}
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// Objects returns a list-of-objects input as plain maps.
func (r Resource) Objects(key string) []map[string]any {
	v := r.input(key)
	if !v.IsArray() {
		return nil
	}
	var out []map[string]any
	for _, e := range v.ArrayValue() {
		if e.IsObject() {
			out = append(out, e.ObjectValue().Mappable())
		}
	}
	return out
}

// StringMap returns a map-of-strings input such as tags.
func (r Resource) StringMap(key string) map[string]string {
	v := r.input(key)
	if !v.IsObject() {
		return nil
	}
	out := map[string]string{}
	for k, e := range v.ObjectValue() {
		for e.IsSecret() {
			e = e.SecretValue().Element
		}
		if e.IsString() {
			out[string(k)] = e.StringValue()
		}
	}
	return out
}

// Object returns an object input as a plain map, nil when absent.
func (r Resource) Object(key string) map[string]any {
	if v := r.input(key); v.IsObject() {
		return v.ObjectValue().Mappable()
	}
	return nil
}

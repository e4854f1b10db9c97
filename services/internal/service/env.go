package service

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Env reads configuration from environment variables and collects every
// problem instead of stopping at the first, so an operator fixes a broken
// deployment in one round trip. Read everything, then call Err once:
//
//	env := service.NewEnv(getenv)
//	addr := env.String("SOLSEC_HTTP_ADDR", ":8080")
//	workers := env.IntBetween("SOLSEC_WORKERS", 4, 1, 256)
//	dbURL := env.URL("SOLSEC_DATABASE_URL", "", "postgres", "postgresql")
//	if err := env.Err(); err != nil { return err }
//
// A variable that is unset or empty takes its default; a default of ""
// (or nil for URL) makes it required.
type Env struct {
	getenv   func(string) string
	problems []string
}

// NewEnv reads variables through getenv (os.Getenv in main, a map in tests).
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// ConfigError lists every invalid or missing variable.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Err returns a *ConfigError naming every problem found so far, or nil.
func (e *Env) Err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return &ConfigError{Problems: slices.Clone(e.problems)}
}

func (e *Env) fail(name, value, want string) {
	e.problems = append(e.problems, fmt.Sprintf("%s=%q: want %s", name, value, want))
}

// lookup returns the trimmed value, or records a missing required variable.
func (e *Env) lookup(name string, required bool, want string) (string, bool) {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" && required {
		e.problems = append(e.problems, fmt.Sprintf("%s is required: want %s", name, want))
	}
	return v, v != ""
}

// String returns the variable, or def; def "" makes it required.
func (e *Env) String(name, def string) string {
	v, ok := e.lookup(name, def == "", "a non-empty value")
	if !ok {
		return def
	}
	return v
}

// Secret is String for values that must never be logged: a bad or missing
// value is reported without echoing it.
func (e *Env) Secret(name string) string {
	v, _ := e.lookup(name, true, "a non-empty secret")
	return v
}

// Int returns the variable as an integer, or def.
func (e *Env) Int(name string, def int) int {
	return e.IntBetween(name, def, minInt, maxInt)
}

const (
	maxInt = int(^uint(0) >> 1)
	minInt = -maxInt - 1
)

// IntBetween returns the variable as an integer in [lo, hi], or def.
func (e *Env) IntBetween(name string, def, lo, hi int) int {
	want := "an integer"
	if lo != minInt || hi != maxInt {
		want = fmt.Sprintf("an integer from %d to %d", lo, hi)
	}
	v, ok := e.lookup(name, false, want)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.fail(name, v, want)
		return def
	}
	return n
}

// Bool returns the variable as a boolean (true/false/1/0), or def.
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.lookup(name, false, "")
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, v, "true or false")
		return def
	}
	return b
}

// Duration returns the variable as a positive Go duration ("30s", "5m"), or
// def.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	const want = `a positive duration such as "30s" or "5m"`
	v, ok := e.lookup(name, false, want)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.fail(name, v, want)
		return def
	}
	return d
}

// URL returns the variable as an absolute URL with a host and, when
// schemes are given, one of those schemes; def "" makes it required. The
// value is never echoed in problems, because URLs carry passwords
// (postgres://user:secret@host).
func (e *Env) URL(name, def string, schemes ...string) *url.URL {
	want := "an absolute URL with a host"
	if len(schemes) > 0 {
		want = fmt.Sprintf("an absolute %s URL with a host", strings.Join(schemes, " or "))
	}
	v, ok := e.lookup(name, def == "", want)
	if !ok {
		v = def
	}
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (len(schemes) > 0 && !slices.Contains(schemes, u.Scheme)) || (len(schemes) == 0 && u.Scheme == "") {
		e.problems = append(e.problems, fmt.Sprintf("%s (value withheld, it may hold a password): want %s", name, want))
		return nil
	}
	return u
}

// OneOf returns the variable if it is one of allowed, or def.
func (e *Env) OneOf(name, def string, allowed ...string) string {
	want := "one of " + strings.Join(allowed, ", ")
	v, ok := e.lookup(name, def == "", want)
	if !ok {
		return def
	}
	if !slices.Contains(allowed, v) {
		e.fail(name, v, want)
		return def
	}
	return v
}

// List returns the comma-separated variable with blanks dropped, or def.
func (e *Env) List(name string, def []string) []string {
	v, ok := e.lookup(name, false, "")
	if !ok {
		return def
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

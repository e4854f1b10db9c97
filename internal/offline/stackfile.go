package offline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// SecretPlaceholder stands in for a `secure:` value of a stack file, which
// only the Pulumi CLI can decrypt.
const SecretPlaceholder = "offline-secret-placeholder"

// StackFile is one Pulumi.<stack>.yaml.
type StackFile struct {
	Stack  string
	Path   string
	Config map[string]string
	// SecretKeys are keys whose values were encrypted in the file.
	SecretKeys []string
}

// LoadStackFile reads a Pulumi.<stack>.yaml the way the Pulumi CLI hands it to
// the program: keys become "namespace:key" (the project's namespace when the
// file gives none), strings stay as they are, and numbers, booleans, lists
// and objects become JSON text.
func LoadStackFile(path string) (*StackFile, error) {
	base := filepath.Base(path)
	stack, ok := strings.CutPrefix(base, "Pulumi.")
	if stack, ok = strings.CutSuffix(stack, ".yaml"); !ok || stack == "" {
		return nil, fmt.Errorf("%s: not a stack file (want Pulumi.<stack>.yaml)", path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read stack file: %w", err)
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", path, err)
	}
	sf := &StackFile{Stack: stack, Path: path, Config: map[string]string{}}
	for key, v := range doc.Config {
		if !strings.Contains(key, ":") {
			key = Project + ":" + key
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 && m["secure"] != nil {
			sf.Config[key] = SecretPlaceholder
			sf.SecretKeys = append(sf.SecretKeys, key)
			continue
		}
		switch x := v.(type) {
		case string:
			sf.Config[key] = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("%s: config key %s: %w", path, key, err)
			}
			sf.Config[key] = string(b)
		}
	}
	sort.Strings(sf.SecretKeys)
	return sf, nil
}

// StackFiles finds every Pulumi.<stack>.yaml in dir, sorted by stack name.
func StackFiles(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return nil, fmt.Errorf("no Pulumi.<stack>.yaml in %s", dir)
	}
	return paths, nil
}

// RepoRoot walks up from the working directory to the directory holding
// Pulumi.yaml, so tests in any package find the stack files.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no Pulumi.yaml above the working directory")
		}
		dir = parent
	}
}

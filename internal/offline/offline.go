// Package offline runs a Pulumi program, or one component, with no cloud and
// no Pulumi CLI: pulumi.WithMocks answers every resource and invoke with
// realistic fake AWS values (ids, ARNs in the right region and a fixed
// account, the region's availability zones, caller identity, partition), and
// every registered resource is recorded with its type, name, parent,
// provider, inputs and dependencies. Tests assert on the records; cmd/plan
// prints them. The same inputs always give the same records.
package offline

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Project is the Pulumi project name the program runs under.
const Project = "solsec"

// AccountID is the fake AWS account every answer belongs to.
const AccountID = "123456789012"

// Resource is one registered resource.
type Resource struct {
	Type   string
	Name   string
	URN    string
	ID     string
	Custom bool
	// Parent is the parent's URN ("" only for the stack itself).
	Parent string
	// Provider is the URN of the explicit provider the resource uses, if any.
	Provider string
	// Region is the AWS region of the resource's provider (or the default
	// region), "" for resources of other packages.
	Region       string
	Inputs       resource.PropertyMap
	Dependencies []string
}

// Result is everything one run registered.
type Result struct {
	Stack     string
	Resources []Resource
	// OutputRegistrations counts RegisterResourceOutputs calls: one per
	// component that registered its outputs, plus one for the stack.
	OutputRegistrations int

	byURN map[string]*Resource
}

// Run evaluates program as stack with the given config (keys
// "namespace:key", objects as JSON text, as the Pulumi engine passes them).
// It returns the records even when the program fails, with the error.
func Run(stack string, config map[string]string, program pulumi.RunFunc) (*Result, error) {
	m := newMocks(stack, config)
	err := pulumi.RunErr(program,
		pulumi.WithMocks(Project, stack, m),
		func(info *pulumi.RunInfo) {
			info.Config = config
			// Not a preview: the mocks answer every output, so inputs
			// that depend on other resources are known and recorded.
			info.DryRun = false
		})
	return m.result(), err
}

// Get returns the resource of the given type and logical name.
func (r *Result) Get(typ, name string) (Resource, bool) {
	for _, res := range r.Resources {
		if res.Type == typ && res.Name == name {
			return res, true
		}
	}
	return Resource{}, false
}

// ByURN returns the resource with the given URN.
func (r *Result) ByURN(urn string) (Resource, bool) {
	res, ok := r.byURN[urn]
	if !ok {
		return Resource{}, false
	}
	return *res, true
}

// OfType returns every resource of a type, sorted by name.
func (r *Result) OfType(typ string) []Resource {
	var out []Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// Components returns every component resource (not custom, not a provider).
func (r *Result) Components() []Resource {
	var out []Resource
	for _, res := range r.Resources {
		if !res.Custom {
			out = append(out, res)
		}
	}
	return out
}

// ComponentOf returns the nearest component ancestor of a resource.
func (r *Result) ComponentOf(res Resource) (Resource, bool) {
	for p := res.Parent; p != ""; {
		parent, ok := r.byURN[p]
		if !ok {
			return Resource{}, false
		}
		if !parent.Custom {
			return *parent, true
		}
		p = parent.Parent
	}
	return Resource{}, false
}

// Descendants returns every resource under the component with the given URN.
func (r *Result) Descendants(urn string) []Resource {
	var out []Resource
	for _, res := range r.Resources {
		for p := res.Parent; p != ""; {
			if p == urn {
				out = append(out, res)
				break
			}
			parent, ok := r.byURN[p]
			if !ok {
				break
			}
			p = parent.Parent
		}
	}
	return out
}

// mocks answers the Pulumi engine and records what it is asked.
type mocks struct {
	stack         string
	defaultRegion string

	mu        sync.Mutex
	resources []Resource
	// providerRegion maps a provider's URN to the region it was given.
	providerRegion map[string]string
	outputs        int
}

func newMocks(stack string, config map[string]string) *mocks {
	region := config["aws:region"]
	if region == "" {
		region = "us-east-1"
	}
	return &mocks{stack: stack, defaultRegion: region, providerRegion: map[string]string{}}
}

// urnOf computes the URN the mock monitor gives a resource, so that records
// can be joined on parent and dependency URNs.
func (m *mocks) urnOf(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(Project), parentType, tokens.Type(typ), name))
}

// providerURN strips the "::id" suffix of a provider reference.
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

func (m *mocks) regionOf(providerRef string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.providerRegion[providerURN(providerRef)]; ok {
		return r
	}
	return m.defaultRegion
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	parent := ""
	var deps []string
	if rpc != nil {
		parent = rpc.GetParent()
		deps = append(deps, rpc.GetDependencies()...)
		sort.Strings(deps)
	}
	urn := m.urnOf(parent, args.TypeToken, args.Name)
	region := ""
	if strings.HasPrefix(args.TypeToken, "aws:") || args.TypeToken == "pulumi:providers:aws" {
		region = m.regionOf(args.Provider)
	}
	if args.TypeToken == "pulumi:providers:aws" {
		if v, ok := args.Inputs["region"]; ok && v.IsString() {
			region = v.StringValue()
		}
		m.mu.Lock()
		m.providerRegion[urn] = region
		m.mu.Unlock()
	}
	id, state := fakeState(args.TypeToken, args.Name, urn, region, args.Inputs)
	// The engine marks outputs a provider declares secret (a random
	// password's result, say); the mock monitor does not, so we do.
	if rpc != nil {
		for _, k := range rpc.GetAdditionalSecretOutputs() {
			if v, ok := state[resource.PropertyKey(k)]; ok && !v.IsSecret() {
				state[resource.PropertyKey(k)] = resource.MakeSecret(v)
			}
		}
	}
	if !args.Custom {
		id = ""
	}
	m.mu.Lock()
	m.resources = append(m.resources, Resource{
		Type: args.TypeToken, Name: args.Name, URN: urn, ID: id, Custom: args.Custom,
		Parent: parent, Provider: providerURN(args.Provider), Region: region,
		Inputs: args.Inputs, Dependencies: deps,
	})
	m.mu.Unlock()
	return id, state, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	out, err := fakeInvoke(args.Token, m.regionOf(args.Provider), args.Args)
	if err != nil {
		return nil, err
	}
	return resource.NewPropertyMapFromMap(out), nil
}

// RegisterResourceOutputs is an optional hook of the mock monitor.
func (m *mocks) RegisterResourceOutputs() (*emptypb.Empty, error) {
	m.mu.Lock()
	m.outputs++
	m.mu.Unlock()
	return &emptypb.Empty{}, nil
}

func (m *mocks) result() *Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := append([]Resource(nil), m.resources...)
	sort.Slice(res, func(i, j int) bool { return res[i].URN < res[j].URN })
	r := &Result{Stack: m.stack, Resources: res, OutputRegistrations: m.outputs, byURN: map[string]*Resource{}}
	for i := range r.Resources {
		r.byURN[r.Resources[i].URN] = &r.Resources[i]
	}
	return r
}

// String renders a property value for messages and plans.
func String(v resource.PropertyValue) string {
	switch {
	case v.IsString():
		return v.StringValue()
	case v.IsNull():
		return ""
	default:
		return fmt.Sprint(v.Mappable())
	}
}

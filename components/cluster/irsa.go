package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// RoleAnnotation is the service-account annotation IRSA reads.
const RoleAnnotation = "eks.amazonaws.com/role-arn"

// ServiceAccountRoleArgs describes an IRSA role.
type ServiceAccountRoleArgs struct {
	// OidcProviderArn and Issuer (without https://) identify the cluster.
	OidcProviderArn pulumi.StringInput
	Issuer          pulumi.StringInput
	// Namespace and ServiceAccount are the only identity that may assume
	// the role.
	Namespace      string
	ServiceAccount string
	// Policy is the role's inline policy document (JSON); nil leaves the
	// role without permissions for a later component to attach them.
	Policy pulumi.StringInput
}

// TrustPolicy lets exactly one service account of one cluster assume a
// role: the subject names namespace and service account, and the audience
// must be STS, so a token minted for anything else is refused.
func TrustPolicy(oidcArn, issuer pulumi.StringInput, namespace, serviceAccount string) pulumi.StringOutput {
	return pulumi.All(oidcArn, issuer).ApplyT(func(v []any) string {
		arn, iss := v[0].(string), v[1].(string)
		return iampolicy.New(iampolicy.Statement{
			Effect:    "Allow",
			Principal: map[string]any{"Federated": arn},
			Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		}.When("StringEquals", iss+":sub", fmt.Sprintf("system:serviceaccount:%s:%s", namespace, serviceAccount)).
			When("StringEquals", iss+":aud", "sts.amazonaws.com")).JSON()
	}).(pulumi.StringOutput)
}

// NewServiceAccountRole creates an IAM role for one Kubernetes service
// account (IRSA), with its inline policy if one is given. Components of
// later issues use it, through Cluster.NewServiceAccountRole, for their
// workloads.
func NewServiceAccountRole(ctx *pulumi.Context, name string, args ServiceAccountRoleArgs, opts ...pulumi.ResourceOption) (*iam.Role, error) {
	if args.Namespace == "" || args.ServiceAccount == "" {
		return nil, fmt.Errorf("service account role %s: namespace and service account are required", name)
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.Sprintf("IRSA role of %s/%s", args.Namespace, args.ServiceAccount),
		AssumeRolePolicy: TrustPolicy(args.OidcProviderArn, args.Issuer, args.Namespace, args.ServiceAccount),
		// One hour sessions: credentials are refreshed by the SDKs anyway.
		MaxSessionDuration: pulumi.Int(3600),
		Tags: pulumi.StringMap{
			"Name":           pulumi.String(name),
			"Namespace":      pulumi.String(args.Namespace),
			"ServiceAccount": pulumi.String(args.ServiceAccount),
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("service account role %s: %w", name, err)
	}
	if args.Policy != nil {
		if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
			Role:   role.Name,
			Policy: args.Policy,
		}, append(opts, pulumi.Parent(role))...); err != nil {
			return nil, fmt.Errorf("service account role %s policy: %w", name, err)
		}
	}
	return role, nil
}

// irsa remembers the cluster's identity so that callers name only the
// service account.
type irsa struct {
	oidcArn, issuer pulumi.StringOutput
}

func (b *builder) irsaHelper() { b.c.irsa = &irsa{oidcArn: b.oidcArn, issuer: b.issuer} }

// NewServiceAccountRole creates an IRSA role of this cluster for one
// service account.
func (c *Cluster) NewServiceAccountRole(ctx *pulumi.Context, name, namespace, serviceAccount string, policy pulumi.StringInput, opts ...pulumi.ResourceOption) (*iam.Role, error) {
	return NewServiceAccountRole(ctx, name, ServiceAccountRoleArgs{
		OidcProviderArn: c.irsa.oidcArn, Issuer: c.irsa.issuer,
		Namespace: namespace, ServiceAccount: serviceAccount, Policy: policy,
	}, opts...)
}

// role creates an IRSA role parented to the component.
func (b *builder) role(suffix, namespace, serviceAccount string, policy pulumi.StringInput) (*iam.Role, error) {
	r, err := b.c.NewServiceAccountRole(b.ctx, b.child(suffix), namespace, serviceAccount, policy, b.parent)
	if err != nil {
		return nil, err
	}
	if b.roles == nil {
		b.roles = map[string]*iam.Role{}
	}
	b.roles[suffix] = r
	return r, nil
}

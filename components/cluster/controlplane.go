package cluster

import (
	"fmt"
	"strings"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// clusterAdminPolicy is the EKS access policy granting full cluster admin.
const clusterAdminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

// newKey creates a customer-managed key with rotation on whose policy lets
// the account administer it and the named AWS services use it, only when
// called through them.
func (b *builder) newKey(suffix, description string, viaServices []string, extra ...iampolicy.Statement) (*kms.Key, error) {
	root := fmt.Sprintf("arn:%s:iam::%s:root", b.partition, b.accountID)
	statements := []iampolicy.Statement{{
		Sid: "AccountAdministers", Effect: "Allow",
		Principal: map[string]any{"AWS": root}, Action: []string{"kms:*"}, Resource: "*",
	}}
	if len(viaServices) > 0 {
		var via []string
		for _, s := range viaServices {
			via = append(via, fmt.Sprintf("%s.%s.amazonaws.com", s, b.args.Region))
		}
		statements = append(statements, iampolicy.Statement{
			Sid: "UseThroughServices", Effect: "Allow",
			Principal: map[string]any{"AWS": root},
			Action:    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"},
			Resource:  "*",
		}.When("StringEquals", "kms:ViaService", via).When("StringEquals", "kms:CallerAccount", b.accountID))
	}
	statements = append(statements, extra...)
	key, err := kms.NewKey(b.ctx, b.child(suffix), &kms.KeyArgs{
		Description:          pulumi.String(description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(iampolicy.New(statements...).JSON()),
		Tags:                 b.tags(suffix),
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", suffix, err)
	}
	if _, err := kms.NewAlias(b.ctx, b.child(suffix), &kms.AliasArgs{
		Name:        pulumi.Sprintf("alias/solsec/%s/%s/%s", b.args.Environment, b.args.Region, suffix),
		TargetKeyId: key.KeyId,
	}, b.parent); err != nil {
		return nil, fmt.Errorf("%s key alias: %w", suffix, err)
	}
	return key, nil
}

// controlPlane creates the EKS control plane through pulumi-eks.
func (b *builder) controlPlane() error {
	secrets, err := b.newKey("eks-secrets", "Envelope encryption of Kubernetes secrets in "+b.args.Name, []string{"eks"})
	if err != nil {
		return err
	}
	b.secretKey = secrets.Arn
	ebs, err := b.ebsKey()
	if err != nil {
		return err
	}
	b.ebsKeyArn = ebs.Arn

	access := map[string]eks.AccessEntryArgs{}
	for _, role := range b.args.AdminRoles {
		access["admin-"+role] = eks.AccessEntryArgs{
			PrincipalArn: pulumi.Sprintf("arn:%s:iam::%s:role/%s", b.partition, b.accountID, role),
			AccessPolicies: map[string]eks.AccessPolicyAssociationInput{
				"cluster-admin": eks.AccessPolicyAssociationArgs{
					PolicyArn:   pulumi.String(clusterAdminPolicy),
					AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
				},
			},
		}
	}
	public := len(b.args.PublicAccessCidrs) > 0
	f, t := false, true
	mode := eks.AuthenticationModeApi
	cluster, err := eks.NewCluster(b.ctx, b.child("eks"), &eks.ClusterArgs{
		Name:    pulumi.String(b.args.Name),
		Version: pulumi.String(b.args.KubernetesVersion),
		VpcId:   b.args.VpcID,
		// Nodes and the control plane's interfaces live in the private
		// subnets only.
		PrivateSubnetIds:             b.args.PrivateSubnetIDs,
		NodeAssociatePublicIpAddress: &f,
		EndpointPrivateAccess:        pulumi.Bool(true),
		EndpointPublicAccess:         pulumi.Bool(public),
		PublicAccessCidrs:            pulumi.ToStringArray(b.args.PublicAccessCidrs),
		EncryptionConfigKeyArn:       secrets.Arn,
		EnabledClusterLogTypes:       pulumi.ToStringArray(ControlPlaneLogTypes),
		// The IAM OIDC provider is created in oidc.go from the cluster's
		// issuer, so that its ARN is a plain output of this component.
		CreateOidcProvider: pulumi.Bool(false),
		AuthenticationMode: &mode,
		AccessEntries:      access,
		// Node groups are created below as EKS managed node groups.
		SkipDefaultNodeGroup: &t,
		// vpc-cni is an EKS managed add-on here (custom networking).
		UseDefaultVpcCni:     &t,
		ClusterSecurityGroup: b.args.ControlPlaneSecurityGroup,
		Tags:                 b.tags("eks"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	b.eks = cluster
	b.c.ClusterName = pulumi.String(b.args.Name).ToStringOutput()
	b.c.Kubeconfig = pulumi.ToSecret(cluster.KubeconfigJson).(pulumi.StringOutput)
	return nil
}

// oidc creates the IAM OIDC identity provider of the cluster's issuer. The
// issuer is read back from EKS once the control plane exists.
func (b *builder) oidc() error {
	info := awseks.LookupClusterOutput(b.ctx, awseks.LookupClusterOutputArgs{Name: pulumi.String(b.args.Name)},
		b.parent, pulumi.DependsOn([]pulumi.Resource{b.eks}))
	issuerURL := info.Identities().Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer()
	provider, err := iam.NewOpenIdConnectProvider(b.ctx, b.child("oidc"), &iam.OpenIdConnectProviderArgs{
		Url:           issuerURL,
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		Tags:          b.tags("oidc"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("OIDC provider: %w", err)
	}
	b.oidcArn = provider.Arn
	b.issuer = issuerURL.ApplyT(func(u string) string { return strings.TrimPrefix(u, "https://") }).(pulumi.StringOutput)
	b.c.OidcProviderArn = provider.Arn
	b.c.OidcIssuerURL = issuerURL
	b.irsaHelper()
	return nil
}

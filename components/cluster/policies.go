package cluster

import (
	"fmt"

	"github.com/solsec/platform/internal/awsaccount"
	"github.com/solsec/platform/internal/iampolicy"
)

// The add-ons' IRSA policies. Read-only Describe/List/Get actions that AWS
// does not scope to resources use "*"; everything that changes something is
// limited to resource ARNs of this account and region and, where AWS
// supports it, to resources tagged as this cluster's.

// scope names this account's resources in this region.
type scope struct {
	awsaccount.Account
	region string
}

func (s scope) arn(service, resource string) string { return s.ARN(service, s.region, resource) }

func (b *builder) scope() scope {
	return scope{awsaccount.Account{ID: b.accountID, Partition: b.partition}, b.args.Region}
}

// cniPolicy lets the VPC CNI (aws-node) attach interfaces and addresses.
func cniPolicy(s scope) iampolicy.Document {
	eni := s.arn("ec2", "network-interface/*")
	return iampolicy.New(
		iampolicy.Allow("Describe", []string{"ec2:DescribeInstances", "ec2:DescribeTags", "ec2:DescribeNetworkInterfaces",
			"ec2:DescribeInstanceTypes", "ec2:DescribeSubnets"}, "*"),
		iampolicy.Allow("ManageInterfaces", []string{"ec2:CreateNetworkInterface", "ec2:AttachNetworkInterface",
			"ec2:DetachNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute",
			"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"},
			eni, s.arn("ec2", "instance/*"), s.arn("ec2", "subnet/*"), s.arn("ec2", "security-group/*")),
		iampolicy.Allow("TagInterfaces", []string{"ec2:CreateTags"}, eni),
	)
}

// ebsCSIPolicy lets the EBS CSI driver manage volumes it created (tagged
// ebs.csi.aws.com/cluster) and use the EBS key.
func ebsCSIPolicy(s scope, keyArn string) iampolicy.Document {
	vol, snap, inst := s.arn("ec2", "volume/*"), s.arn("ec2", "snapshot/*"), s.arn("ec2", "instance/*")
	return iampolicy.New(
		iampolicy.Allow("Describe", []string{"ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeSnapshots",
			"ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications"}, "*"),
		iampolicy.Allow("CreateOwnVolumes", []string{"ec2:CreateVolume"}, vol).
			When("StringEquals", "aws:RequestTag/ebs.csi.aws.com/cluster", "true"),
		iampolicy.Allow("CreateFromSnapshots", []string{"ec2:CreateVolume"}, snap),
		iampolicy.Allow("AttachOwnVolumes", []string{"ec2:AttachVolume", "ec2:DetachVolume", "ec2:ModifyVolume", "ec2:CreateSnapshot"}, vol, inst, snap),
		iampolicy.Allow("DeleteOwnVolumes", []string{"ec2:DeleteVolume", "ec2:DeleteSnapshot"}, vol, snap).
			When("StringEquals", "aws:ResourceTag/ebs.csi.aws.com/cluster", "true"),
		iampolicy.Allow("TagOnCreate", []string{"ec2:CreateTags"}, vol, snap).
			When("StringEquals", "ec2:CreateAction", []string{"CreateVolume", "CreateSnapshot"}),
		iampolicy.Allow("UseEBSKey", []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, keyArn),
		iampolicy.Allow("GrantEBSKey", []string{"kms:CreateGrant"}, keyArn).When("Bool", "kms:GrantIsForAWSResource", true),
	)
}

// efsCSIPolicy lets the EFS CSI driver create and delete access points it
// tags as its own.
func efsCSIPolicy(s scope) iampolicy.Document {
	fs, ap := s.arn("elasticfilesystem", "file-system/*"), s.arn("elasticfilesystem", "access-point/*")
	return iampolicy.New(
		iampolicy.Allow("DescribeZones", []string{"ec2:DescribeAvailabilityZones"}, "*"),
		iampolicy.Allow("Describe", []string{"elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DescribeFileSystems",
			"elasticfilesystem:DescribeMountTargets"}, fs, ap),
		iampolicy.Allow("CreateOwnAccessPoints", []string{"elasticfilesystem:CreateAccessPoint", "elasticfilesystem:TagResource"}, fs, ap).
			When("StringLike", "aws:RequestTag/efs.csi.aws.com/cluster", "true"),
		iampolicy.Allow("DeleteOwnAccessPoints", []string{"elasticfilesystem:DeleteAccessPoint"}, ap).
			When("StringEquals", "aws:ResourceTag/efs.csi.aws.com/cluster", "true"),
	)
}

// loadBalancerControllerPolicy lets the AWS Load Balancer Controller manage
// the ALBs, target groups and security groups it creates for this cluster
// (tagged elbv2.k8s.aws/cluster), attach WAF ACLs and read certificates.
func loadBalancerControllerPolicy(s scope) iampolicy.Document {
	lb := []string{s.arn("elasticloadbalancing", "loadbalancer/app/*/*"), s.arn("elasticloadbalancing", "loadbalancer/net/*/*")}
	tg := s.arn("elasticloadbalancing", "targetgroup/*/*")
	listeners := []string{s.arn("elasticloadbalancing", "listener/app/*/*/*"), s.arn("elasticloadbalancing", "listener-rule/app/*/*/*/*"),
		s.arn("elasticloadbalancing", "listener/net/*/*/*"), s.arn("elasticloadbalancing", "listener-rule/net/*/*/*/*")}
	sg := s.arn("ec2", "security-group/*")
	owned := "aws:ResourceTag/elbv2.k8s.aws/cluster"
	return iampolicy.New(
		iampolicy.Allow("ServiceLinkedRole", []string{"iam:CreateServiceLinkedRole"},
			fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/elasticloadbalancing.amazonaws.com/*", s.Partition, s.ID)).
			When("StringEquals", "iam:AWSServiceName", "elasticloadbalancing.amazonaws.com"),
		iampolicy.Allow("Describe", []string{"ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
			"ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeSubnets",
			"ec2:DescribeSecurityGroups", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags",
			"ec2:DescribeCoipPools", "ec2:GetCoipPoolUsage", "ec2:DescribeRouteTables",
			"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
			"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerCertificates",
			"elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:DescribeSSLPolicies",
			"elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups",
			"elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetHealth",
			"elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTrustStores",
			"acm:ListCertificates", "acm:DescribeCertificate", "iam:ListServerCertificates", "iam:GetServerCertificate",
			"wafv2:GetWebACL", "wafv2:GetWebACLForResource", "shield:GetSubscriptionState"}, "*"),
		iampolicy.Allow("ManageOwnSecurityGroupRules", []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"}, sg),
		iampolicy.Allow("CreateSecurityGroups", []string{"ec2:CreateSecurityGroup"}, sg, s.arn("ec2", "vpc/*")),
		iampolicy.Allow("TagNewSecurityGroups", []string{"ec2:CreateTags"}, sg).
			When("StringEquals", "ec2:CreateAction", "CreateSecurityGroup"),
		iampolicy.Allow("DeleteOwnSecurityGroups", []string{"ec2:DeleteSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags"}, sg).
			When("Null", owned, "false"),
		iampolicy.Allow("CreateOwnLoadBalancers", []string{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"},
			append(append([]string{}, lb...), tg)...).
			When("Null", "aws:RequestTag/elbv2.k8s.aws/cluster", "false"),
		iampolicy.Allow("ManageListeners", []string{"elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
			"elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyListener",
			"elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyRule",
			"elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates"},
			append(append([]string{}, lb...), listeners...)...),
		iampolicy.Allow("TagOwn", []string{"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"},
			append(append(append([]string{}, lb...), tg), listeners...)...),
		iampolicy.Allow("ManageOwnLoadBalancers", []string{"elasticloadbalancing:ModifyLoadBalancerAttributes",
			"elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
			"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
			"elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup"},
			append(append([]string{}, lb...), tg)...).
			When("Null", owned, "false"),
		iampolicy.Allow("RegisterTargets", []string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"}, tg),
		iampolicy.Allow("AttachWAF", []string{"elasticloadbalancing:SetWebAcl", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"},
			append(append([]string{}, lb...), s.arn("wafv2", "regional/webacl/*/*"))...),
	)
}

// clusterAutoscalerPolicy lets Cluster Autoscaler resize only the Auto
// Scaling groups tagged as owned by this cluster.
func clusterAutoscalerPolicy(s scope, cluster string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("Describe", []string{"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
			"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags",
			"ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
			"ec2:GetInstanceTypesFromInstanceRequirements"}, "*"),
		iampolicy.Allow("DescribeOwnNodegroups", []string{"eks:DescribeNodegroup"}, s.arn("eks", "nodegroup/"+cluster+"/*/*")),
		iampolicy.Allow("ResizeOwnGroups", []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"},
			s.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*")).
			When("StringEquals", "aws:ResourceTag/k8s.io/cluster-autoscaler/"+cluster, "owned"),
	)
}

// externalSecretsPolicy lets External Secrets read only this stack's
// secrets (named solsec/<env>/...) and decrypt them through Secrets Manager.
func externalSecretsPolicy(s scope, env string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("ReadStackSecrets", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
			"secretsmanager:ListSecretVersionIds"}, s.arn("secretsmanager", "secret:solsec/"+env+"/*")),
		iampolicy.Allow("DecryptThroughSecretsManager", []string{"kms:Decrypt"}, s.arn("kms", "key/*")).
			When("StringEquals", "kms:ViaService", "secretsmanager."+s.region+".amazonaws.com"),
	)
}

// certManagerPolicy lets cert-manager answer DNS-01 challenges: TXT records
// under _acme-challenge in this stack's hosted zone only.
func certManagerPolicy(s scope, zoneID string) iampolicy.Document {
	zone := fmt.Sprintf("arn:%s:route53:::hostedzone/%s", s.Partition, zoneID)
	return iampolicy.New(
		iampolicy.Allow("TrackChanges", []string{"route53:GetChange"}, fmt.Sprintf("arn:%s:route53:::change/*", s.Partition)),
		iampolicy.Allow("ReadZone", []string{"route53:ListResourceRecordSets"}, zone),
		iampolicy.Allow("WriteChallenges", []string{"route53:ChangeResourceRecordSets"}, zone).
			When("ForAllValues:StringEquals", "route53:ChangeResourceRecordSetsRecordTypes", []string{"TXT"}).
			When("ForAllValues:StringLike", "route53:ChangeResourceRecordSetsNormalizedRecordNames", []string{"_acme-challenge.*"}),
		iampolicy.Allow("FindZone", []string{"route53:ListHostedZonesByName"}, "*"),
	)
}

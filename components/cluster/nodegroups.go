package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// Node labels and the spot taint workloads select or tolerate.
const (
	CapacityLabel = "solsec.io/capacity"
	SpotTaintKey  = "solsec.io/spot"
)

// NodeManagedPolicies are all the AWS managed policies a node needs: join
// the cluster, pull images, and be reachable through Session Manager. The
// CNI's permissions go to its own IRSA role, not to every node.
var NodeManagedPolicies = []string{
	"AmazonEKSWorkerNodePolicy",
	"AmazonEC2ContainerRegistryPullOnly",
	"AmazonSSMManagedInstanceCore",
}

// IMDSHopLimit is 1 so that only the node itself (and host-network pods)
// can reach instance metadata: pods sit one network hop further away and
// so cannot borrow the node role. Every add-on that needs AWS access gets
// it through IRSA instead.
const IMDSHopLimit = 1

// rootVolumeGiB is the root volume of every node: images and logs of a
// busy node fit with room to spare.
const rootVolumeGiB = 100

// ebsKey encrypts node root volumes and the volumes the EBS CSI driver
// creates. Auto Scaling launches the nodes of managed node groups, so its
// service-linked role must be able to use the key as well.
func (b *builder) ebsKey() (*kms.Key, error) {
	asg := map[string]any{"AWS": b.asgServiceRoleArn()}
	return b.newKey("ebs", "EBS volumes of "+b.args.Name+" (node roots and persistent volumes)", []string{"ec2"},
		iampolicy.Statement{Sid: "AutoScalingUsesKey", Effect: "Allow", Principal: asg,
			Action:   []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
			Resource: "*"},
		iampolicy.Statement{Sid: "AutoScalingGrantsForVolumes", Effect: "Allow", Principal: asg,
			Action: []string{"kms:CreateGrant"}, Resource: "*"}.When("Bool", "kms:GrantIsForAWSResource", true))
}

func (b *builder) asgServiceRoleArn() string {
	return fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", b.partition, b.accountID)
}

func (b *builder) nodeGroups() error {
	trust := iampolicy.New(iampolicy.Statement{
		Effect: "Allow", Principal: map[string]any{"Service": "ec2.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
	})
	role, err := iam.NewRole(b.ctx, b.child("nodes"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("EKS nodes of %s", b.args.Name),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
		Tags:             b.tags("nodes"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("node role: %w", err)
	}
	var deps []pulumi.Resource
	for _, p := range NodeManagedPolicies {
		a, err := iam.NewRolePolicyAttachment(b.ctx, b.child("nodes-"+p), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/%s", b.partition, p),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("node role policy %s: %w", p, err)
		}
		deps = append(deps, a)
	}
	b.nodeRole = role
	b.c.NodeRoleArn = role.Arn

	var sgs pulumi.StringArray
	for _, id := range b.args.NodeSecurityGroupIDs {
		sgs = append(sgs, id)
	}
	for _, g := range b.args.NodeGroups {
		lt, err := ec2.NewLaunchTemplate(b.ctx, b.child(g.Name), &ec2.LaunchTemplateArgs{
			Description: pulumi.Sprintf("%s node group %s", b.args.Name, g.Name),
			MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
				HttpEndpoint:            pulumi.String("enabled"),
				HttpTokens:              pulumi.String("required"),
				HttpPutResponseHopLimit: pulumi.Int(IMDSHopLimit),
				InstanceMetadataTags:    pulumi.String("disabled"),
			},
			BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
				DeviceName: pulumi.String("/dev/xvda"),
				Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
					VolumeSize:          pulumi.Int(rootVolumeGiB),
					VolumeType:          pulumi.String("gp3"),
					Encrypted:           pulumi.String("true"),
					KmsKeyId:            b.ebsKeyArn,
					DeleteOnTermination: pulumi.String("true"),
				},
			}},
			// The node and external-services groups; no key pair (SSH is
			// replaced by Session Manager) and no public address: the
			// private subnets never map one.
			VpcSecurityGroupIds:  sgs,
			UpdateDefaultVersion: pulumi.Bool(true),
			TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
				ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: b.tags(g.Name + "-node")},
				ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: b.tags(g.Name + "-root")},
			},
			Tags: b.tags(g.Name),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("launch template %s: %w", g.Name, err)
		}
		capacity, label := "ON_DEMAND", "on-demand"
		var taints awseks.NodeGroupTaintArray
		if g.Spot {
			capacity, label = "SPOT", "spot"
			taints = append(taints, awseks.NodeGroupTaintArgs{
				Key: pulumi.String(SpotTaintKey), Value: pulumi.String("true"), Effect: pulumi.String("NO_SCHEDULE"),
			})
		}
		ng, err := awseks.NewNodeGroup(b.ctx, b.child(g.Name), &awseks.NodeGroupArgs{
			ClusterName:   pulumi.String(b.args.Name),
			NodeRoleArn:   role.Arn,
			SubnetIds:     b.args.PrivateSubnetIDs,
			AmiType:       pulumi.String("AL2023_x86_64_STANDARD"),
			CapacityType:  pulumi.String(capacity),
			InstanceTypes: pulumi.ToStringArray(g.InstanceTypes),
			ScalingConfig: awseks.NodeGroupScalingConfigArgs{
				MinSize: pulumi.Int(g.MinSize), DesiredSize: pulumi.Int(g.DesiredSize), MaxSize: pulumi.Int(g.MaxSize),
			},
			LaunchTemplate: awseks.NodeGroupLaunchTemplateArgs{Id: lt.ID(), Version: lt.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput)},
			Labels:         pulumi.StringMap{CapacityLabel: pulumi.String(label), "solsec.io/node-group": pulumi.String(g.Name)},
			Taints:         taints,
			// Replace a third of the nodes at a time on upgrades.
			UpdateConfig: awseks.NodeGroupUpdateConfigArgs{MaxUnavailablePercentage: pulumi.Int(33)},
			Tags: pulumi.StringMap{
				"Name": pulumi.String(b.child(g.Name)),
				// Cluster Autoscaler finds the groups by these tags.
				"k8s.io/cluster-autoscaler/enabled":                              pulumi.String("true"),
				"k8s.io/cluster-autoscaler/" + b.args.Name:                       pulumi.String("owned"),
				"k8s.io/cluster-autoscaler/node-template/label/" + CapacityLabel: pulumi.String(label),
			},
		}, b.parent, pulumi.DependsOn(append(append(deps, b.eks), b.addons...)),
			// The autoscaler owns the desired size once the group exists.
			pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
		if err != nil {
			return fmt.Errorf("node group %s: %w", g.Name, err)
		}
		b.nodes = append(b.nodes, ng)
	}
	return nil
}

package network

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// InterfaceEndpointServices are the AWS APIs nodes reach through interface
// endpoints with private DNS, so that pulling images, assuming IRSA roles,
// shipping logs, reading secrets and using keys never needs the NAT:
//   - ecr.api, ecr.dkr: image pulls (layers come from S3, a gateway endpoint);
//   - sts: IRSA's AssumeRoleWithWebIdentity;
//   - logs: Fluent Bit and the CloudWatch agent;
//   - secretsmanager, kms: External Secrets and envelope encryption;
//   - ec2: the VPC CNI attaching interfaces and addresses;
//   - ssm, ssmmessages, ec2messages: Session Manager, which replaces SSH.
var InterfaceEndpointServices = []string{
	"ecr.api", "ecr.dkr", "sts", "logs", "secretsmanager", "kms",
	"ec2", "ssm", "ssmmessages", "ec2messages",
}

func (b *builder) endpoints() error {
	var rts pulumi.StringArray
	for _, rt := range b.privateRTs {
		rts = append(rts, rt.ID())
	}
	// The S3 gateway endpoint keeps the policy AWS gives it: ECR serves
	// image layers from AWS-owned buckets, so limiting it to our buckets
	// would break image pulls; bucket policies guard our data instead.
	if _, err := ec2.NewVpcEndpoint(b.ctx, b.child("s3"), &ec2.VpcEndpointArgs{
		VpcId:           b.vpc.ID(),
		ServiceName:     pulumi.Sprintf("com.amazonaws.%s.s3", b.args.Region),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   rts,
		Tags:            b.tags("s3", nil),
	}, b.parent); err != nil {
		return fmt.Errorf("S3 gateway endpoint: %w", err)
	}
	var subnets pulumi.StringArray
	for _, s := range b.private {
		subnets = append(subnets, s.ID())
	}
	for _, svc := range InterfaceEndpointServices {
		suffix := strings.ReplaceAll(svc, ".", "-")
		if _, err := ec2.NewVpcEndpoint(b.ctx, b.child(suffix), &ec2.VpcEndpointArgs{
			VpcId:             b.vpc.ID(),
			ServiceName:       pulumi.Sprintf("com.amazonaws.%s.%s", b.args.Region, svc),
			VpcEndpointType:   pulumi.String("Interface"),
			SubnetIds:         subnets,
			SecurityGroupIds:  pulumi.StringArray{b.endpointSG.ID()},
			PrivateDnsEnabled: pulumi.Bool(true),
			Tags:              b.tags(suffix, nil),
		}, b.parent); err != nil {
			return fmt.Errorf("%s interface endpoint: %w", svc, err)
		}
	}
	return nil
}

// Package awsaccount looks up the AWS account and partition a provider
// deploys into, through that provider, so that components build ARNs and
// key policies without hard-coding either.
package awsaccount

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account is who and where a provider deploys.
type Account struct {
	ID        string
	Partition string
}

// Lookup asks the provider reached through opts (usually pulumi.Parent of
// a component that carries the region's provider).
func Lookup(ctx *pulumi.Context, opts ...pulumi.InvokeOption) (Account, error) {
	id, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, opts...)
	if err != nil {
		return Account{}, fmt.Errorf("look up caller identity: %w", err)
	}
	part, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{}, opts...)
	if err != nil {
		return Account{}, fmt.Errorf("look up partition: %w", err)
	}
	return Account{ID: id.AccountId, Partition: part.Partition}, nil
}

// ARN builds an ARN of this account: arn:<partition>:<service>:<region>:<account>:<resource>.
func (a Account) ARN(service, region, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, service, region, a.ID, resource)
}

// Root is the account's root principal, the one key policies delegate to.
func (a Account) Root() string { return fmt.Sprintf("arn:%s:iam::%s:root", a.Partition, a.ID) }

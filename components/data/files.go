package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/efs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// azCount is the number of private subnets (one per AZ) the network gives
// every region; EFS gets a mount target in each.
const azCount = 3

// Workspace is the analysis workspace's access point: every pod mounting
// it acts as this POSIX user inside this directory, whatever its image's
// user, so that no pod reaches another root.
var Workspace = struct {
	Path        string
	UID, GID    int
	Permissions string
}{Path: "/analysis-workspace", UID: 1000, GID: 1000, Permissions: "0750"}

// files creates the shared analysis workspace on EFS: encrypted with the
// file-storage key, a mount target per private subnet behind a group that
// accepts NFS from the nodes only, TLS required by the file system policy,
// idle files moved to infrequent access, automatic daily backups.
func (b *builder) files() error {
	sg, err := ec2.NewSecurityGroup(b.ctx, b.child("efs"), &ec2.SecurityGroupArgs{
		VpcId:               b.args.VpcID,
		Description:         pulumi.String("EFS analysis workspace: NFS from EKS nodes only"),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                b.tags("efs", KeyFiles),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("efs security group: %w", err)
	}
	if _, err := ec2.NewSecurityGroupRule(b.ctx, b.child("efs-nfs-in"), &ec2.SecurityGroupRuleArgs{
		Type:                  pulumi.String("ingress"),
		SecurityGroupId:       sg.ID(),
		Protocol:              pulumi.String("tcp"),
		FromPort:              pulumi.Int(2049),
		ToPort:                pulumi.Int(2049),
		SourceSecurityGroupId: b.args.NodeSecurityGroupID,
		Description:           pulumi.String("NFS from EKS nodes and pods only"),
	}, pulumi.Parent(sg)); err != nil {
		return fmt.Errorf("efs security group rule: %w", err)
	}
	fs, err := efs.NewFileSystem(b.ctx, b.child("efs"), &efs.FileSystemArgs{
		CreationToken:   pulumi.String(b.physical(b.args.Region + "-workspace")),
		Encrypted:       pulumi.Bool(true),
		KmsKeyId:        b.keyArn(KeyFiles),
		PerformanceMode: pulumi.String("generalPurpose"),
		ThroughputMode:  pulumi.String("elastic"),
		LifecyclePolicies: efs.FileSystemLifecyclePolicyArray{
			efs.FileSystemLifecyclePolicyArgs{TransitionToIa: pulumi.String("AFTER_30_DAYS")},
			efs.FileSystemLifecyclePolicyArgs{TransitionToPrimaryStorageClass: pulumi.String("AFTER_1_ACCESS")},
		},
		Tags: b.tags("efs", KeyFiles),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("efs file system: %w", err)
	}
	child := pulumi.Parent(fs)
	if _, err := efs.NewBackupPolicy(b.ctx, b.child("efs"), &efs.BackupPolicyArgs{
		FileSystemId: fs.ID(),
		BackupPolicy: &efs.BackupPolicyBackupPolicyArgs{Status: pulumi.String("ENABLED")},
	}, child); err != nil {
		return fmt.Errorf("efs backup policy: %w", err)
	}
	policy := fs.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(iampolicy.Statement{
			Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
			Action: []string{"*"}, Resource: arn,
		}.When("Bool", "aws:SecureTransport", false)).JSON()
	}).(pulumi.StringOutput)
	if _, err := efs.NewFileSystemPolicy(b.ctx, b.child("efs"), &efs.FileSystemPolicyArgs{
		FileSystemId: fs.ID(), Policy: policy,
	}, child); err != nil {
		return fmt.Errorf("efs file system policy: %w", err)
	}
	subnets := b.args.PrivateSubnetIDs.ToStringArrayOutput()
	for i := 0; i < azCount; i++ {
		if _, err := efs.NewMountTarget(b.ctx, b.child(fmt.Sprintf("efs-%d", i)), &efs.MountTargetArgs{
			FileSystemId:   fs.ID(),
			SubnetId:       subnets.Index(pulumi.Int(i)),
			SecurityGroups: pulumi.StringArray{sg.ID()},
		}, child); err != nil {
			return fmt.Errorf("efs mount target %d: %w", i, err)
		}
	}
	ap, err := efs.NewAccessPoint(b.ctx, b.child("efs-workspace"), &efs.AccessPointArgs{
		FileSystemId: fs.ID(),
		PosixUser:    &efs.AccessPointPosixUserArgs{Uid: pulumi.Int(Workspace.UID), Gid: pulumi.Int(Workspace.GID)},
		RootDirectory: &efs.AccessPointRootDirectoryArgs{
			Path: pulumi.String(Workspace.Path),
			CreationInfo: &efs.AccessPointRootDirectoryCreationInfoArgs{
				OwnerUid: pulumi.Int(Workspace.UID), OwnerGid: pulumi.Int(Workspace.GID), Permissions: pulumi.String(Workspace.Permissions),
			},
		},
		Tags: b.tags("efs-workspace", KeyFiles),
	}, child)
	if err != nil {
		return fmt.Errorf("efs access point: %w", err)
	}
	b.fileSystemArn = fs.Arn
	b.d.FileSystemID = fs.ID().ToStringOutput()
	b.d.AccessPointID = ap.ID().ToStringOutput()
	return nil
}

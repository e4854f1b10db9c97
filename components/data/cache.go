package data

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// redisTokenLength is the AUTH token's length: letters and digits only
// (ElastiCache refuses some punctuation), 64 of them are ~380 bits.
const redisTokenLength = 64

// cache creates ElastiCache Redis in cluster mode: shards and replicas
// from config, Multi-AZ with automatic failover, encrypted at rest with
// the cache key and in transit, AUTH required. The primary generates the
// token; a secondary uses the same one (replicated with the secret), so
// clients fail over without a new credential.
func (b *builder) cache() error {
	if b.primary() {
		token, err := random.NewRandomPassword(b.ctx, b.child("redis-auth"), &random.RandomPasswordArgs{
			Length:  pulumi.Int(redisTokenLength),
			Special: pulumi.Bool(false),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("redis auth token: %w", err)
		}
		b.redisToken = pulumi.ToSecret(token.Result).(pulumi.StringOutput)
	} else {
		b.redisToken = pulumi.ToSecret(b.args.Primary.RedisAuthToken).(pulumi.StringOutput)
	}
	subnets, err := elasticache.NewSubnetGroup(b.ctx, b.child("redis"), &elasticache.SubnetGroupArgs{
		Name:        pulumi.String(b.physical(b.args.Region)),
		Description: pulumi.String("Private subnets of the platform's Redis"),
		SubnetIds:   b.args.PrivateSubnetIDs,
		Tags:        b.tags("redis", KeyCache),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("redis subnet group: %w", err)
	}
	pg, err := elasticache.NewParameterGroup(b.ctx, b.child("redis7-cluster"), &elasticache.ParameterGroupArgs{
		Name:        pulumi.String(b.physical(b.args.Region + "-redis7-cluster")),
		Family:      pulumi.String("redis7"),
		Description: pulumi.String("solsec Redis 7, cluster mode"),
		Parameters: elasticache.ParameterGroupParameterArray{
			elasticache.ParameterGroupParameterArgs{Name: pulumi.String("cluster-enabled"), Value: pulumi.String("yes")},
			// Evict only keys with a TTL: queues and locks never vanish.
			elasticache.ParameterGroupParameterArgs{Name: pulumi.String("maxmemory-policy"), Value: pulumi.String("volatile-lru")},
		},
		Tags: b.tags("redis7-cluster", KeyCache),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("redis parameter group: %w", err)
	}
	c := b.args.Cache
	rg, err := elasticache.NewReplicationGroup(b.ctx, b.child("redis"), &elasticache.ReplicationGroupArgs{
		ReplicationGroupId:       pulumi.String(b.physical(b.args.Region)),
		Description:              pulumi.Sprintf("solsec %s %s cache", b.args.Environment, b.args.Region),
		Engine:                   pulumi.String("redis"),
		EngineVersion:            pulumi.String(c.EngineVersion),
		NodeType:                 pulumi.String(c.NodeType),
		ClusterMode:              pulumi.String("enabled"),
		NumNodeGroups:            pulumi.Int(c.Shards),
		ReplicasPerNodeGroup:     pulumi.Int(c.ReplicasPerShard),
		AutomaticFailoverEnabled: pulumi.Bool(true),
		MultiAzEnabled:           pulumi.Bool(true),
		ParameterGroupName:       pg.Name,
		SubnetGroupName:          subnets.Name,
		SecurityGroupIds:         pulumi.StringArray{b.args.RedisSecurityGroupID},
		Port:                     pulumi.Int(6379),
		AtRestEncryptionEnabled:  pulumi.Bool(true),
		KmsKeyId:                 b.keyArn(KeyCache),
		TransitEncryptionEnabled: pulumi.Bool(true),
		TransitEncryptionMode:    pulumi.String("required"),
		AuthToken:                b.redisToken,
		AuthTokenUpdateStrategy:  pulumi.String("ROTATE"),
		SnapshotRetentionLimit:   pulumi.Int(c.SnapshotRetentionDays),
		SnapshotWindow:           pulumi.String("02:00-03:00"),
		MaintenanceWindow:        pulumi.String("sun:05:30-sun:06:30"),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		LogDeliveryConfigurations: elasticache.ReplicationGroupLogDeliveryConfigurationArray{
			elasticache.ReplicationGroupLogDeliveryConfigurationArgs{
				Destination: b.redisLogGroup, DestinationType: pulumi.String("cloudwatch-logs"),
				LogFormat: pulumi.String("json"), LogType: pulumi.String("slow-log"),
			},
		},
		FinalSnapshotIdentifier: finalSnapshot(b.production(), b.physical(b.args.Region)+"-final"),
		Tags:                    b.tags("redis", KeyCache),
		// The rotation function owns the token after creation.
	}, b.parent, pulumi.IgnoreChanges([]string{"authToken", "authTokenUpdateStrategy"}))
	if err != nil {
		return fmt.Errorf("redis replication group: %w", err)
	}
	b.d.RedisEndpoint = rg.ConfigurationEndpointAddress
	return nil
}

// finalSnapshot names the snapshot taken on deletion in production.
func finalSnapshot(production bool, name string) pulumi.StringPtrInput {
	if !production {
		return nil
	}
	return pulumi.String(name)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

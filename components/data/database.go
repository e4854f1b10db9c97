package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// DatabaseLogExports are the PostgreSQL logs RDS ships to CloudWatch.
var DatabaseLogExports = []string{"postgresql", "upgrade"}

// DatabaseParameters are set in the PostgreSQL 15 parameter group: TLS is
// forced for every connection, and the log records connections, DDL, lock
// waits, temporary files and slow statements (over 500 ms) without
// logging query values of ordinary statements.
var DatabaseParameters = map[string]string{
	"rds.force_ssl":               "1",
	"log_connections":             "1",
	"log_disconnections":          "1",
	"log_statement":               "ddl",
	"log_min_duration_statement":  "500",
	"log_lock_waits":              "1",
	"log_temp_files":              "0",
	"log_autovacuum_min_duration": "1000",
}

// enhancedMonitoringSeconds is the Enhanced Monitoring interval.
const enhancedMonitoringSeconds = 15

// databaseIdentifier is the region's DB instance identifier.
func (b *builder) databaseIdentifier() string { return b.physical(b.args.Region) }

// logGroups creates the tier's CloudWatch log groups before the services
// that write to them, so that they are encrypted with the logs key and
// expire, instead of being created by the services unencrypted and kept
// forever.
func (b *builder) logGroups() error {
	newGroup := func(suffix, name string) (*cloudwatch.LogGroup, error) {
		g, err := cloudwatch.NewLogGroup(b.ctx, b.child(suffix), &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(name),
			RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
			KmsKeyId:        b.keyArn(KeyLogs),
			Tags:            b.tags(suffix, KeyLogs),
		}, b.parent)
		if err != nil {
			return nil, fmt.Errorf("log group %s: %w", name, err)
		}
		return g, nil
	}
	ids := []string{b.databaseIdentifier()}
	if b.primary() {
		ids = append(ids, b.databaseIdentifier()+"-reader")
	}
	for _, id := range ids {
		for _, export := range DatabaseLogExports {
			g, err := newGroup("logs-"+id+"-"+export, fmt.Sprintf("/aws/rds/instance/%s/%s", id, export))
			if err != nil {
				return err
			}
			b.dbLogGroups = append(b.dbLogGroups, g)
		}
	}
	g, err := newGroup("logs-redis-slow", fmt.Sprintf("/solsec/%s/%s/redis/slow-log", b.args.Environment, b.args.Region))
	if err != nil {
		return err
	}
	b.redisLogGroup = g.Name
	return nil
}

// database creates RDS PostgreSQL: on the primary the writable Multi-AZ
// instance, an in-region read replica and RDS Proxy; on a secondary the
// cross-region read replica of the primary, encrypted with this region's
// database key, which failover promotes.
func (b *builder) database() error {
	subnets, err := rds.NewSubnetGroup(b.ctx, b.child("db"), &rds.SubnetGroupArgs{
		Description: pulumi.String("Private subnets of the platform's PostgreSQL"),
		SubnetIds:   b.args.PrivateSubnetIDs,
		Tags:        b.tags("db", KeyDatabase),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("db subnet group: %w", err)
	}
	var params rds.ParameterGroupParameterArray
	for _, name := range sortedKeys(DatabaseParameters) {
		params = append(params, rds.ParameterGroupParameterArgs{
			Name: pulumi.String(name), Value: pulumi.String(DatabaseParameters[name]), ApplyMethod: pulumi.String("immediate"),
		})
	}
	pg, err := rds.NewParameterGroup(b.ctx, b.child("postgres15"), &rds.ParameterGroupArgs{
		Family:      pulumi.String("postgres15"),
		Description: pulumi.String("solsec PostgreSQL 15: TLS forced, connection, DDL and slow-statement logging"),
		Parameters:  params,
		Tags:        b.tags("postgres15", KeyDatabase),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("db parameter group: %w", err)
	}
	monitoring, err := iam.NewRole(b.ctx, b.child("db-monitoring"), &iam.RoleArgs{
		Description: pulumi.String("RDS Enhanced Monitoring of the platform's PostgreSQL"),
		AssumeRolePolicy: pulumi.String(iampolicy.New(iampolicy.Statement{
			Effect: "Allow", Principal: map[string]any{"Service": "monitoring.rds.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
		}.When("StringEquals", "aws:SourceAccount", b.accountID)).JSON()),
		ManagedPolicyArns: pulumi.StringArray{pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", b.partition)},
		Tags:              b.tags("db-monitoring", ""),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("enhanced monitoring role: %w", err)
	}

	prod := b.production()
	id := b.databaseIdentifier()
	common := func(identifier string) *rds.InstanceArgs {
		return &rds.InstanceArgs{
			Identifier:                         pulumi.String(identifier),
			InstanceClass:                      pulumi.String(b.args.Database.InstanceClass),
			StorageType:                        pulumi.String("gp3"),
			MaxAllocatedStorage:                pulumi.Int(b.args.Database.MaxAllocatedStorageGB),
			StorageEncrypted:                   pulumi.Bool(true),
			KmsKeyId:                           b.keyArn(KeyDatabase),
			DbSubnetGroupName:                  subnets.Name,
			VpcSecurityGroupIds:                pulumi.StringArray{b.args.RdsSecurityGroupID},
			PubliclyAccessible:                 pulumi.Bool(false),
			ParameterGroupName:                 pg.Name,
			IamDatabaseAuthenticationEnabled:   pulumi.Bool(true),
			PerformanceInsightsEnabled:         pulumi.Bool(true),
			PerformanceInsightsKmsKeyId:        b.keyArn(KeyDatabase),
			PerformanceInsightsRetentionPeriod: pulumi.Int(7),
			MonitoringInterval:                 pulumi.Int(enhancedMonitoringSeconds),
			MonitoringRoleArn:                  monitoring.Arn,
			EnabledCloudwatchLogsExports:       pulumi.ToStringArray(DatabaseLogExports),
			CopyTagsToSnapshot:                 pulumi.Bool(true),
			AutoMinorVersionUpgrade:            pulumi.Bool(false),
			DeletionProtection:                 pulumi.Bool(prod),
			SkipFinalSnapshot:                  pulumi.Bool(!prod),
			Tags:                               pulumi.StringMap{"Name": pulumi.String(identifier), "DataClass": pulumi.String(KeyDatabase)},
		}
	}
	withLogs := append([]pulumi.ResourceOption{b.parent}, pulumi.DependsOn(b.dbLogGroups))
	if !b.primary() {
		// The cross-region replica: a Multi-AZ standby-ready copy with its
		// own 30-day backups, so that once promoted it has point-in-time
		// recovery from the first minute.
		args := common(id)
		args.ReplicateSourceDb = b.args.Primary.DatabaseArn
		args.MultiAz = pulumi.Bool(true)
		args.BackupRetentionPeriod = pulumi.Int(b.args.BackupRetentionDays)
		args.BackupWindow = pulumi.String("03:00-04:00")
		if prod {
			args.FinalSnapshotIdentifier = pulumi.String(id + "-final")
		}
		replica, err := rds.NewInstance(b.ctx, b.child("db"), args, withLogs...)
		if err != nil {
			return fmt.Errorf("cross-region read replica: %w", err)
		}
		b.d.DatabaseArn, b.d.DatabaseEndpoint = replica.Arn, replica.Endpoint
		return b.replicaLagAlarm(replica)
	}

	args := common(id)
	args.Engine = pulumi.String("postgres")
	args.EngineVersion = pulumi.String(b.args.Database.EngineVersion)
	args.AllocatedStorage = pulumi.Int(b.args.Database.AllocatedStorageGB)
	args.DbName = pulumi.String("solsec")
	args.Username = pulumi.String("solsec_admin")
	// RDS generates the master password, keeps it in Secrets Manager under
	// the secrets key and rotates it (every 7 days by default).
	args.ManageMasterUserPassword = pulumi.Bool(true)
	args.MasterUserSecretKmsKeyId = b.keyArn(KeySecrets)
	args.MultiAz = pulumi.Bool(true)
	args.BackupRetentionPeriod = pulumi.Int(b.args.BackupRetentionDays)
	args.BackupWindow = pulumi.String("03:00-04:00")
	args.MaintenanceWindow = pulumi.String("sun:04:30-sun:05:30")
	args.DeleteAutomatedBackups = pulumi.Bool(!prod)
	if prod {
		args.FinalSnapshotIdentifier = pulumi.String(id + "-final")
	}
	db, err := rds.NewInstance(b.ctx, b.child("db"), args, withLogs...)
	if err != nil {
		return fmt.Errorf("db instance: %w", err)
	}
	b.dbArn = db.Arn
	b.d.DatabaseArn, b.d.DatabaseEndpoint = db.Arn, db.Endpoint
	secretArn := db.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()
	b.d.MasterSecretArn = secretArn

	// The in-region reader takes read-heavy work (dashboards, reports).
	reader := common(id + "-reader")
	reader.ReplicateSourceDb = db.Identifier
	reader.SkipFinalSnapshot = pulumi.Bool(true)
	readerDB, err := rds.NewInstance(b.ctx, b.child("db-reader"), reader, withLogs...)
	if err != nil {
		return fmt.Errorf("read replica: %w", err)
	}
	b.d.ReaderEndpoint = readerDB.Endpoint
	return b.proxy(db, secretArn)
}

// proxy creates RDS Proxy in front of the primary instance: pooled
// connections, TLS required, IAM authentication from clients, and the
// RDS-managed master secret for its own connections.
func (b *builder) proxy(db *rds.Instance, secretArn pulumi.StringOutput) error {
	region := b.args.Region
	policy := pulumi.All(secretArn, b.keyArn(KeySecrets)).ApplyT(func(v []any) string {
		return iampolicy.New(
			iampolicy.Allow("ReadMasterSecret", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, v[0].(string)),
			iampolicy.Allow("DecryptMasterSecret", []string{"kms:Decrypt"}, v[1].(string)).
				When("StringEquals", "kms:ViaService", "secretsmanager."+region+".amazonaws.com"),
		).JSON()
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(b.ctx, b.child("db-proxy"), &iam.RoleArgs{
		Description: pulumi.String("RDS Proxy: reads the master secret of the platform's PostgreSQL"),
		AssumeRolePolicy: pulumi.String(iampolicy.New(iampolicy.Statement{
			Effect: "Allow", Principal: map[string]any{"Service": "rds.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
		}.When("StringEquals", "aws:SourceAccount", b.accountID)).JSON()),
		Tags: b.tags("db-proxy", ""),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("proxy role: %w", err)
	}
	rolePolicy, err := iam.NewRolePolicy(b.ctx, b.child("db-proxy"), &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, pulumi.Parent(role))
	if err != nil {
		return fmt.Errorf("proxy role policy: %w", err)
	}
	proxy, err := rds.NewProxy(b.ctx, b.child("db-proxy"), &rds.ProxyArgs{
		Name:         pulumi.String(b.databaseIdentifier()),
		EngineFamily: pulumi.String("POSTGRESQL"),
		RequireTls:   pulumi.Bool(true),
		RoleArn:      role.Arn,
		Auths: rds.ProxyAuthArray{rds.ProxyAuthArgs{
			AuthScheme:             pulumi.String("SECRETS"),
			SecretArn:              secretArn,
			IamAuth:                pulumi.String("REQUIRED"),
			ClientPasswordAuthType: pulumi.String("POSTGRES_SCRAM_SHA_256"),
			Description:            pulumi.String("RDS-managed master secret"),
		}},
		IdleClientTimeout:   pulumi.Int(1800),
		VpcSubnetIds:        b.args.PrivateSubnetIDs,
		VpcSecurityGroupIds: pulumi.StringArray{b.args.RdsSecurityGroupID},
		Tags:                b.tags("db-proxy", KeyDatabase),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy}))
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	tg, err := rds.NewProxyDefaultTargetGroup(b.ctx, b.child("db-proxy"), &rds.ProxyDefaultTargetGroupArgs{
		DbProxyName: proxy.Name,
		ConnectionPoolConfig: &rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs{
			MaxConnectionsPercent:     pulumi.Int(90),
			MaxIdleConnectionsPercent: pulumi.Int(50),
			ConnectionBorrowTimeout:   pulumi.Int(120),
		},
	}, pulumi.Parent(proxy))
	if err != nil {
		return fmt.Errorf("proxy target group: %w", err)
	}
	if _, err := rds.NewProxyTarget(b.ctx, b.child("db-proxy"), &rds.ProxyTargetArgs{
		DbProxyName:          proxy.Name,
		TargetGroupName:      tg.Name,
		DbInstanceIdentifier: db.Identifier,
	}, pulumi.Parent(proxy)); err != nil {
		return fmt.Errorf("proxy target: %w", err)
	}
	b.d.ProxyEndpoint = proxy.Endpoint
	return nil
}

// ReplicaLagAlarmSeconds is the cross-region replica lag that raises an
// alarm: far inside the 5-minute RPO, so that a growing lag is seen
// before it threatens it.
const ReplicaLagAlarmSeconds = 60

// replicaLagAlarm watches the cross-region replica's lag, the data a
// regional failover would lose.
func (b *builder) replicaLagAlarm(replica *rds.Instance) error {
	if _, err := cloudwatch.NewMetricAlarm(b.ctx, b.child("db-replica-lag"), &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String("Cross-region replica lag above 60 s: the RPO of a regional failover is at risk (docs/disaster-recovery.md)"),
		Namespace:          pulumi.String("AWS/RDS"),
		MetricName:         pulumi.String("ReplicaLag"),
		Dimensions:         pulumi.StringMap{"DBInstanceIdentifier": replica.Identifier},
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(3),
		DatapointsToAlarm:  pulumi.Int(3),
		Threshold:          pulumi.Float64(ReplicaLagAlarmSeconds),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		// No data means the replica is not replicating at all.
		TreatMissingData: pulumi.String("breaching"),
		Tags:             b.tags("db-replica-lag", ""),
	}, b.parent); err != nil {
		return fmt.Errorf("replica lag alarm: %w", err)
	}
	return nil
}

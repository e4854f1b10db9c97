package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// OpenSearchVersion is the engine of Jaeger's trace store.
const OpenSearchVersion = "OpenSearch_2.17"

// jaeger creates the trace store (an OpenSearch Service domain in the
// private subnets, reachable only from the pods' security group over TLS,
// encrypted at rest and between nodes, fine-grained access control with a
// generated user) and Jaeger's collector and query, two or more of each,
// with a daily job that drops indices older than the retention.
func (b *builder) jaeger() error {
	in := b.args.InCluster
	j := in.Jaeger
	domainName := "solsec-" + b.args.Environment + "-traces"
	domainArn := b.arn("es", "domain/"+domainName)

	sg, err := ec2.NewSecurityGroup(b.ctx, b.child("traces"), &ec2.SecurityGroupArgs{
		Description: pulumi.String("Jaeger trace store: HTTPS from the cluster's pods only"),
		VpcId:       j.VpcID,
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("HTTPS from pods"), Protocol: pulumi.String("tcp"),
			FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			SecurityGroups: pulumi.StringArray{j.ClientSecurityGroupID},
		}},
		Tags: b.tags("traces"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("trace store security group: %w", err)
	}

	logs, err := b.logGroup("traces-logs", "/aws/opensearch/"+domainName)
	if err != nil {
		return err
	}
	logsArn := b.arn("logs", "log-group:/aws/opensearch/"+domainName)
	logPolicy, err := cloudwatch.NewLogResourcePolicy(b.ctx, b.child("traces-logs"), &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.String(domainName + "-logs"),
		PolicyDocument: pulumi.String(iampolicy.New(iampolicy.Statement{Sid: "OpenSearchWrites", Effect: "Allow",
			Principal: map[string]any{"Service": "es.amazonaws.com"},
			Action:    []string{"logs:PutLogEvents", "logs:CreateLogStream"},
			Resource:  logsArn + ":*"}.
			When("StringEquals", "aws:SourceAccount", b.accountID).
			When("ArnLike", "aws:SourceArn", domainArn)).JSON()),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{logs}))
	if err != nil {
		return fmt.Errorf("trace store log policy: %w", err)
	}

	pw, secret, err := b.generatedCredential("traces-user", opensearchUser, opensearchUserSecret, "username", "password")
	if err != nil {
		return err
	}
	var subnets pulumi.StringArray
	for _, s := range j.SubnetIDs {
		subnets = append(subnets, s)
	}
	cluster := opensearch.DomainClusterConfigArgs{
		InstanceType:         pulumi.String(j.InstanceType),
		InstanceCount:        pulumi.Int(j.InstanceCount),
		ZoneAwarenessEnabled: pulumi.Bool(len(j.SubnetIDs) > 1),
	}
	if len(j.SubnetIDs) > 1 {
		cluster.ZoneAwarenessConfig = opensearch.DomainClusterConfigZoneAwarenessConfigArgs{AvailabilityZoneCount: pulumi.Int(len(j.SubnetIDs))}
	}
	if j.DedicatedMasters {
		cluster.DedicatedMasterEnabled = pulumi.Bool(true)
		cluster.DedicatedMasterCount = pulumi.Int(3)
		cluster.DedicatedMasterType = pulumi.String("m6g.large.search")
	}
	domain, err := opensearch.NewDomain(b.ctx, b.child("traces"), &opensearch.DomainArgs{
		DomainName:    pulumi.String(domainName),
		EngineVersion: pulumi.String(OpenSearchVersion),
		ClusterConfig: cluster,
		EbsOptions: opensearch.DomainEbsOptionsArgs{
			EbsEnabled: pulumi.Bool(true), VolumeType: pulumi.String("gp3"), VolumeSize: pulumi.Int(j.VolumeGB),
		},
		EncryptAtRest:        opensearch.DomainEncryptAtRestArgs{Enabled: pulumi.Bool(true), KmsKeyId: b.secretsKey},
		NodeToNodeEncryption: opensearch.DomainNodeToNodeEncryptionArgs{Enabled: pulumi.Bool(true)},
		DomainEndpointOptions: opensearch.DomainDomainEndpointOptionsArgs{
			EnforceHttps: pulumi.Bool(true), TlsSecurityPolicy: pulumi.String("Policy-Min-TLS-1-2-PFS-2023-10"),
		},
		// Fine-grained access control authenticates every request (the
		// generated user); the network allows only the pods' group.
		AdvancedSecurityOptions: opensearch.DomainAdvancedSecurityOptionsArgs{
			Enabled:                     pulumi.Bool(true),
			AnonymousAuthEnabled:        pulumi.Bool(false),
			InternalUserDatabaseEnabled: pulumi.Bool(true),
			MasterUserOptions: opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs{
				MasterUserName: pulumi.String(opensearchUser), MasterUserPassword: pw.Result,
			},
		},
		AccessPolicies: pulumi.String(iampolicy.New(iampolicy.Statement{Sid: "FineGrainedAccessControlDecides", Effect: "Allow",
			Principal: map[string]any{"AWS": "*"}, Action: []string{"es:ESHttp*"}, Resource: domainArn + "/*"}).JSON()),
		VpcOptions: opensearch.DomainVpcOptionsArgs{SubnetIds: subnets, SecurityGroupIds: pulumi.StringArray{sg.ID()}},
		LogPublishingOptions: opensearch.DomainLogPublishingOptionArray{
			opensearch.DomainLogPublishingOptionArgs{LogType: pulumi.String("ES_APPLICATION_LOGS"), CloudwatchLogGroupArn: logs.Arn},
			opensearch.DomainLogPublishingOptionArgs{LogType: pulumi.String("AUDIT_LOGS"), CloudwatchLogGroupArn: logs.Arn},
		},
		Tags: b.tags("traces"),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{logPolicy}))
	if err != nil {
		return fmt.Errorf("trace store: %w", err)
	}

	// The chart scales the collector but has no disruption budgets; the
	// budgets below keep one collector and one query pod through node drains.
	collector := pulumi.Map{
		"replicaCount": pulumi.Int(2),
		"autoscaling":  pulumi.Map{"enabled": pulumi.Bool(true), "minReplicas": pulumi.Int(2), "maxReplicas": pulumi.Int(6)},
		"service": pulumi.Map{"otlp": pulumi.Map{
			"grpc": pulumi.Map{"name": pulumi.String("otlp-grpc"), "port": pulumi.Int(4317)},
			"http": pulumi.Map{"name": pulumi.String("otlp-http"), "port": pulumi.Int(4318)},
		}},
	}
	rel, err := b.release("jaeger", pulumi.Map{
		"fullnameOverride":   pulumi.String(jaegerRelease),
		"provisionDataStore": pulumi.Map{"cassandra": pulumi.Bool(false), "elasticsearch": pulumi.Bool(false)},
		"storage": pulumi.Map{
			"type": pulumi.String("elasticsearch"),
			"elasticsearch": pulumi.Map{
				"scheme": pulumi.String("https"),
				"host":   domain.Endpoint,
				"port":   pulumi.Int(443),
				"user":   pulumi.String(opensearchUser),
				// The password comes from the Secret External Secrets
				// keeps in sync with Secrets Manager.
				"usePassword":       pulumi.Bool(true),
				"existingSecret":    pulumi.String(opensearchUserSecret),
				"existingSecretKey": pulumi.String("password"),
				"indexPrefix":       pulumi.String("solsec"),
			},
		},
		"agent":     pulumi.Map{"enabled": pulumi.Bool(false)},
		"collector": collector,
		// The agent is off, so query needs no agent sidecar either.
		"query": pulumi.Map{"replicaCount": pulumi.Int(2), "agentSidecar": pulumi.Map{"enabled": pulumi.Bool(false)}},
		"esIndexCleaner": pulumi.Map{
			"enabled": pulumi.Bool(true), "numberOfDays": pulumi.Int(j.RetentionDays), "schedule": pulumi.String("15 0 * * *"),
		},
	}, domain, secret)
	if err != nil {
		return err
	}
	for _, component := range []string{"collector", "query"} {
		if _, err := policyv1.NewPodDisruptionBudget(b.ctx, b.child("jaeger-"+component), &policyv1.PodDisruptionBudgetArgs{
			Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(jaegerRelease + "-" + component), Namespace: pulumi.String(in.Namespace)},
			Spec: policyv1.PodDisruptionBudgetSpecArgs{
				MinAvailable: pulumi.Int(1),
				Selector: metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{
					"app.kubernetes.io/instance":  pulumi.String(jaegerRelease),
					"app.kubernetes.io/component": pulumi.String(component),
				}},
			},
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{rel})); err != nil {
			return fmt.Errorf("jaeger %s disruption budget: %w", component, err)
		}
	}
	return nil
}

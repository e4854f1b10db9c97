package workloads

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/cluster"
	"github.com/solsec/platform/internal/iampolicy"
)

// grants are the resources one workload's role may use, resolved.
type grants struct {
	bucket, objectsKey       string
	dbSecret, dbSecretKey    string
	secretsKey               string
	redisSecret, jwtSecret   string
	region, dbSecretRegion   string
	blob, blobDelete         bool
	database, redis, jwtKeys bool
}

// secretArn matches one secret by name in a region: Secrets Manager adds a
// six-character suffix to every ARN, and a replica keeps its name, so the
// name pins the secret in either region.
func (b *builder) secretArn(region, name string) string {
	return b.acct.ARN("secretsmanager", region, "secret:"+name+"-??????")
}

// policy is the workload's identity policy: exactly its bucket, its
// secrets and the keys they are encrypted with, each key usable only
// through the service that holds the data.
func policy(g grants) iampolicy.Document {
	var s []iampolicy.Statement
	if g.blob {
		objectActions := []string{"s3:GetObject", "s3:PutObject"}
		if g.blobDelete {
			objectActions = append(objectActions, "s3:DeleteObject")
		}
		s = append(s,
			// ListBucket lets a missing object read as 404 rather than 403.
			iampolicy.Allow("ListContracts", []string{"s3:ListBucket"}, "arn:aws:s3:::"+g.bucket),
			iampolicy.Allow("ContractsObjects", objectActions, "arn:aws:s3:::"+g.bucket+"/*"),
			iampolicy.Allow("ObjectsKeyThroughS3", []string{"kms:Decrypt", "kms:GenerateDataKey"}, g.objectsKey).
				When("StringEquals", "kms:ViaService", "s3."+g.region+".amazonaws.com"),
		)
	}
	if g.database {
		s = append(s,
			iampolicy.Allow("ReadDatabaseSecret", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, g.dbSecret),
			iampolicy.Allow("DatabaseSecretKey", []string{"kms:Decrypt"}, g.dbSecretKey).
				When("StringEquals", "kms:ViaService", "secretsmanager."+g.dbSecretRegion+".amazonaws.com"),
		)
	}
	var secrets []string
	if g.redis {
		secrets = append(secrets, g.redisSecret)
	}
	if g.jwtKeys {
		secrets = append(secrets, g.jwtSecret)
	}
	if len(secrets) > 0 {
		s = append(s,
			iampolicy.Allow("ReadPlatformSecrets", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, secrets...),
		)
		// The database secret's key is this key too in the primary.
		if !(g.database && g.dbSecretKey == g.secretsKey) {
			s = append(s, iampolicy.Allow("SecretsKey", []string{"kms:Decrypt"}, g.secretsKey).
				When("StringEquals", "kms:ViaService", "secretsmanager."+g.region+".amazonaws.com"))
		}
	}
	return iampolicy.New(s...)
}

// role creates the workload's IRSA role: trusted by exactly its service
// account in its namespace, with the policy above. Workloads that call no
// AWS API (the front ends) get none.
func (b *builder) role(w Workload) (pulumi.StringOutput, bool, error) {
	if !w.usesAWS() {
		return pulumi.StringOutput{}, false, nil
	}
	a := b.args
	doc := pulumi.All(a.ContractsBucket, a.ObjectsKeyArn, a.Database.SecretArn, a.Database.SecretKeyArn, a.SecretsKeyArn).ApplyT(func(v []any) string {
		return policy(grants{
			bucket: v[0].(string), objectsKey: v[1].(string), dbSecret: v[2].(string), dbSecretKey: v[3].(string), secretsKey: v[4].(string),
			redisSecret: b.secretArn(a.Region, a.RedisSecretName), jwtSecret: b.secretArn(a.Region, a.JWTSecretName),
			region: a.Region, dbSecretRegion: a.Database.SecretRegion,
			blob: w.Blob, blobDelete: w.BlobDelete, database: w.Database, redis: w.Redis, jwtKeys: w.JWT,
		}).JSON()
	}).(pulumi.StringOutput)
	r, err := cluster.NewServiceAccountRole(b.ctx, b.child(w.Name), cluster.ServiceAccountRoleArgs{
		OidcProviderArn: a.OidcProviderArn, Issuer: a.Issuer,
		Namespace: namespace(w), ServiceAccount: w.Name, Policy: doc,
	}, b.parent)
	if err != nil {
		return pulumi.StringOutput{}, false, fmt.Errorf("role: %w", err)
	}
	b.roles[w.Name] = r.Arn
	return r.Arn, true, nil
}

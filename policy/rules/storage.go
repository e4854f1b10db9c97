package rules

import "strings"

const (
	tBucket            = "aws:s3/bucketV2:BucketV2"
	tBucketLegacy      = "aws:s3/bucket:Bucket"
	tBucketPAB         = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tBucketSSE         = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tBucketVersioning  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tBucketLifecycle   = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tBucketLogging     = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tBucketReplication = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
	tBucketPolicy      = "aws:s3/bucketPolicy:BucketPolicy"
	tEFS               = "aws:efs/fileSystem:FileSystem"
	tSecret            = "aws:secretsmanager/secret:Secret"
	tSecretRotation    = "aws:secretsmanager/secretRotation:SecretRotation"
	maxRotationDays    = 90
)

// sseIsKMS reports whether an S3 encryption rule list uses KMS with a key.
func sseIsKMS(rules []View) bool {
	for _, rule := range rules {
		d := rule.At("applyServerSideEncryptionByDefault")
		if strings.HasPrefix(d.Str("sseAlgorithm"), "aws:kms") && d.Set("kmsMasterKeyId") {
			return true
		}
	}
	return false
}

// deniesInsecureTransport reports whether a bucket policy denies requests
// with aws:SecureTransport false.
func deniesInsecureTransport(raw any) bool {
	doc, ok := parseDocument(raw)
	if !ok {
		return false
	}
	for _, st := range doc.Statement {
		if st.Effect != "Deny" {
			continue
		}
		for op, kv := range st.Condition {
			if op != "Bool" {
				continue
			}
			for k, val := range kv {
				if strings.EqualFold(k, "aws:SecureTransport") && strings.EqualFold(strings.Join(list(val), ""), "false") {
					return true
				}
				if b, ok := val.(bool); ok && strings.EqualFold(k, "aws:SecureTransport") && !b {
					return true
				}
			}
		}
	}
	return false
}

func storagePolicies() []ResourcePolicy {
	return []ResourcePolicy{
		{
			ID: "s3-public-access-block", Title: "S3 public access block turns on all four settings",
			Why:         "Blocking public ACLs and policies at the bucket stops one bad grant from publishing findings or source code.",
			Enforcement: Mandatory, Controls: ctl("S3.8,S3.1", "2.1.4", "CC6.1,C1.1", "A.8.3,A.8.12"),
			Types: []string{tBucketPAB},
			Check: func(r Resource, v View) *Problem {
				for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
					if !v.Bool(k) {
						return problem("%s is not true", "set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true", k)
					}
				}
				return nil
			},
		},
		{
			ID: "s3-sse-kms", Title: "S3 buckets default to SSE-KMS with a customer-managed key",
			Why:         "SSE-S3 cannot be revoked or audited per caller; our CMK can, and bucket keys keep the cost down.",
			Enforcement: Mandatory, Controls: ctl("S3.17", "", "CC6.1,C1.1", "A.8.24"),
			Types: []string{tBucketSSE},
			Check: func(r Resource, v View) *Problem {
				if !sseIsKMS(v.List("rules")) {
					return problem("default encryption is not aws:kms with a key", `set rules[0].applyServerSideEncryptionByDefault {sseAlgorithm: "aws:kms", kmsMasterKeyId: <CMK>}`)
				}
				return nil
			},
		},
		{
			ID: "s3-versioning", Title: "S3 buckets keep versions",
			Why:         "Versioning turns an overwrite or delete (by mistake or by ransomware) into a recoverable event.",
			Enforcement: Mandatory, Controls: ctl("S3.14", "", "A1.2", "A.8.13"),
			Types: []string{tBucketVersioning},
			Check: func(r Resource, v View) *Problem {
				if s := v.Str("versioningConfiguration", "status"); s != "Enabled" {
					return problem("versioning status is %q", `set versioningConfiguration.status: "Enabled"`, s)
				}
				return nil
			},
		},
		{
			ID: "s3-tls-only", Title: "S3 bucket policies deny requests without TLS",
			Why:         "Only a Deny on aws:SecureTransport=false stops a misconfigured client from sending objects in clear.",
			Enforcement: Mandatory, Controls: ctl("S3.5", "2.1.1", "CC6.7", "A.8.24"),
			Types: []string{tBucketPolicy},
			Check: func(r Resource, v View) *Problem {
				if !deniesInsecureTransport(v.Raw("policy")) {
					return problem("the policy has no Deny for aws:SecureTransport false", `add {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":[bucket, bucket/*],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)
				}
				return nil
			},
		},
		{
			ID: "s3-lifecycle", Title: "S3 buckets expire or tier old data",
			Why:         "Without lifecycle rules noncurrent versions and old artifacts grow cost and retained data forever.",
			Enforcement: Advisory, Controls: ctl("S3.13", "", "C1.2", "A.5.33,A.8.10"),
			Types: []string{tBucketLifecycle},
			Check: func(r Resource, v View) *Problem {
				for _, rule := range v.List("rules") {
					if rule.Str("status") == "Enabled" {
						return nil
					}
				}
				return problem("no enabled lifecycle rule", `add a rule with status "Enabled" expiring noncurrent versions`)
			},
		},
		{
			ID: "s3-access-logging", Title: "S3 server access logs are delivered",
			Why:         "Access logs show who read which object, which CloudTrail data events do not cover by default.",
			Enforcement: Advisory, Controls: ctl("S3.9", "3.4", "CC7.2", "A.8.15"),
			Types: []string{tBucketLogging},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("targetBucket") {
					return problem("no targetBucket", "set targetBucket to the region's access-log bucket")
				}
				return nil
			},
		},
		{
			ID: "s3-replication-enabled", Title: "S3 replication rules are enabled and encrypt replicas",
			Why:         "A disabled rule or an unencrypted replica silently defeats the disaster-recovery copy.",
			Enforcement: Mandatory, Controls: ctl("S3.7", "", "A1.2", "A.8.13,A.8.14"),
			Types: []string{tBucketReplication},
			Check: func(r Resource, v View) *Problem {
				rules := v.List("rules")
				if len(rules) == 0 {
					return problem("no replication rules", "add a rule replicating to the secondary region's bucket")
				}
				for _, rule := range rules {
					if rule.Str("status") != "Enabled" {
						return problem("rule %q is not enabled", `set status: "Enabled"`, rule.Str("id"))
					}
					if !rule.Set("destination", "encryptionConfiguration", "replicaKmsKeyId") {
						return problem("rule %q does not encrypt replicas with a KMS key", "set destination.encryptionConfiguration.replicaKmsKeyId to the secondary region's CMK", rule.Str("id"))
					}
				}
				return nil
			},
		},
		{
			ID: "efs-encrypted", Title: "EFS file systems are encrypted with a customer-managed key",
			Why:         "Shared volumes hold uploaded contracts and analysis artefacts; encryption at rest is not optional.",
			Enforcement: Mandatory, Controls: ctl("EFS.1", "2.4.1", "CC6.1,C1.1", "A.8.24"),
			Types: []string{tEFS},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("encrypted") || !v.Set("kmsKeyId") {
					return problem("not encrypted with a customer-managed key", "set encrypted: true and kmsKeyId to the data CMK")
				}
				return nil
			},
		},
		{
			ID: "secret-cmk", Title: "Secrets Manager secrets use a customer-managed key",
			Why:         "With our own key, reading a secret needs kms:Decrypt too, so access is granted and audited twice.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1", "A.8.24,A.5.17"),
			Types: []string{tSecret},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("kmsKeyId") {
					return problem("encrypted with the AWS-managed key", "set kmsKeyId to the secrets CMK")
				}
				return nil
			},
		},
		{
			ID: "secret-rotation-schedule", Title: "Secret rotation runs at least every 90 days",
			Why:         "A leaked credential stays useful until rotated; 90 days bounds the exposure.",
			Enforcement: Mandatory, Controls: ctl("SecretsManager.1,SecretsManager.4", "", "CC6.1", "A.5.17"),
			Types: []string{tSecretRotation},
			Check: func(r Resource, v View) *Problem {
				days := v.Num("rotationRules", "automaticallyAfterDays")
				if v.Set("rotationRules", "scheduleExpression") || days > 0 && days <= maxRotationDays {
					return nil
				}
				return problem("rotation interval is %v days", "set rotationRules.automaticallyAfterDays to at most 90 (or a scheduleExpression)", days)
			},
		},
	}
}

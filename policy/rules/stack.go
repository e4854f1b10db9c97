package rules

import (
	"sort"
	"strings"
)

// ids are the strings other resources may use to refer to r: its provider
// id, ARN and name-like properties. URN fallbacks (unknown ids) are left out.
func ids(r Resource) []string {
	var out []string
	for _, s := range []string{r.ID, str(r.Props["arn"]), str(r.Props["bucket"]), str(r.Props["identifier"]), str(r.Props["name"])} {
		if s != "" && !strings.HasPrefix(s, "urn:") {
			out = append(out, s)
		}
	}
	return out
}

// refersTo reports whether ref names target, directly or as the last part of
// an ARN (S3 ARNs end in ":::<bucket>", others in "/<name>" or ":<name>").
func refersTo(ref string, target Resource) bool {
	for _, id := range ids(target) {
		if ref == id || strings.HasSuffix(ref, ":::"+id) || strings.HasSuffix(ref, "/"+id) || strings.HasSuffix(ref, ":"+id) {
			return true
		}
	}
	return false
}

// everyJoined reports each resource of type typ that no resource of type
// joined references through key (see join): a secret without rotation, a
// web ACL without logging. A reference that cannot be known yet (preview)
// is not a problem, only unknown.
func everyJoined(s Stack, typ, key, joined, what, fix string) (probs []Problem, unknown bool) {
	for _, r := range ofType(s, typ) {
		found, u := join(s, r, key, joined)
		unknown = unknown || u
		if len(found) == 0 && !u {
			probs = append(probs, Problem{What: what, Fix: fix, Resource: ptr(r)})
		}
	}
	return probs, unknown
}

// join looks for a resource of one of the types whose property key refers
// to target. unknown is true when no match was found but some candidate's
// reference was Unknown (or the target has no known identity yet).
func join(s Stack, target Resource, key string, types ...string) (found []Resource, unknown bool) {
	known := len(ids(target)) > 0
	for _, r := range s.Resources {
		if !typeIn(r.Type, types) {
			continue
		}
		ref := r.Props[key]
		if IsUnknown(ref) || !known {
			unknown = true
			continue
		}
		if s, ok := ref.(string); ok && refersTo(s, target) {
			found = append(found, r)
		}
	}
	return found, unknown && len(found) == 0
}

func ofType(s Stack, types ...string) []Resource {
	var out []Resource
	for _, r := range s.Resources {
		if typeIn(r.Type, types) {
			out = append(out, r)
		}
	}
	return out
}

// regions returns every AWS region the stack deploys to, sorted.
func regions(s Stack) []string {
	seen := map[string]bool{}
	for _, r := range s.Resources {
		if r.Region != "" && strings.HasPrefix(r.Type, "aws:") {
			seen[r.Region] = true
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// regionResource stands for a whole region in findings about something
// missing there; waivers match it by the name "region <name>".
func regionResource(region string) *Resource {
	return &Resource{Type: "region", Name: "region " + region, Region: region}
}

func ptr(r Resource) *Resource { return &r }

// eachRegionHas reports the regions lacking a resource of the types that
// passes ok.
func eachRegionHas(s Stack, what, fix string, ok func(View) bool, types ...string) ([]Problem, bool) {
	var probs []Problem
	unknown := false
	for _, region := range regions(s) {
		found := false
		for _, r := range ofType(s, types...) {
			if r.Region != region {
				continue
			}
			v := NewView(r.Props)
			if ok(v) {
				found = true
			}
			unknown = unknown || v.Unknown()
		}
		if !found {
			probs = append(probs, Problem{What: "no " + what + " in this region", Fix: fix, Resource: regionResource(region)})
		}
	}
	return probs, unknown
}

func stackPolicies() []StackPolicy {
	return []StackPolicy{
		{
			ID: "vpc-has-flow-logs", Title: "Every VPC has flow logs",
			Why:         "Flow logs are the network record of an incident; a VPC without them is blind.",
			Enforcement: Mandatory, Controls: ctl("EC2.6", "3.7", "CC7.2", "A.8.15,A.8.16"),
			Check: func(s Stack) ([]Problem, bool) {
				var probs []Problem
				unknown := false
				for _, vpc := range ofType(s, tVpc) {
					logs, u := join(s, vpc, "vpcId", tFlowLog)
					if len(ids(vpc)) == 0 {
						// A new VPC has no id in a preview: any flow log in
						// its region may be the one attached to it.
						for _, fl := range ofType(s, tFlowLog) {
							if fl.Region == vpc.Region {
								logs = append(logs, fl)
							}
						}
					}
					unknown = unknown || u
					if len(logs) == 0 && !u {
						probs = append(probs, Problem{What: "no flow log is attached", Fix: "create an aws.ec2.FlowLog with vpcId of this VPC and trafficType ALL", Resource: ptr(vpc)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "region-has-guardduty", Title: "Every region has GuardDuty",
			Why:         "Threat detection must cover every region we run in, not just the primary.",
			Enforcement: Mandatory, Controls: ctl("GuardDuty.1", "", "CC7.2", "A.8.16"),
			Check: func(s Stack) ([]Problem, bool) {
				return eachRegionHas(s, "enabled GuardDuty detector", "create an aws.guardduty.Detector with the region's provider",
					func(v View) bool { return v.BoolOr(true, "enable") }, tDetector)
			},
		},
		{
			ID: "region-has-guardduty-eks", Title: "GuardDuty EKS protection is on wherever EKS runs",
			Why:         "EKS audit-log and runtime monitoring catch container escapes and anonymous API access.",
			Enforcement: Mandatory, Controls: ctl("GuardDuty.5,GuardDuty.7", "", "CC7.2", "A.8.16"),
			Check: func(s Stack) ([]Problem, bool) {
				var probs []Problem
				unknown := false
				for _, region := range regions(s) {
					hasEKS := false
					for _, c := range ofType(s, tEKSCluster, "aws:eks/nodeGroup:NodeGroup") {
						hasEKS = hasEKS || c.Region == region
					}
					if !hasEKS {
						continue
					}
					on := false
					for _, r := range s.Resources {
						if r.Region != region {
							continue
						}
						v := NewView(r.Props)
						switch r.Type {
						case tDetector:
							on = on || v.Bool("datasources", "kubernetes", "auditLogs", "enable")
						case tDetectorFeature:
							name := v.Str("name")
							on = on || (name == "EKS_AUDIT_LOGS" || name == "RUNTIME_MONITORING" || name == "EKS_RUNTIME_MONITORING") && v.Str("status") == "ENABLED"
						}
						unknown = unknown || v.Unknown()
					}
					if !on {
						probs = append(probs, Problem{What: "EKS runs here without GuardDuty EKS protection", Fix: "add a DetectorFeature EKS_AUDIT_LOGS (and RUNTIME_MONITORING) with status ENABLED", Resource: regionResource(region)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "region-has-config", Title: "Every region records with AWS Config",
			Why:         "Configuration history and Security Hub controls only exist where a recorder runs.",
			Enforcement: Mandatory, Controls: ctl("Config.1", "3.3", "CC7.1", "A.8.9"),
			Check: func(s Stack) ([]Problem, bool) {
				return eachRegionHas(s, "AWS Config recorder", "create an aws.cfg.Recorder (allSupported) and RecorderStatus with the region's provider",
					func(v View) bool { return true }, tRecorder)
			},
		},
		{
			ID: "stack-has-cloudtrail", Title: "The account has a multi-region CloudTrail trail",
			Why:         "CloudTrail is the audit log of every API call; without it nothing else can be investigated.",
			Enforcement: Mandatory, Controls: ctl("CloudTrail.1", "3.1", "CC7.2", "A.8.15"),
			Check: func(s Stack) ([]Problem, bool) {
				unknown := false
				for _, t := range ofType(s, tTrail) {
					v := NewView(t.Props)
					if v.Bool("isMultiRegionTrail") {
						return nil, false
					}
					unknown = unknown || v.Unknown()
				}
				if len(regions(s)) == 0 {
					return nil, false
				}
				return []Problem{{What: "no multi-region CloudTrail trail", Fix: "create an aws.cloudtrail.Trail with isMultiRegionTrail: true in the primary region"}}, unknown
			},
		},
		{
			ID: "s3-bucket-baseline", Title: "Every bucket has public access block, SSE-KMS, versioning and a TLS-only policy",
			Why:         "pulumi-aws v6 configures these in separate resources; a bucket missing one of them is silently unprotected.",
			Enforcement: Mandatory, Controls: ctl("S3.8,S3.17,S3.14,S3.5", "2.1.1,2.1.4", "CC6.1,CC6.7,A1.2", "A.8.12,A.8.13,A.8.24"),
			Check: func(s Stack) ([]Problem, bool) {
				var probs []Problem
				unknown := false
				for _, b := range ofType(s, tBucket, tBucketLegacy) {
					bv := NewView(b.Props)
					var missing []string
					if pabs, u := join(s, b, "bucket", tBucketPAB); len(pabs) == 0 {
						unknown = unknown || u
						if !u {
							missing = append(missing, "a BucketPublicAccessBlock")
						}
					}
					if sses, u := join(s, b, "bucket", tBucketSSE); len(sses) == 0 {
						inline := false
						for _, c := range bv.List("serverSideEncryptionConfigurations") {
							inline = inline || sseIsKMS(c.List("rules"))
						}
						unknown = unknown || u
						if !inline && !u {
							missing = append(missing, "SSE-KMS default encryption")
						}
					}
					if vs, u := join(s, b, "bucket", tBucketVersioning); len(vs) == 0 {
						inline := false
						for _, c := range bv.List("versionings") {
							inline = inline || c.Bool("enabled")
						}
						unknown = unknown || u
						if !inline && !u {
							missing = append(missing, "versioning")
						}
					}
					if ps, u := join(s, b, "bucket", tBucketPolicy); len(ps) == 0 && !deniesInsecureTransport(b.Props["policy"]) {
						unknown = unknown || u
						if !u {
							missing = append(missing, "a TLS-only bucket policy")
						}
					}
					unknown = unknown || bv.Unknown()
					if len(missing) > 0 {
						probs = append(probs, Problem{What: "missing " + strings.Join(missing, ", "), Fix: "add the missing resources with bucket set to this bucket's id", Resource: ptr(b)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "s3-bucket-hygiene", Title: "Every bucket has lifecycle rules and access logging",
			Why:         "Lifecycle bounds cost and retention; access logs show who read what (buckets that receive access logs are exempt from logging).",
			Enforcement: Advisory, Controls: ctl("S3.13,S3.9", "", "CC7.2,C1.2", "A.8.10,A.8.15"),
			Check: func(s Stack) ([]Problem, bool) {
				var probs []Problem
				unknown := false
				// A bucket that receives access logs is not itself logged:
				// its own access logs would have to go somewhere else again.
				logTargets := map[string]bool{}
				for _, l := range ofType(s, tBucketLogging) {
					logTargets[str(l.Props["targetBucket"])] = true
				}
				for _, b := range ofType(s, tBucket, tBucketLegacy) {
					isTarget := false
					for t := range logTargets {
						isTarget = isTarget || t != "" && refersTo(t, b)
					}
					var missing []string
					if ls, u := join(s, b, "bucket", tBucketLifecycle); len(ls) == 0 {
						unknown = unknown || u
						if !u {
							missing = append(missing, "a lifecycle configuration")
						}
					}
					if ls, u := join(s, b, "bucket", tBucketLogging); len(ls) == 0 && !isTarget {
						unknown = unknown || u
						if !u {
							missing = append(missing, "access logging")
						}
					}
					if len(missing) > 0 {
						probs = append(probs, Problem{What: "missing " + strings.Join(missing, ", "), Fix: "add BucketLifecycleConfigurationV2 / BucketLoggingV2 for this bucket", Resource: ptr(b)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "production-bucket-replication", Title: "Production buckets replicate to another region",
			Why:         "A regional outage or a deleted bucket must not lose uploaded contracts and reports.",
			Enforcement: Mandatory, Controls: ctl("S3.7", "", "A1.2,A1.3", "A.8.13,A.8.14"),
			Check: func(s Stack) ([]Problem, bool) {
				if s.Name != Production {
					return nil, false
				}
				// Replica buckets are the destination, not a source.
				var dests []string
				for _, rc := range ofType(s, tBucketReplication) {
					for _, rule := range NewView(rc.Props).List("rules") {
						dests = append(dests, rule.Str("destination", "bucket"))
					}
				}
				var probs []Problem
				unknown := false
				for _, b := range ofType(s, tBucket, tBucketLegacy) {
					isDest := false
					for _, d := range dests {
						isDest = isDest || refersTo(d, b)
					}
					if isDest {
						continue
					}
					rcs, u := join(s, b, "bucket", tBucketReplication)
					unknown = unknown || u
					if len(rcs) == 0 && !u {
						probs = append(probs, Problem{What: "not replicated in production", Fix: "add a BucketReplicationConfig to the secondary region's bucket (versioning on both)", Resource: ptr(b)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "production-database-cross-region-replica", Title: "Production databases have a replica in another region",
			Why:         "The DR plan promotes a cross-region replica; without one the RPO is the last snapshot copy.",
			Enforcement: Mandatory, Controls: ctl("", "", "A1.2,A1.3", "A.8.14,A.5.30"),
			Check: func(s Stack) ([]Problem, bool) {
				if s.Name != Production {
					return nil, false
				}
				var probs []Problem
				unknown := false
				for _, db := range ofType(s, tRDSInstance) {
					v := NewView(db.Props)
					if v.Set("replicateSourceDb") {
						continue
					}
					found := false
					for _, rep := range ofType(s, tRDSInstance) {
						src := rep.Props["replicateSourceDb"]
						if IsUnknown(src) {
							unknown = true
							continue
						}
						if ref, ok := src.(string); ok && rep.Region != db.Region && refersTo(ref, db) {
							found = true
						}
					}
					if !found && !unknown {
						probs = append(probs, Problem{What: "no read replica in another region", Fix: "create an aws.rds.Instance in the secondary region with replicateSourceDb set to this instance's ARN", Resource: ptr(db)})
					}
				}
				for _, c := range ofType(s, tRDSCluster) {
					v := NewView(c.Props)
					g := v.Str("globalClusterIdentifier")
					found := false
					for _, o := range ofType(s, tRDSCluster) {
						if o.Region != c.Region && g != "" && NewView(o.Props).Str("globalClusterIdentifier") == g {
							found = true
						}
					}
					unknown = unknown || v.Unknown()
					if !found && !v.Unknown() {
						probs = append(probs, Problem{What: "no cluster of the same global database in another region", Fix: "join the cluster to an aws.rds.GlobalCluster with a secondary cluster in the other region", Resource: ptr(c)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "kms-key-used", Title: "Every KMS key is used by something",
			Why:         "A key nobody references usually means a resource fell back to an AWS-managed key by mistake (and it costs money).",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1", "A.8.24,A.5.9"),
			Check: func(s Stack) ([]Problem, bool) {
				var probs []Problem
				unknown := false
				for _, k := range ofType(s, tKMSKey) {
					keys := keyIdentifiers(k)
					if len(keys) == 0 {
						unknown = true
						continue
					}
					used := false
					for _, r := range s.Resources {
						if r.URN == k.URN || r.Type == tKMSAlias {
							continue
						}
						if mentions(r.Props, keys) {
							used = true
							break
						}
					}
					if !used {
						probs = append(probs, Problem{What: "no resource references this key", Fix: "pass the key's ARN to the resource it was created for, or delete the key", Resource: ptr(k)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "secret-has-rotation", Title: "Every secret has a rotation schedule",
			Why:         "Secrets that never rotate stay valid forever after a leak.",
			Enforcement: Mandatory, Controls: ctl("SecretsManager.1", "", "CC6.1", "A.5.17"),
			Check: func(s Stack) ([]Problem, bool) {
				return everyJoined(s, tSecret, "secretId", tSecretRotation,
					"no rotation", "add an aws.secretsmanager.SecretRotation for this secret (or a waiver if it cannot rotate)")
			},
		},
		{
			ID: "waf-has-logging", Title: "Every web ACL logs its decisions",
			Why:         "Without WAF logs a blocked attack, or a blocked customer, leaves no trace.",
			Enforcement: Mandatory, Controls: ctl("WAF.11", "", "CC7.2", "A.8.15"),
			Check: func(s Stack) ([]Problem, bool) {
				return everyJoined(s, tWebACL, "resourceArn", tWebACLLog,
					"no logging configuration", "add an aws.wafv2.WebAclLoggingConfiguration with resourceArn of this ACL")
			},
		},
		{
			ID: "cloudfront-logging", Title: "CloudFront writes access logs",
			Why:         "Edge access logs are the only record of requests WAF allowed and the origin never saw.",
			Enforcement: Mandatory, Controls: ctl("CloudFront.5", "", "CC7.2", "A.8.15"),
			Check: func(s Stack) ([]Problem, bool) {
				// Standard logging v2 is a CloudWatch Logs delivery source
				// on the distribution with a delivery from it; legacy
				// logging is the distribution's loggingConfig.
				var probs []Problem
				unknown := false
				for _, d := range ofType(s, tCloudFront) {
					if NewView(d.Props).Set("loggingConfig", "bucket") {
						continue
					}
					delivered := false
					sources, u := join(s, d, "resourceArn", tLogSource)
					unknown = unknown || u
					for _, src := range sources {
						if str(src.Props["logType"]) != "ACCESS_LOGS" {
							continue
						}
						ds, u := join(s, src, "deliverySourceName", tLogDelivery)
						unknown = unknown || u
						delivered = delivered || len(ds) > 0
					}
					if !delivered && !unknown {
						probs = append(probs, Problem{What: "no standard logging (neither loggingConfig nor an ACCESS_LOGS log delivery)",
							Fix: "add an aws.cloudwatch.LogDeliverySource (logType ACCESS_LOGS, resourceArn: the distribution) with a LogDelivery to the edge log bucket", Resource: ptr(d)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "alb-has-waf", Title: "Every internet-facing ALB is associated with a web ACL",
			Why:         "An ALB reachable from the internet without WAF exposes the services to injection and floods directly.",
			Enforcement: Mandatory, Controls: ctl("ELB.16", "", "CC6.6", "A.8.20,A.8.23"),
			Check: func(s Stack) ([]Problem, bool) {
				var probs []Problem
				unknown := false
				for _, lb := range ofType(s, tLB, tLBAlias) {
					v := NewView(lb.Props)
					if v.Bool("internal") || !isApplicationLB(v) {
						continue
					}
					as, u := join(s, lb, "resourceArn", tWebACLAssoc)
					unknown = unknown || u || v.Unknown()
					if len(as) == 0 && !u {
						probs = append(probs, Problem{What: "internet-facing without a web ACL", Fix: "add an aws.wafv2.WebAclAssociation with resourceArn of this ALB", Resource: ptr(lb)})
					}
				}
				return probs, unknown
			},
		},
		{
			ID: "istio-mesh-wide-strict", Title: "Where Istio runs, mesh-wide mTLS is STRICT",
			Why:         "Only a PeerAuthentication in the root namespace without a selector makes STRICT the default for every workload.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.7", "A.8.20,A.8.24"),
			Check: func(s Stack) ([]Problem, bool) {
				var mesh *Resource
				for _, r := range ofType(s, tHelmRelease, tHelmChartV3, tHelmChartV4) {
					if NewView(r.Props).Str("chart") == "istiod" {
						mesh = ptr(r)
					}
				}
				if mesh == nil {
					return nil, false
				}
				for _, pa := range ofType(s, tPeerAuthV1, tPeerAuthV1b1) {
					v := NewView(pa.Props)
					if v.Str("metadata", "namespace") == "istio-system" && !v.Set("spec", "selector") && v.Str("spec", "mtls", "mode") == "STRICT" {
						return nil, false
					}
				}
				return []Problem{{What: "istiod is installed without a mesh-wide STRICT PeerAuthentication", Fix: "create PeerAuthentication \"default\" in istio-system with spec.mtls.mode STRICT and no selector", Resource: mesh}}, false
			},
		},
	}
}

// mentions reports whether any string in a property tree contains one of
// the needles.
func mentions(v any, needles []string) bool {
	switch x := v.(type) {
	case string:
		for _, n := range needles {
			if strings.Contains(x, n) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if mentions(e, needles) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if mentions(e, needles) {
				return true
			}
		}
	}
	return false
}

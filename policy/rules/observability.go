package rules

const (
	tTrail           = "aws:cloudtrail/trail:Trail"
	tRecorder        = "aws:cfg/recorder:Recorder"
	tRecorderStatus  = "aws:cfg/recorderStatus:RecorderStatus"
	tDetector        = "aws:guardduty/detector:Detector"
	tDetectorFeature = "aws:guardduty/detectorFeature:DetectorFeature"
	tLogGroup        = "aws:cloudwatch/logGroup:LogGroup"
	minLogRetention  = 90
)

func observabilityPolicies() []ResourcePolicy {
	return []ResourcePolicy{
		{
			ID: "cloudtrail-multi-region", Title: "CloudTrail records every region and global services",
			Why:         "An attacker works in the region nobody watches; one multi-region trail covers all of them.",
			Enforcement: Mandatory, Controls: ctl("CloudTrail.1,CloudTrail.3", "3.1", "CC7.2", "A.8.15,A.8.16"),
			Types: []string{tTrail},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("isMultiRegionTrail") || !v.BoolOr(true, "includeGlobalServiceEvents") {
					return problem("not a multi-region trail with global service events", "set isMultiRegionTrail: true, includeGlobalServiceEvents: true")
				}
				if !v.BoolOr(true, "enableLogging") {
					return problem("logging is off", "set enableLogging: true")
				}
				return nil
			},
		},
		{
			ID: "cloudtrail-log-validation", Title: "CloudTrail log file validation is on",
			Why:         "Digest files prove the audit log was not altered after delivery.",
			Enforcement: Mandatory, Controls: ctl("CloudTrail.4", "3.2", "CC7.2", "A.8.15"),
			Types: []string{tTrail},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("enableLogFileValidation") {
					return problem("enableLogFileValidation is not true", "set enableLogFileValidation: true")
				}
				return nil
			},
		},
		{
			ID: "cloudtrail-kms", Title: "CloudTrail logs are encrypted with a customer-managed key",
			Why:         "Audit logs reveal the whole account's activity; the CMK limits who can read them.",
			Enforcement: Mandatory, Controls: ctl("CloudTrail.2", "3.5", "CC6.1", "A.8.24,A.8.15"),
			Types: []string{tTrail},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("kmsKeyId") {
					return problem("no kmsKeyId", "set kmsKeyId to the audit CMK")
				}
				return nil
			},
		},
		{
			ID: "cloudtrail-cloudwatch", Title: "CloudTrail delivers to CloudWatch Logs",
			Why:         "Metric filters and alarms on root logins and IAM changes need the trail in CloudWatch.",
			Enforcement: Mandatory, Controls: ctl("CloudTrail.5", "", "CC7.2,CC7.3", "A.8.16"),
			Types: []string{tTrail},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("cloudWatchLogsGroupArn") || !v.Set("cloudWatchLogsRoleArn") {
					return problem("no CloudWatch Logs delivery", "set cloudWatchLogsGroupArn (\":*\" suffixed) and cloudWatchLogsRoleArn")
				}
				return nil
			},
		},
		{
			ID: "config-records-everything", Title: "AWS Config records all supported resource types",
			Why:         "Config history answers \"what changed and when\" for every resource, and feeds Security Hub checks.",
			Enforcement: Mandatory, Controls: ctl("Config.1", "3.3", "CC7.1,CC8.1", "A.8.9"),
			Types: []string{tRecorder},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("recordingGroup", "allSupported") {
					return problem("recordingGroup.allSupported is not true", "set recordingGroup {allSupported: true} (includeGlobalResourceTypes in one region)")
				}
				if !v.Set("roleArn") {
					return problem("no roleArn", "set roleArn to the Config service role")
				}
				return nil
			},
		},
		{
			ID: "config-recorder-on", Title: "AWS Config recorders are started",
			Why:         "A defined but stopped recorder records nothing.",
			Enforcement: Mandatory, Controls: ctl("Config.1", "3.3", "CC7.1", "A.8.9"),
			Types: []string{tRecorderStatus},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("isEnabled") {
					return problem("isEnabled is not true", "set isEnabled: true")
				}
				return nil
			},
		},
		{
			ID: "guardduty-enabled", Title: "GuardDuty detectors are enabled",
			Why:         "GuardDuty detects credential misuse, crypto-mining and C2 traffic from CloudTrail, DNS and flow logs.",
			Enforcement: Mandatory, Controls: ctl("GuardDuty.1", "", "CC7.2,CC7.3", "A.8.16,A.5.7"),
			Types: []string{tDetector, tDetectorFeature},
			Check: func(r Resource, v View) *Problem {
				if r.Type == tDetectorFeature {
					if v.Str("status") != "ENABLED" {
						return problem("feature %s is %q", `set status: "ENABLED"`, v.Str("name"), v.Str("status"))
					}
					return nil
				}
				if !v.BoolOr(true, "enable") {
					return problem("enable is false", "set enable: true")
				}
				return nil
			},
		},
		{
			ID: "log-group-kms", Title: "CloudWatch log groups are encrypted with a customer-managed key",
			Why:         "Logs carry request data and identifiers; the CMK limits who can read them and audits every read.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1,C1.1", "A.8.24,A.8.15"),
			Types: []string{tLogGroup},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("kmsKeyId") {
					return problem("no kmsKeyId", "set kmsKeyId to a CMK whose policy allows logs.<region>.amazonaws.com")
				}
				return nil
			},
		},
		{
			ID: "log-group-retention", Title: "CloudWatch log groups keep logs at least 90 days",
			Why:         "Never-expiring logs grow cost without bound; less than 90 days is too short for investigations.",
			Enforcement: Advisory, Controls: ctl("CloudWatch.16", "", "CC7.2", "A.8.15"),
			Types: []string{tLogGroup},
			Check: func(r Resource, v View) *Problem {
				if d := int(v.Num("retentionInDays")); d < minLogRetention {
					return problem("retentionInDays is %d (0 means forever)", "set retentionInDays between 90 and 3653", d)
				}
				return nil
			},
		},
	}
}

package observability

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GuardDutyFeature is a detector feature and the additional configurations
// turned on with it.
type GuardDutyFeature struct {
	Name       string
	Additional []string
}

// GuardDutyFeatures are on in every region. Runtime Monitoring covers EKS
// (it superseded EKS_RUNTIME_MONITORING, and the two cannot both be set);
// GuardDuty manages its security agent as an EKS add-on.
var GuardDutyFeatures = []GuardDutyFeature{
	{Name: "S3_DATA_EVENTS"},
	{Name: "EKS_AUDIT_LOGS"},
	{Name: "RUNTIME_MONITORING", Additional: []string{"EKS_ADDON_MANAGEMENT"}},
	{Name: "RDS_LOGIN_EVENTS"},
	{Name: "EBS_MALWARE_PROTECTION"},
}

// FindingMinSeverity is the lowest GuardDuty severity sent to the alert
// topic (4 is "medium"); low findings stay in the console.
const FindingMinSeverity = 4

// guardDuty enables the region's detector with every feature above and
// routes medium and higher findings through EventBridge to the topic.
func (b *builder) guardDuty() error {
	d, err := guardduty.NewDetector(b.ctx, b.child("guardduty"), &guardduty.DetectorArgs{
		Enable:                     pulumi.Bool(true),
		FindingPublishingFrequency: pulumi.String("FIFTEEN_MINUTES"),
		Tags:                       b.tags("guardduty"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("guardduty detector: %w", err)
	}
	for _, f := range GuardDutyFeatures {
		var extra guardduty.DetectorFeatureAdditionalConfigurationArray
		for _, a := range f.Additional {
			extra = append(extra, guardduty.DetectorFeatureAdditionalConfigurationArgs{Name: pulumi.String(a), Status: pulumi.String("ENABLED")})
		}
		if _, err := guardduty.NewDetectorFeature(b.ctx, b.child("guardduty-"+f.Name), &guardduty.DetectorFeatureArgs{
			DetectorId:               d.ID(),
			Name:                     pulumi.String(f.Name),
			Status:                   pulumi.String("ENABLED"),
			AdditionalConfigurations: extra,
		}, b.parent); err != nil {
			return fmt.Errorf("guardduty feature %s: %w", f.Name, err)
		}
	}
	pattern, err := json.Marshal(map[string]any{
		"source":      []string{"aws.guardduty"},
		"detail-type": []string{"GuardDuty Finding"},
		"detail":      map[string]any{"severity": []any{map[string]any{"numeric": []any{">=", FindingMinSeverity}}}},
	})
	if err != nil {
		return fmt.Errorf("guardduty event pattern: %w", err)
	}
	rule, err := cloudwatch.NewEventRule(b.ctx, b.child("guardduty-findings"), &cloudwatch.EventRuleArgs{
		Description:  pulumi.String("GuardDuty findings of medium severity or higher"),
		EventPattern: pulumi.String(string(pattern)),
		Tags:         b.tags("guardduty-findings"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("guardduty finding rule: %w", err)
	}
	if _, err := cloudwatch.NewEventTarget(b.ctx, b.child("guardduty-findings"), &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  b.topicArn,
	}, b.parent); err != nil {
		return fmt.Errorf("guardduty finding target: %w", err)
	}
	b.o.GuardDutyDetector = d.ID().ToStringOutput()
	return nil
}

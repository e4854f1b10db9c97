package observability

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/costexplorer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BudgetThresholds are the percentages of the monthly budget that alert,
// each on actual and on forecast spend.
var BudgetThresholds = []float64{80, 100}

// cost creates, in the primary region only (both are account-level), the
// environment's monthly budget and a cost anomaly monitor, both scoped to
// the environment's Environment tag (activate it as a cost allocation tag)
// and both alerting the topic.
func (b *builder) cost() error {
	if !b.args.Primary {
		return nil
	}
	env := b.args.Environment
	var notifications budgets.BudgetNotificationArray
	for _, kind := range []string{"ACTUAL", "FORECASTED"} {
		for _, pct := range BudgetThresholds {
			notifications = append(notifications, budgets.BudgetNotificationArgs{
				NotificationType:         pulumi.String(kind),
				ComparisonOperator:       pulumi.String("GREATER_THAN"),
				Threshold:                pulumi.Float64(pct),
				ThresholdType:            pulumi.String("PERCENTAGE"),
				SubscriberSnsTopicArns:   pulumi.StringArray{b.topicArn},
				SubscriberEmailAddresses: pulumi.ToStringArray(b.args.AlertEmails),
			})
		}
	}
	if _, err := budgets.NewBudget(b.ctx, b.child("budget"), &budgets.BudgetArgs{
		Name:        pulumi.String("solsec-" + env + "-monthly"),
		BudgetType:  pulumi.String("COST"),
		TimeUnit:    pulumi.String("MONTHLY"),
		LimitAmount: pulumi.String(strconv.FormatFloat(b.args.MonthlyBudgetUSD, 'f', 2, 64)),
		LimitUnit:   pulumi.String("USD"),
		CostFilters: budgets.BudgetCostFilterArray{budgets.BudgetCostFilterArgs{
			Name: pulumi.String("TagKeyValue"), Values: pulumi.StringArray{pulumi.String("user:Environment$" + env)},
		}},
		Notifications: notifications,
		Tags:          b.tags("budget"),
	}, b.parent); err != nil {
		return fmt.Errorf("budget: %w", err)
	}

	// A custom monitor on the Environment tag: the account allows only
	// one AWS-services monitor, and two stacks may share an account.
	spec, err := json.Marshal(map[string]any{"Tags": map[string]any{
		"Key": "Environment", "Values": []string{env}, "MatchOptions": []string{"EQUALS"},
	}})
	if err != nil {
		return fmt.Errorf("anomaly monitor specification: %w", err)
	}
	monitor, err := costexplorer.NewAnomalyMonitor(b.ctx, b.child("cost-anomaly"), &costexplorer.AnomalyMonitorArgs{
		Name:                 pulumi.String("solsec-" + env),
		MonitorType:          pulumi.String("CUSTOM"),
		MonitorSpecification: pulumi.String(string(spec)),
		Tags:                 b.tags("cost-anomaly"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("cost anomaly monitor: %w", err)
	}
	if _, err := costexplorer.NewAnomalySubscription(b.ctx, b.child("cost-anomaly"), &costexplorer.AnomalySubscriptionArgs{
		Name:            pulumi.String("solsec-" + env),
		Frequency:       pulumi.String("IMMEDIATE"),
		MonitorArnLists: pulumi.StringArray{monitor.Arn},
		Subscribers: costexplorer.AnomalySubscriptionSubscriberArray{costexplorer.AnomalySubscriptionSubscriberArgs{
			Type: pulumi.String("SNS"), Address: b.topicArn,
		}},
		ThresholdExpression: costexplorer.AnomalySubscriptionThresholdExpressionArgs{
			Dimension: costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs{
				Key:          pulumi.String("ANOMALY_TOTAL_IMPACT_ABSOLUTE"),
				MatchOptions: pulumi.StringArray{pulumi.String("GREATER_THAN_OR_EQUAL")},
				Values:       pulumi.StringArray{pulumi.String(strconv.FormatFloat(b.args.AnomalyThresholdUSD, 'f', 2, 64))},
			},
		},
		Tags: b.tags("cost-anomaly"),
	}, b.parent); err != nil {
		return fmt.Errorf("cost anomaly subscription: %w", err)
	}
	return nil
}

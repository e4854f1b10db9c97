package registry

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
	"github.com/solsec/platform/internal/iampolicy"
)

// PullActions are what pulling an image needs.
var PullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}

// PushActions are what pushing an image needs; deleting images is the
// pusher's too (the lifecycle policy expires images as the ECR service,
// not as a principal).
var PushActions = []string{
	"ecr:BatchDeleteImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
}

// repositoryPolicy lets the node roles pull and the push role pull and
// push. An Allow alone would not be least privilege: any principal of the
// account whose identity policy grants ECR (AmazonEC2ContainerRegistry*
// managed policies, an administrator) could still push or pull. So the
// policy also denies pushing to everyone but the push role, and pulling to
// everyone but the node roles and the push role. Service-linked roles are
// exempt from the pull denial, because ECR replication and Amazon
// Inspector's enhanced scanning read images through them.
func repositoryPolicy(acct awsaccount.Account, pullRoles []string, pushRole string) iampolicy.Document {
	pullers := append(append([]string(nil), pullRoles...), pushRole)
	sort.Strings(pullers)
	pullers = compact(pullers)
	return iampolicy.New(
		iampolicy.Statement{Sid: "NodesAndCIPull", Effect: "Allow", Principal: map[string]any{"AWS": pullers}, Action: PullActions},
		iampolicy.Statement{Sid: "CIPushes", Effect: "Allow", Principal: map[string]any{"AWS": pushRole}, Action: PushActions},
		iampolicy.Statement{Sid: "OnlyCIPushes", Effect: "Deny", Principal: map[string]any{"AWS": "*"}, Action: PushActions}.
			When("ArnNotEquals", "aws:PrincipalArn", pushRole),
		iampolicy.Statement{Sid: "OnlyNodesAndCIPull", Effect: "Deny", Principal: map[string]any{"AWS": "*"}, Action: PullActions}.
			When("ArnNotEquals", "aws:PrincipalArn", pullers).
			When("ArnNotLike", "aws:PrincipalArn", acct.ARN("iam", "", "role/aws-service-role/*")),
	)
}

func compact(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// lifecycleRule is one rule of an ECR lifecycle policy.
type lifecycleRule struct {
	RulePriority int               `json:"rulePriority"`
	Description  string            `json:"description"`
	Selection    lifecycleSelect   `json:"selection"`
	Action       map[string]string `json:"action"`
}

type lifecycleSelect struct {
	TagStatus      string   `json:"tagStatus"`
	TagPatternList []string `json:"tagPatternList,omitempty"`
	CountType      string   `json:"countType"`
	CountUnit      string   `json:"countUnit,omitempty"`
	CountNumber    int      `json:"countNumber"`
}

// lifecyclePolicy expires untagged images some days after their push (the
// per-platform manifests of a tagged index are untagged but referenced,
// and ECR does not delete an image an index still references) and keeps
// the newest tagged releases.
func lifecyclePolicy(untaggedDays, keep int) string {
	doc := struct {
		Rules []lifecycleRule `json:"rules"`
	}{Rules: []lifecycleRule{
		{
			RulePriority: 1,
			Description:  fmt.Sprintf("untagged images expire %d days after their push", untaggedDays),
			Selection:    lifecycleSelect{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: untaggedDays},
			Action:       map[string]string{"type": "expire"},
		},
		{
			RulePriority: 2,
			Description:  fmt.Sprintf("keep the last %d tagged releases", keep),
			Selection:    lifecycleSelect{TagStatus: "tagged", TagPatternList: []string{"*"}, CountType: "imageCountMoreThan", CountNumber: keep},
			Action:       map[string]string{"type": "expire"},
		},
	}}
	out, _ := json.Marshal(doc) // plain types: cannot fail
	return string(out)
}

// policies renders the lifecycle policy and, once the node roles are
// known, the repository policy. A pull role of another account, or not a
// role, fails the deployment rather than granting it anything.
func (b *builder) policies() error {
	b.lifecyclePolicy = lifecyclePolicy(b.args.UntaggedExpiryDays, b.args.KeepReleases)
	push := b.acct.ARN("iam", "", "role/"+b.args.PushRoleName)
	rolePrefix := b.acct.ARN("iam", "", "role/")
	var pulls []any
	for _, a := range b.args.PullRoleArns {
		pulls = append(pulls, a)
	}
	acct := b.acct
	b.repositoryPolicy = pulumi.All(pulls...).ApplyT(func(vs []any) (string, error) {
		var roles []string
		for _, v := range vs {
			arn, _ := v.(string)
			if !strings.HasPrefix(arn, rolePrefix) {
				return "", fmt.Errorf("pull role %q is not a role of account %s", arn, acct.ID)
			}
			roles = append(roles, arn)
		}
		return repositoryPolicy(acct, roles, push).JSON(), nil
	}).(pulumi.StringOutput)
	return nil
}

package cluster

import (
	"fmt"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Chart is a pinned Helm chart.
type Chart struct {
	Name, Repo, Version string
}

// Charts are the platform's Helm add-ons, pinned. Bump them deliberately,
// one at a time, after reading the chart's upgrade notes.
var Charts = map[string]Chart{
	"aws-load-balancer-controller": {"aws-load-balancer-controller", "https://aws.github.io/eks-charts", "1.14.0"},
	"cluster-autoscaler":           {"cluster-autoscaler", "https://kubernetes.github.io/autoscaler", "9.46.6"},
	"metrics-server":               {"metrics-server", "https://kubernetes-sigs.github.io/metrics-server/", "3.12.2"},
	"vpa":                          {"vpa", "https://charts.fairwinds.com/stable", "4.7.1"},
	"cert-manager":                 {"cert-manager", "https://charts.jetstack.io", "v1.17.2"},
	"external-secrets":             {"external-secrets", "https://charts.external-secrets.io", "0.16.2"},
	"argo-cd":                      {"argo-cd", "https://argoproj.github.io/argo-helm", "7.8.26"},
}

// Service accounts of the add-ons that hold IRSA roles.
const (
	lbcServiceAccount        = "aws-load-balancer-controller"
	autoscalerServiceAccount = "cluster-autoscaler"
	certManagerSA            = "cert-manager"
	externalSecretsSA        = "external-secrets"
)

// pdb is the PodDisruptionBudget value most charts accept.
var pdb = pulumi.Map{"enabled": pulumi.Bool(true), "maxUnavailable": pulumi.Int(1)}

// release installs one pinned chart into a namespace that already exists.
func (b *builder) release(key, namespace string, values pulumi.Map, deps ...pulumi.Resource) (*helmv3.Release, error) {
	chart, ok := Charts[key]
	if !ok {
		return nil, fmt.Errorf("no pinned chart %q", key)
	}
	r, err := helmv3.NewRelease(b.ctx, b.child(key), &helmv3.ReleaseArgs{
		Name:           pulumi.String(key),
		Chart:          pulumi.String(chart.Name),
		Version:        pulumi.String(chart.Version),
		RepositoryOpts: helmv3.RepositoryOptsArgs{Repo: pulumi.String(chart.Repo)},
		Namespace:      pulumi.String(namespace),
		// Namespaces are ours (with their labels); a failed upgrade rolls back.
		CreateNamespace: pulumi.Bool(false),
		Atomic:          pulumi.Bool(true),
		CleanupOnFail:   pulumi.Bool(true),
		Timeout:         pulumi.Int(900),
		Values:          values,
	}, append(b.opts(), pulumi.DependsOn(append(append([]pulumi.Resource{}, b.addons...), deps...)))...)
	if err != nil {
		return nil, fmt.Errorf("helm release %s: %w", key, err)
	}
	if b.releases == nil {
		b.releases = map[string]pulumi.Resource{}
	}
	b.releases[key] = r
	return r, nil
}

// serviceAccount is the chart value block for a service account holding an
// IRSA role.
func serviceAccount(name string, roleArn pulumi.StringOutput) pulumi.Map {
	return pulumi.Map{
		"create":      pulumi.Bool(true),
		"name":        pulumi.String(name),
		"annotations": pulumi.Map{RoleAnnotation: roleArn},
	}
}

// helmAddons installs the platform's Helm add-ons with values a production
// team would choose: two or more replicas with disruption budgets for
// everything that serves, IRSA roles for everything that calls AWS.
func (b *builder) helmAddons() error {
	env := b.args.Environment
	r := b.roles
	steps := []struct {
		key, namespace string
		values         pulumi.Map
	}{
		{"aws-load-balancer-controller", "kube-system", pulumi.Map{
			"clusterName": pulumi.String(b.args.Name),
			// Pods cannot reach instance metadata (hop limit 1), so the
			// controller is told its region and VPC.
			"region":              pulumi.String(b.args.Region),
			"vpcId":               b.args.VpcID,
			"replicaCount":        pulumi.Int(2),
			"podDisruptionBudget": pulumi.Map{"maxUnavailable": pulumi.Int(1)},
			"serviceAccount":      serviceAccount(lbcServiceAccount, r["lbc"].Arn),
			// Services of type LoadBalancer stay untouched; only Ingresses
			// of class alb are the controller's.
			"enableServiceMutatorWebhook": pulumi.Bool(false),
			"defaultTags":                 pulumi.Map{"Project": pulumi.String("solsec"), "Environment": pulumi.String(env)},
		}},
		{"cluster-autoscaler", "kube-system", pulumi.Map{
			"autoDiscovery":       pulumi.Map{"clusterName": pulumi.String(b.args.Name)},
			"awsRegion":           pulumi.String(b.args.Region),
			"replicaCount":        pulumi.Int(2),
			"podDisruptionBudget": pulumi.Map{"maxUnavailable": pulumi.Int(1)},
			"rbac": pulumi.Map{"serviceAccount": pulumi.Map{
				"create": pulumi.Bool(true), "name": pulumi.String(autoscalerServiceAccount),
				"annotations": pulumi.Map{RoleAnnotation: r["cluster-autoscaler"].Arn},
			}},
			"extraArgs": pulumi.Map{
				"balance-similar-node-groups":      pulumi.Bool(true),
				"expander":                         pulumi.String("least-waste"),
				"skip-nodes-with-system-pods":      pulumi.Bool(false),
				"scale-down-unneeded-time":         pulumi.String("10m"),
				"scale-down-delay-after-add":       pulumi.String("10m"),
				"scale-down-utilization-threshold": pulumi.String("0.5"),
			},
		}},
		{"metrics-server", "kube-system", pulumi.Map{
			"replicas":            pulumi.Int(2),
			"podDisruptionBudget": pdb,
		}},
		// Recommendation mode only: the recommender runs, the updater and
		// admission controller do not, so VPA never evicts a pod.
		{"vpa", "kube-system", pulumi.Map{
			"recommender":         pulumi.Map{"enabled": pulumi.Bool(true), "replicaCount": pulumi.Int(1)},
			"updater":             pulumi.Map{"enabled": pulumi.Bool(false)},
			"admissionController": pulumi.Map{"enabled": pulumi.Bool(false)},
		}},
		{"cert-manager", "cert-manager-" + env, pulumi.Map{
			"crds":                pulumi.Map{"enabled": pulumi.Bool(true), "keep": pulumi.Bool(true)},
			"replicaCount":        pulumi.Int(2),
			"podDisruptionBudget": pdb,
			"webhook":             pulumi.Map{"replicaCount": pulumi.Int(3), "podDisruptionBudget": pdb},
			"cainjector":          pulumi.Map{"replicaCount": pulumi.Int(2), "podDisruptionBudget": pdb},
			"serviceAccount":      serviceAccount(certManagerSA, r["cert-manager"].Arn),
			// The projected IRSA token must be readable by the non-root user.
			"securityContext": pulumi.Map{"fsGroup": pulumi.Int(1001)},
		}},
		{"external-secrets", "external-secrets-" + env, pulumi.Map{
			"installCRDs":         pulumi.Bool(true),
			"replicaCount":        pulumi.Int(2),
			"podDisruptionBudget": pdb,
			"webhook":             pulumi.Map{"replicaCount": pulumi.Int(2), "podDisruptionBudget": pdb},
			"certController":      pulumi.Map{"replicaCount": pulumi.Int(2), "podDisruptionBudget": pdb},
			"serviceAccount":      serviceAccount(externalSecretsSA, r["external-secrets"].Arn),
		}},
		// Argo CD in its HA layout: Redis HA, and two or more replicas of
		// the API server, repo server and ApplicationSet controller.
		{"argo-cd", "argocd-" + env, pulumi.Map{
			"global":         pulumi.Map{"domain": pulumi.String("argocd." + b.args.Domain)},
			"redis-ha":       pulumi.Map{"enabled": pulumi.Bool(true)},
			"controller":     pulumi.Map{"replicas": pulumi.Int(1)},
			"server":         pulumi.Map{"replicas": pulumi.Int(2), "pdb": pdb},
			"repoServer":     pulumi.Map{"replicas": pulumi.Int(2), "pdb": pdb},
			"applicationSet": pulumi.Map{"replicas": pulumi.Int(2), "pdb": pdb},
			"configs": pulumi.Map{"params": pulumi.Map{
				// TLS is terminated by the mesh gateway; Argo CD still
				// refuses plain HTTP from anything else.
				"server.insecure": pulumi.Bool(false),
			}},
		}},
	}
	for _, s := range steps {
		if _, err := b.release(s.key, s.namespace, s.values, b.namespaceResources...); err != nil {
			return err
		}
	}
	return nil
}

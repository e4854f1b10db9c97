package cluster

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// serviceAccountRoles creates the IRSA roles of the Helm add-ons and one
// role per platform workload; workloads get no permissions here, the
// components that give them data or queues attach policies to them.
func (b *builder) serviceAccountRoles() error {
	s, env := b.scope(), b.args.Environment
	certPolicy := b.args.HostedZoneID.ToStringOutput().ApplyT(func(zone string) string {
		return certManagerPolicy(s, zone).JSON()
	}).(pulumi.StringOutput)
	roles := []struct {
		key, namespace, serviceAccount string
		policy                         pulumi.StringInput
	}{
		{"lbc", "kube-system", lbcServiceAccount, pulumi.String(loadBalancerControllerPolicy(s).JSON())},
		{"cluster-autoscaler", "kube-system", autoscalerServiceAccount, pulumi.String(clusterAutoscalerPolicy(s, b.args.Name).JSON())},
		{"cert-manager", "cert-manager-" + env, certManagerSA, certPolicy},
		{"external-secrets", "external-secrets-" + env, externalSecretsSA, pulumi.String(externalSecretsPolicy(s, env).JSON())},
	}
	for _, r := range roles {
		if _, err := b.role(r.key, r.namespace, r.serviceAccount, r.policy); err != nil {
			return err
		}
	}
	arns := pulumi.StringMap{}
	b.c.WorkloadRoles = map[string]*iam.Role{}
	for _, w := range Workloads {
		role, err := b.role("workload-"+w, "security-platform", w, nil)
		if err != nil {
			return err
		}
		b.c.WorkloadRoles[w] = role
		arns[w] = role.Arn
	}
	b.c.WorkloadRoleArns = arns.ToStringMapOutput()
	return nil
}

package cluster

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// serviceAccountRoles creates the IRSA roles of the Helm add-ons. The
// platform's workloads get theirs from components/workloads, which knows
// what each one reads and writes.
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
	return nil
}

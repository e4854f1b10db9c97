package workloads

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// External Secrets API and the refresh of synced secrets.
const (
	externalSecretsAPI = "external-secrets.io/v1beta1"
	refreshInterval    = "1h"
	// CSRFSecret holds the front ends' shared CSRF key.
	CSRFSecret = "web-csrf"
)

// sharedSecrets creates the front ends' CSRF key Secret. It comes from a
// random resource of the stack (the same in every region) rather than
// Secrets Manager: only the front ends use it and nothing rotates it.
func (b *builder) sharedSecrets() error {
	s, err := corev1.NewSecret(b.ctx, b.child("csrf"), &corev1.SecretArgs{
		Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(CSRFSecret), Namespace: pulumi.String(PlatformNamespace)},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{"key": pulumi.ToSecret(b.args.CSRFKey).(pulumi.StringOutput)},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("CSRF secret: %w", err)
	}
	b.csrf = s
	return nil
}

// Store names: a workload's ExternalSecrets read through a SecretStore
// that authenticates as the workload's own service account, so what a
// workload can sync is exactly what its IRSA role grants. The cluster's
// ClusterSecretStore reads every solsec/<env>/ secret but not the
// RDS-managed master secret (named rds!db-...), and through it any
// namespace could sync any platform secret.
func storeName(w Workload) string        { return w.Name + "-aws" }
func primaryStoreName(w Workload) string { return w.Name + "-aws-primary" }

// DatabaseSecret and RedisSecret are the Kubernetes Secrets (key "url")
// External Secrets writes for a workload.
func DatabaseSecret(workload string) string { return workload + "-database" }
func RedisSecret(workload string) string    { return workload + "-redis" }

// DatabaseURL is the template External Secrets renders from the master
// secret's JSON. TLS is required (the parameter group forces it); a
// read-only region asks every transaction to be read-only, so that a
// write fails at once with a clear error instead of on the replica.
func DatabaseURL(host string, readOnly bool) string {
	u := fmt.Sprintf("postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@%s:5432/solsec?sslmode=require", host)
	if readOnly {
		u += "&default_transaction_read_only=on"
	}
	return u
}

// RedisURL is the template for the cluster-mode endpoint with its AUTH
// token, over TLS.
func RedisURL(endpoint string) string {
	return fmt.Sprintf("rediss://:{{ .token | urlquery }}@%s:6379", endpoint)
}

func (b *builder) custom(name, apiVersion, kind, ns, object string, spec pulumi.Map, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	r, err := apiextensions.NewCustomResource(b.ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(apiVersion),
		Kind:        pulumi.String(kind),
		Metadata:    metav1.ObjectMetaArgs{Name: pulumi.String(object), Namespace: pulumi.String(ns)},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append([]pulumi.ResourceOption{b.parent}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: %w", kind, ns, object, err)
	}
	return r, nil
}

func secretStoreSpec(region, serviceAccount string) pulumi.Map {
	return pulumi.Map{"provider": pulumi.Map{"aws": pulumi.Map{
		"service": pulumi.String("SecretsManager"),
		"region":  pulumi.String(region),
		"auth": pulumi.Map{"jwt": pulumi.Map{"serviceAccountRef": pulumi.Map{
			"name": pulumi.String(serviceAccount),
		}}},
	}}}
}

// externalSecrets creates the workload's stores and its database and
// Redis URL secrets; it returns what its pods must wait for.
func (b *builder) externalSecrets(w Workload, sa pulumi.Resource) ([]pulumi.Resource, error) {
	if !w.Database && !w.Redis {
		return nil, nil
	}
	a, ns := b.args, namespace(w)
	after := pulumi.DependsOn([]pulumi.Resource{sa})
	var out []pulumi.Resource
	store, err := b.custom(b.child(w.Name+"-store"), externalSecretsAPI, "SecretStore", ns, storeName(w),
		secretStoreSpec(a.Region, w.Name), after)
	if err != nil {
		return nil, err
	}
	out = append(out, store)
	dbStore := storeName(w)
	if w.Database && a.Database.SecretRegion != a.Region {
		// A secondary reads the master secret where RDS keeps it.
		s, err := b.custom(b.child(w.Name+"-store-primary"), externalSecretsAPI, "SecretStore", ns, primaryStoreName(w),
			secretStoreSpec(a.Database.SecretRegion, w.Name), after)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		dbStore = primaryStoreName(w)
	}
	external := func(suffix, store, target string, template pulumi.StringInput, data pulumi.Array, deps []pulumi.Resource) error {
		es, err := b.custom(b.child(w.Name+"-"+suffix), externalSecretsAPI, "ExternalSecret", ns, target, pulumi.Map{
			"refreshInterval": pulumi.String(refreshInterval),
			"secretStoreRef":  pulumi.Map{"name": pulumi.String(store), "kind": pulumi.String("SecretStore")},
			"target": pulumi.Map{
				"name": pulumi.String(target), "creationPolicy": pulumi.String("Owner"),
				"template": pulumi.Map{"engineVersion": pulumi.String("v2"), "data": pulumi.Map{"url": template}},
			},
			"data": data,
		}, pulumi.DependsOn(deps))
		if err != nil {
			return err
		}
		out = append(out, es)
		return nil
	}
	if w.Database {
		ref := func(property string) pulumi.Map {
			return pulumi.Map{"secretKey": pulumi.String(property), "remoteRef": pulumi.Map{"key": a.Database.SecretArn, "property": pulumi.String(property)}}
		}
		url := a.Database.Host.ToStringOutput().ApplyT(func(h string) string { return DatabaseURL(h, a.ReadOnly) }).(pulumi.StringOutput)
		if err := external("database", dbStore, DatabaseSecret(w.Name), url, pulumi.Array{ref("username"), ref("password")}, out); err != nil {
			return nil, err
		}
	}
	if w.Redis {
		url := a.RedisEndpoint.ToStringOutput().ApplyT(RedisURL).(pulumi.StringOutput)
		data := pulumi.Array{pulumi.Map{"secretKey": pulumi.String("token"), "remoteRef": pulumi.Map{"key": pulumi.String(a.RedisSecretName)}}}
		if err := external("redis", storeName(w), RedisSecret(w.Name), url, data, []pulumi.Resource{store}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

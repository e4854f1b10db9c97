package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Names other components refer to.
const (
	DefaultStorageClass = "gp3-encrypted"
	ClusterIssuerName   = "letsencrypt"
	SecretStoreName     = "aws-secrets-manager"
	letsEncryptServer   = "https://acme-v02.api.letsencrypt.org/directory"
)

// clusterConfig: the default StorageClass (gp3, encrypted with the EBS key,
// kept on delete), cert-manager's Let's Encrypt issuer with the Route 53
// DNS-01 solver, and External Secrets' store for Secrets Manager.
func (b *builder) clusterConfig() error {
	isDefault := "storageclass.kubernetes.io/is-default-class"
	// EKS ships gp2 as the default class; two defaults would make claims
	// ambiguous, so gp2 is demoted.
	if _, err := storagev1.NewStorageClassPatch(b.ctx, b.child("gp2-not-default"), &storagev1.StorageClassPatchArgs{
		Metadata: metav1.ObjectMetaPatchArgs{
			Name:        pulumi.String("gp2"),
			Annotations: pulumi.StringMap{isDefault: pulumi.String("false")},
		},
	}, append(b.opts(), pulumi.DependsOn(b.addons))...); err != nil {
		return fmt.Errorf("gp2 storage class: %w", err)
	}
	if _, err := storagev1.NewStorageClass(b.ctx, b.child("gp3"), &storagev1.StorageClassArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:        pulumi.String(DefaultStorageClass),
			Annotations: pulumi.StringMap{isDefault: pulumi.String("true")},
		},
		Provisioner: pulumi.String("ebs.csi.aws.com"),
		Parameters: pulumi.StringMap{
			"type": pulumi.String("gp3"), "encrypted": pulumi.String("true"), "kmsKeyId": b.ebsKeyArn,
			// Tag volumes so the CSI role may delete only its own.
			"tagSpecification_1": pulumi.String("ebs.csi.aws.com/cluster=true"),
		},
		// Volumes of deleted claims are kept: losing data takes a human.
		ReclaimPolicy:        pulumi.String("Retain"),
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
	}, append(b.opts(), pulumi.DependsOn(b.addons))...); err != nil {
		return fmt.Errorf("gp3 storage class: %w", err)
	}

	env := b.args.Environment
	if _, err := apiextensions.NewCustomResource(b.ctx, b.child("cluster-issuer"), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("cert-manager.io/v1"),
		Kind:       pulumi.String("ClusterIssuer"),
		Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(ClusterIssuerName)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"acme": pulumi.Map{
			"server":              pulumi.String(letsEncryptServer),
			"email":               pulumi.String(b.args.AcmeEmail),
			"privateKeySecretRef": pulumi.Map{"name": pulumi.String("letsencrypt-account-key")},
			"solvers": pulumi.Array{pulumi.Map{
				"selector": pulumi.Map{"dnsZones": pulumi.StringArray{pulumi.String(b.args.Domain)}},
				"dns01": pulumi.Map{"route53": pulumi.Map{
					"region":       pulumi.String(b.args.Region),
					"hostedZoneID": b.args.HostedZoneID,
				}},
			}},
		}}},
	}, append(b.opts(), pulumi.DependsOn([]pulumi.Resource{b.releases["cert-manager"]}))...); err != nil {
		return fmt.Errorf("cluster issuer: %w", err)
	}
	if _, err := apiextensions.NewCustomResource(b.ctx, b.child("secret-store"), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1beta1"),
		Kind:       pulumi.String("ClusterSecretStore"),
		Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(SecretStoreName)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"provider": pulumi.Map{"aws": pulumi.Map{
			"service": pulumi.String("SecretsManager"),
			"region":  pulumi.String(b.args.Region),
			"auth": pulumi.Map{"jwt": pulumi.Map{"serviceAccountRef": pulumi.Map{
				"name": pulumi.String(externalSecretsSA), "namespace": pulumi.String("external-secrets-" + env),
			}}},
		}}}},
	}, append(b.opts(), pulumi.DependsOn([]pulumi.Resource{b.releases["external-secrets"]}))...); err != nil {
		return fmt.Errorf("cluster secret store: %w", err)
	}
	return nil
}

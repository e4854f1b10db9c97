package workloads

import (
	"fmt"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MigrationsWorkload is the workload whose image and identity run the
// migrations (`data-service migrate`); MigrationsJob is the Job's name.
const (
	MigrationsWorkload = "data-service"
	MigrationsJob      = "data-service-migrate"
)

// workspacePath is where the EFS workspace is mounted in tool runners.
const (
	workspacePath  = "/workspace"
	workspaceClaim = "tool-workspace"
)

// workspace binds the data tier's EFS access point as a volume in
// security-tools. The access point fixes the owner (and root directory),
// so runners write as the image's user; the volume outlives the claim.
func (b *builder) workspace() error {
	a := b.args
	handle := pulumi.Sprintf("%s::%s", a.FileSystemID, a.AccessPointID)
	pv, err := corev1.NewPersistentVolume(b.ctx, b.child("workspace"), &corev1.PersistentVolumeArgs{
		Metadata: metav1.ObjectMetaArgs{Name: pulumi.String("solsec-" + a.Environment + "-tool-workspace")},
		Spec: corev1.PersistentVolumeSpecArgs{
			Capacity:                      pulumi.StringMap{"storage": pulumi.String("100Gi")},
			AccessModes:                   pulumi.StringArray{pulumi.String("ReadWriteMany")},
			PersistentVolumeReclaimPolicy: pulumi.String("Retain"),
			StorageClassName:              pulumi.String(""),
			MountOptions:                  pulumi.StringArray{pulumi.String("tls")},
			Csi:                           corev1.CSIPersistentVolumeSourceArgs{Driver: pulumi.String("efs.csi.aws.com"), VolumeHandle: handle},
		},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("workspace volume: %w", err)
	}
	if _, err := corev1.NewPersistentVolumeClaim(b.ctx, b.child("workspace"), &corev1.PersistentVolumeClaimArgs{
		Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(workspaceClaim), Namespace: pulumi.String(ToolsNamespace)},
		Spec: corev1.PersistentVolumeClaimSpecArgs{
			AccessModes:      pulumi.StringArray{pulumi.String("ReadWriteMany")},
			StorageClassName: pulumi.String(""),
			VolumeName:       pv.Metadata.Name().Elem(),
			Resources:        corev1.VolumeResourceRequirementsArgs{Requests: pulumi.StringMap{"storage": pulumi.String("100Gi")}},
		},
	}, b.parent); err != nil {
		return fmt.Errorf("workspace claim: %w", err)
	}
	b.workspaceClaim = workspaceClaim
	return nil
}

// migrations runs `data-service migrate` as a Job with data-service's
// image and identity. The Job's pod template names the image by digest,
// so a new data-service image replaces the Job (its template is
// immutable) and the Deployments, which depend on it, roll only after
// the new schema is in. A read-only region runs none: its database is a
// replica, migrated through the primary.
func (b *builder) migrations(deps []pulumi.Resource) error {
	if b.args.ReadOnly {
		return nil
	}
	var w Workload
	for _, c := range Catalog() {
		if c.Name == MigrationsWorkload {
			w = c
		}
	}
	spec := b.podSpec(w, []string{"migrate"}, false)
	spec.RestartPolicy = pulumi.String("Never")
	labels := pulumi.StringMap{"app": pulumi.String(MigrationsJob), "app.kubernetes.io/part-of": pulumi.String("solsec")}
	job, err := batchv1.NewJob(b.ctx, b.child("migrate"), &batchv1.JobArgs{
		Metadata: meta(MigrationsJob, PlatformNamespace),
		Spec: batchv1.JobSpecArgs{
			BackoffLimit:          pulumi.Int(3),
			ActiveDeadlineSeconds: pulumi.Int(900),
			Template: corev1.PodTemplateSpecArgs{
				// No sidecar: it would keep the Job from completing.
				Metadata: metav1.ObjectMetaArgs{Labels: labels, Annotations: pulumi.StringMap{inject: pulumi.String("false")}},
				Spec:     spec,
			},
		},
	}, b.parent, pulumi.DependsOn(deps), pulumi.DeleteBeforeReplace(true))
	if err != nil {
		return fmt.Errorf("migrations job: %w", err)
	}
	b.migrate = job
	// The Job talks to PostgreSQL only.
	if _, err := networkingv1.NewNetworkPolicy(b.ctx, b.child("migrate-egress"), &networkingv1.NetworkPolicyArgs{
		Metadata: meta(MigrationsJob+"-egress", PlatformNamespace),
		Spec: networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"app": pulumi.String(MigrationsJob)}},
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
				To: cidrs(b.args.DataSubnetCidrs), Ports: networkingv1.NetworkPolicyPortArray{tcp(PostgresPort)},
			}},
		},
	}, b.parent); err != nil {
		return fmt.Errorf("migrations egress policy: %w", err)
	}
	return nil
}

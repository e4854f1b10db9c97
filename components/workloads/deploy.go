package workloads

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/cluster"
	"github.com/solsec/platform/components/mesh"
)

// RunAs is the distroless nonroot user and group the images run as.
const RunAs = 65532

// Istio annotations on meshed pods.
const (
	// excludeInbound keeps the admin port out of the sidecar, so that
	// Prometheus (outside the mesh) scrapes /metrics in plain HTTP; the
	// network policy admits only the monitoring namespace to it.
	excludeInbound = "traffic.sidecar.istio.io/excludeInboundPorts"
	// mergeMetrics off: the workload's ServiceMonitor scrapes its metrics,
	// the mesh's sidecar PodMonitor only Envoy's.
	mergeMetrics = "prometheus.istio.io/merge-metrics"
	// inject turns the sidecar off (the migrations Job: a sidecar would
	// keep it from ever completing).
	inject = "sidecar.istio.io/inject"
)

func labels(w Workload) pulumi.StringMap {
	return pulumi.StringMap{"app": pulumi.String(w.Name), "app.kubernetes.io/part-of": pulumi.String("solsec")}
}

func meta(name, ns string) metav1.ObjectMetaArgs {
	return metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns),
		Labels: pulumi.StringMap{"app.kubernetes.io/part-of": pulumi.String("solsec")}}
}

// PodSecurity is every pod's security context: the restricted Pod Security
// profile and then some.
func podSecurity() corev1.PodSecurityContextArgs {
	return corev1.PodSecurityContextArgs{
		RunAsNonRoot: pulumi.Bool(true),
		RunAsUser:    pulumi.Int(RunAs), RunAsGroup: pulumi.Int(RunAs), FsGroup: pulumi.Int(RunAs),
		SeccompProfile: corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func containerSecurity() corev1.SecurityContextArgs {
	return corev1.SecurityContextArgs{
		AllowPrivilegeEscalation: pulumi.Bool(false),
		Privileged:               pulumi.Bool(false),
		ReadOnlyRootFilesystem:   pulumi.Bool(true),
		RunAsNonRoot:             pulumi.Bool(true),
		Capabilities:             corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
		SeccompProfile:           corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func envVar(name string, v pulumi.StringInput) corev1.EnvVarArgs {
	return corev1.EnvVarArgs{Name: pulumi.String(name), Value: v}
}

func secretEnv(name, secret, key string) corev1.EnvVarArgs {
	return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: corev1.EnvVarSourceArgs{
		SecretKeyRef: corev1.SecretKeySelectorArgs{Name: pulumi.String(secret), Key: pulumi.String(key)},
	}}
}

// env is the workload's configuration, in the variables its main reads.
func (b *builder) env(w Workload) corev1.EnvVarArray {
	a := b.args
	s := func(v string) pulumi.StringInput { return pulumi.String(v) }
	e := corev1.EnvVarArray{envVar("SOLSEC_LOG_LEVEL", s("info"))}
	if w.Database {
		e = append(e, secretEnv("SOLSEC_DATABASE_URL", DatabaseSecret(w.Name), "url"))
	}
	if w.Redis {
		e = append(e, secretEnv("SOLSEC_REDIS_URL", RedisSecret(w.Name), "url"), envVar("SOLSEC_REDIS_CLUSTER", s("true")))
	}
	if w.Blob {
		e = append(e, envVar("SOLSEC_BLOB_BACKEND", s("s3")), envVar("SOLSEC_S3_BUCKET", a.ContractsBucket),
			envVar("SOLSEC_S3_KMS_KEY_ID", a.ObjectsKeyArn), envVar("SOLSEC_S3_REGION", s(a.Region)))
	}
	if w.JWT {
		e = append(e, envVar("SOLSEC_JWT_KEYS_SECRET", s(a.JWTSecretName)), envVar("SOLSEC_JWT_KEYS_FILE", s("")),
			envVar("SOLSEC_JWT_ISSUER", s(a.JWTIssuer)), envVar("SOLSEC_JWT_AUDIENCE", s(a.JWTAudience)))
	}
	if w.CSRF {
		e = append(e, secretEnv("SOLSEC_WEB_CSRF_KEY", CSRFSecret, "key"), envVar("SOLSEC_API_URL", s(serviceURL("api-service"))))
		for _, c := range w.Calls {
			if c == "notification" {
				e = append(e, envVar("SOLSEC_NOTIFY_URL", s(serviceURL("notification"))))
			}
		}
	}
	if w.Workspace {
		e = append(e, envVar("SOLSEC_WORKDIR", s(workspacePath)))
	}
	for _, tool := range sortedKeys(w.Analysers) {
		e = append(e, envVar("SOLSEC_TOOL_COMMAND_"+strings.ToUpper(tool), s(w.Analysers[tool])))
	}
	switch w.kind {
	case web, worker:
		e = append(e, envVar("SOLSEC_HTTP_ADDR", s(fmt.Sprintf(":%d", ServingPort))), envVar("SOLSEC_ADMIN_ADDR", s(fmt.Sprintf(":%d", AdminPort))))
	default:
		e = append(e, envVar("SOLSEC_HTTP_ADDR", s(fmt.Sprintf(":%d", ServingPort))))
	}
	if w.Name == "notification" {
		var origins []string
		for _, h := range a.Hosts {
			origins = append(origins, "https://"+h)
		}
		e = append(e, envVar("SOLSEC_WS_ALLOWED_ORIGINS", s(strings.Join(origins, ","))))
	}
	return e
}

// serviceURL is how a pod reaches a platform workload's Service.
func serviceURL(workload string) string {
	return fmt.Sprintf("http://%s.%s.svc.cluster.local:%d", workload, PlatformNamespace, ServingPort)
}

// tmpVolume is each pod's writable /tmp (the root filesystem is not).
const tmpVolume = "tmp"

func probe(path string, port int) corev1.ProbeArgs {
	return corev1.ProbeArgs{
		HttpGet:          corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.Int(port)},
		PeriodSeconds:    pulumi.Int(10),
		TimeoutSeconds:   pulumi.Int(2),
		FailureThreshold: pulumi.Int(3),
	}
}

// podSpec is the pod of a workload (or of the migrations Job).
func (b *builder) podSpec(w Workload, args []string, probes bool) corev1.PodSpecArgs {
	c := corev1.ContainerArgs{
		Name:            pulumi.String(w.Name),
		Image:           b.image(w.Name),
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		Args:            pulumi.ToStringArray(args),
		Env:             b.env(w),
		SecurityContext: containerSecurity(),
		Resources: corev1.ResourceRequirementsArgs{
			Requests: pulumi.StringMap{"cpu": pulumi.String(w.CPU), "memory": pulumi.String(w.Memory)},
			Limits:   pulumi.StringMap{"cpu": pulumi.String(w.CPULimit), "memory": pulumi.String(w.MemoryLimit)},
		},
		VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{Name: pulumi.String(tmpVolume), MountPath: pulumi.String("/tmp")}},
	}
	volumes := corev1.VolumeArray{corev1.VolumeArgs{Name: pulumi.String(tmpVolume),
		EmptyDir: corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String("256Mi")}}}
	if probes {
		var ports corev1.ContainerPortArray
		if w.Served() || w.kind == web {
			ports = append(ports, corev1.ContainerPortArgs{Name: pulumi.String("http"), ContainerPort: pulumi.Int(ServingPort)})
		}
		if w.adminPort() != ServingPort {
			ports = append(ports, corev1.ContainerPortArgs{Name: pulumi.String("admin"), ContainerPort: pulumi.Int(AdminPort)})
		}
		c.Ports = ports
		c.LivenessProbe = probe("/healthz", w.adminPort())
		c.ReadinessProbe = probe("/readyz", w.adminPort())
	}
	if w.Workspace {
		c.VolumeMounts = append(c.VolumeMounts.(corev1.VolumeMountArray),
			corev1.VolumeMountArgs{Name: pulumi.String("workspace"), MountPath: pulumi.String(workspacePath)})
		volumes = append(volumes, corev1.VolumeArgs{Name: pulumi.String("workspace"),
			PersistentVolumeClaim: corev1.PersistentVolumeClaimVolumeSourceArgs{ClaimName: pulumi.String(b.workspaceClaim)}})
	}
	spec := corev1.PodSpecArgs{
		ServiceAccountName: pulumi.String(w.Name),
		// IRSA's webhook projects its own token; the Kubernetes API token
		// is of no use to the services.
		AutomountServiceAccountToken:  pulumi.Bool(false),
		SecurityContext:               podSecurity(),
		TerminationGracePeriodSeconds: pulumi.Int(30),
		Containers:                    corev1.ContainerArray{c},
		Volumes:                       volumes,
	}
	if w.Tools {
		// Tool runs are retried when a spot node goes away (River hands
		// the job back), so they run on the cheaper spot capacity only.
		spec.NodeSelector = pulumi.StringMap{cluster.CapacityLabel: pulumi.String("spot")}
		spec.Tolerations = corev1.TolerationArray{corev1.TolerationArgs{
			Key: pulumi.String(cluster.SpotTaintKey), Operator: pulumi.String("Equal"), Value: pulumi.String("true"), Effect: pulumi.String("NoSchedule"),
		}}
	}
	return spec
}

// identity creates a workload's IRSA role, service account and
// ExternalSecrets, and returns what its pods must wait for.
func (b *builder) identity(w Workload) ([]pulumi.Resource, error) {
	ns := namespace(w)
	roleArn, hasRole, err := b.role(w)
	if err != nil {
		return nil, err
	}
	saMeta := meta(w.Name, ns)
	if hasRole {
		saMeta.Annotations = pulumi.StringMap{cluster.RoleAnnotation: roleArn}
	}
	sa, err := corev1.NewServiceAccount(b.ctx, b.child(w.Name), &corev1.ServiceAccountArgs{
		Metadata:                     saMeta,
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("service account: %w", err)
	}
	deps, err := b.externalSecrets(w, sa)
	if err != nil {
		return nil, err
	}
	return append(deps, sa), nil
}

// deploy creates one workload's Deployment and what runs beside it.
func (b *builder) deploy(w Workload, deps []pulumi.Resource) error {
	ns := namespace(w)
	if b.migrate != nil && w.Database {
		deps = append(deps, b.migrate)
	}
	if w.CSRF {
		deps = append(deps, b.csrf)
	}

	spec := b.podSpec(w, w.Args, true)
	zone := "DoNotSchedule"
	if w.Tools {
		// Spot capacity may lack a zone for a while; a tool run should
		// still start.
		zone = "ScheduleAnyway"
	}
	selector := metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"app": pulumi.String(w.Name)}}
	spec.TopologySpreadConstraints = corev1.TopologySpreadConstraintArray{
		corev1.TopologySpreadConstraintArgs{MaxSkew: pulumi.Int(1), TopologyKey: pulumi.String("topology.kubernetes.io/zone"),
			WhenUnsatisfiable: pulumi.String(zone), LabelSelector: selector},
		corev1.TopologySpreadConstraintArgs{MaxSkew: pulumi.Int(1), TopologyKey: pulumi.String("kubernetes.io/hostname"),
			WhenUnsatisfiable: pulumi.String("ScheduleAnyway"), LabelSelector: selector},
	}
	annotations := pulumi.StringMap{}
	switch {
	case w.Tools:
		// security-tools is not meshed: Prometheus scrapes the pod.
	case w.scrapedDirectly():
		annotations[mergeMetrics] = pulumi.String("false")
		annotations[excludeInbound] = pulumi.String(fmt.Sprint(w.adminPort()))
	default:
		// Metrics share the serving port, which must stay behind mTLS:
		// the sidecar merges them into its own endpoint (15020), which
		// the mesh's PodMonitor scrapes.
		annotations["prometheus.io/scrape"] = pulumi.String("true")
		annotations["prometheus.io/port"] = pulumi.String(fmt.Sprint(ServingPort))
		annotations["prometheus.io/path"] = pulumi.String("/metrics")
	}
	// The HPA owns the replica count: the Deployment leaves it unset, so
	// a rollout never resets it to a number of ours. A standby's writers
	// are held at 0 (and have no HPA); failover scales them up and
	// hands them to the HPA (docs/disaster-recovery.md).
	var replicas pulumi.IntPtrInput
	standby := b.args.ReadOnly && w.writes()
	if standby {
		replicas = pulumi.Int(0)
	}
	dep, err := appsv1.NewDeployment(b.ctx, b.child(w.Name), &appsv1.DeploymentArgs{
		Metadata: meta(w.Name, ns),
		Spec: appsv1.DeploymentSpecArgs{
			Replicas:             replicas,
			RevisionHistoryLimit: pulumi.Int(5),
			Selector:             selector,
			Strategy: appsv1.DeploymentStrategyArgs{
				Type:          pulumi.String("RollingUpdate"),
				RollingUpdate: appsv1.RollingUpdateDeploymentArgs{MaxUnavailable: pulumi.Int(0), MaxSurge: pulumi.String("25%")},
			},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: metav1.ObjectMetaArgs{Labels: labels(w), Annotations: annotations},
				Spec:     spec,
			},
		},
	}, b.parent, pulumi.DependsOn(deps))
	if err != nil {
		return fmt.Errorf("deployment: %w", err)
	}
	if _, err := corev1.NewService(b.ctx, b.child(w.Name), &corev1.ServiceArgs{
		Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(w.Name), Namespace: pulumi.String(ns), Labels: labels(w)},
		Spec: corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: pulumi.StringMap{"app": pulumi.String(w.Name)},
			Ports:    b.servicePorts(w),
		},
	}, b.parent); err != nil {
		return fmt.Errorf("service: %w", err)
	}
	if _, err := policyv1.NewPodDisruptionBudget(b.ctx, b.child(w.Name), &policyv1.PodDisruptionBudgetArgs{
		Metadata: meta(w.Name, ns),
		// One pod at a time, whatever the replica count the HPA chose.
		Spec: policyv1.PodDisruptionBudgetSpecArgs{MaxUnavailable: pulumi.Int(1), Selector: selector},
	}, b.parent); err != nil {
		return fmt.Errorf("pod disruption budget: %w", err)
	}
	if !standby {
		if err := b.autoscaling(w, dep); err != nil {
			return err
		}
	}
	if err := b.monitor(w, dep); err != nil {
		return err
	}
	if err := b.networkPolicies(w); err != nil {
		return err
	}
	return b.mesh(w)
}

func (b *builder) servicePorts(w Workload) corev1.ServicePortArray {
	var ports corev1.ServicePortArray
	if w.Served() {
		// The http- prefix tells Istio the protocol.
		ports = append(ports, corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(ServingPort),
			TargetPort: pulumi.Int(ServingPort), AppProtocol: pulumi.String("http")})
	}
	if w.adminPort() != ServingPort {
		ports = append(ports, corev1.ServicePortArgs{Name: pulumi.String("admin"), Port: pulumi.Int(AdminPort),
			TargetPort: pulumi.Int(AdminPort), AppProtocol: pulumi.String("http")})
	} else if !w.Served() {
		ports = append(ports, corev1.ServicePortArgs{Name: pulumi.String("admin"), Port: pulumi.Int(ServingPort),
			TargetPort: pulumi.Int(ServingPort), AppProtocol: pulumi.String("http")})
	}
	return ports
}

// autoscaling: CPU for every workload, and for workers the depth of their
// River queue per replica through the cluster's custom-metric hook
// (solsec_queue_depth{queue}, served by the metrics adapter), with a
// recommendation-only VPA.
func (b *builder) autoscaling(w Workload, dep pulumi.Resource) error {
	args := cluster.AutoscalingArgs{
		Namespace: namespace(w), Deployment: w.Name,
		MinReplicas: w.MinReplicas, MaxReplicas: w.MaxReplicas, CPUPercent: 70,
	}
	if w.Queue != "" {
		args.QueueDepthMetric = "solsec_queue_depth"
		args.QueueDepthPerReplica = 10
		args.QueueDepthSelectorKey = "queue"
		args.QueueDepthSelector = w.Queue
	}
	if _, err := cluster.NewWorkloadAutoscaling(b.ctx, b.child(w.Name), args, b.parent, pulumi.DependsOn([]pulumi.Resource{dep})); err != nil {
		return err
	}
	return nil
}

// monitor is the workload's ServiceMonitor on its admin port. A workload
// whose metrics share the serving port (api-service, notification) has
// none: the sidecar merges its metrics and the mesh's PodMonitor scrapes
// them, and a second scrape would duplicate every series.
func (b *builder) monitor(w Workload, dep pulumi.Resource) error {
	if !w.scrapedDirectly() {
		return nil
	}
	port := "admin"
	_, err := b.custom(b.child(w.Name+"-monitor"), "monitoring.coreos.com/v1", "ServiceMonitor", namespace(w), w.Name, pulumi.Map{
		"selector":  pulumi.Map{"matchLabels": pulumi.StringMap{"app": pulumi.String(w.Name)}},
		"endpoints": pulumi.Array{pulumi.Map{"port": pulumi.String(port), "path": pulumi.String("/metrics"), "interval": pulumi.String("30s")}},
	}, pulumi.DependsOn([]pulumi.Resource{dep}))
	return err
}

// mesh: an AuthorizationPolicy admitting exactly the workload's callers,
// and a DestinationRule for its clients. Workers get neither: nothing
// calls them, and the namespace's default deny refuses everyone.
func (b *builder) mesh(w Workload) error {
	if !w.Served() {
		return nil
	}
	var callers []mesh.Principal
	if w.Gateway {
		callers = append(callers, mesh.GatewayPrincipal)
	}
	for _, c := range w.Callers {
		callers = append(callers, mesh.Principal{Namespace: PlatformNamespace, ServiceAccount: c})
	}
	if _, err := mesh.AllowCallers(b.ctx, b.child(w.Name+"-callers"), mesh.AllowArgs{
		Namespace: PlatformNamespace, App: w.Name, Callers: callers, Ports: []string{fmt.Sprint(ServingPort)},
	}, b.parent); err != nil {
		return err
	}
	dr := mesh.DestinationRuleArgs{Name: w.Name, Namespace: PlatformNamespace,
		Host: fmt.Sprintf("%s.%s.svc.cluster.local", w.Name, PlatformNamespace)}
	if w.Name == "notification" {
		// WebSockets are long-lived: no recycling of their connections.
		dr.MaxConnections = 10000
	}
	_, err := mesh.NewDestinationRule(b.ctx, b.child(w.Name+"-destination"), dr, b.parent)
	return err
}

// sortedKeys gives a map's keys in order, so that the rendered environment
// does not change between runs.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

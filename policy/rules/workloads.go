package rules

import (
	"regexp"
	"strings"
)

// Kubernetes workload types whose pods the policies below read, with the
// path to each one's pod spec.
var podSpecPaths = map[string][]string{
	"kubernetes:apps/v1:Deployment":  {"spec", "template", "spec"},
	"kubernetes:apps/v1:StatefulSet": {"spec", "template", "spec"},
	"kubernetes:apps/v1:DaemonSet":   {"spec", "template", "spec"},
	"kubernetes:batch/v1:Job":        {"spec", "template", "spec"},
	"kubernetes:batch/v1:CronJob":    {"spec", "jobTemplate", "spec", "template", "spec"},
}

func podTypes() []string {
	return []string{"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet",
		"kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"}
}

// containers returns the pod spec and every container of a workload,
// init containers included.
func containers(r Resource, v View) (View, []View) {
	pod := v.At(podSpecPaths[r.Type]...)
	return pod, append(pod.List("initContainers"), pod.List("containers")...)
}

// digestImage is an image pinned by its sha256 digest.
var digestImage = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

func workloadPolicies() []ResourcePolicy {
	return []ResourcePolicy{
		{
			ID: "workload-pod-restricted", Title: "Pods run restricted: non-root, read-only root, no capabilities, no escalation, RuntimeDefault seccomp",
			Why: "A compromised process in such a container cannot become root, write to its image, use kernel capabilities or " +
				"unfiltered syscalls, or reach the node's namespaces: the Kubernetes restricted profile plus a read-only root.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1,CC6.8", "A.8.9,A.8.22"),
			Types: podTypes(),
			Check: func(r Resource, v View) *Problem {
				pod, cs := containers(r, v)
				for _, host := range []string{"hostNetwork", "hostPID", "hostIPC"} {
					if pod.Bool(host) {
						return problem("the pod sets %s", "remove it: platform workloads need no host namespace", host)
					}
				}
				podSeccomp := pod.Str("securityContext", "seccompProfile", "type")
				podNonRoot := pod.Bool("securityContext", "runAsNonRoot")
				if len(cs) == 0 {
					return problem("the pod has no containers", "declare the workload's containers")
				}
				for _, c := range cs {
					name, sc := c.Str("name"), c.At("securityContext")
					switch {
					case !podNonRoot && !sc.Bool("runAsNonRoot"):
						return problem("container %q may run as root", "set runAsNonRoot: true (and a numeric runAsUser)", name)
					case sc.BoolOr(true, "allowPrivilegeEscalation"):
						return problem("container %q allows privilege escalation", "set allowPrivilegeEscalation: false", name)
					case sc.Bool("privileged"):
						return problem("container %q is privileged", "remove privileged", name)
					case !sc.Bool("readOnlyRootFilesystem"):
						return problem("container %q has a writable root filesystem", "set readOnlyRootFilesystem: true and mount an emptyDir where it writes", name)
					case !dropsAll(sc.Strings("capabilities", "drop")) || len(sc.Strings("capabilities", "add")) > 0:
						return problem("container %q keeps Linux capabilities", "drop ALL and add none", name)
					}
					seccomp := sc.Str("seccompProfile", "type")
					if seccomp == "" {
						seccomp = podSeccomp
					}
					if seccomp != "RuntimeDefault" && seccomp != "Localhost" {
						return problem("container %q runs without a seccomp profile (%q)", "set seccompProfile type RuntimeDefault on the pod", name, seccomp)
					}
				}
				return nil
			},
		},
		{
			ID: "workload-image-by-digest", Title: "Containers reference their image by digest",
			Why: "A tag can be moved to other content; a digest names exactly the image that was built, scanned and reviewed, " +
				"so every node runs the same bytes and a rollout changes only when the image does.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC7.1,CC8.1", "A.8.32,A.8.19"),
			Types: podTypes(),
			Check: func(r Resource, v View) *Problem {
				_, cs := containers(r, v)
				for _, c := range cs {
					if img := c.Str("image"); !digestImage.MatchString(img) {
						return problem("container %q runs %q", "reference the image as repository@sha256:<digest>", c.Str("name"), img)
					}
				}
				return nil
			},
		},
		{
			ID: "workload-resources-bounded", Title: "Containers request and limit CPU and memory",
			Why: "Without requests the scheduler overcommits nodes and autoscaling has nothing to measure; without limits one " +
				"runaway workload starves its neighbours and the namespace quota cannot be enforced.",
			Enforcement: Advisory, Controls: ctl("", "", "A1.1", "A.8.6"),
			Types: podTypes(),
			Check: func(r Resource, v View) *Problem {
				_, cs := containers(r, v)
				for _, c := range cs {
					for _, kind := range []string{"requests", "limits"} {
						for _, res := range []string{"cpu", "memory"} {
							if !c.Set("resources", kind, res) {
								return problem("container %q has no %s %s", "set resources.requests and resources.limits for cpu and memory", c.Str("name"), res, strings.TrimSuffix(kind, "s"))
							}
						}
					}
				}
				return nil
			},
		},
	}
}

func dropsAll(drop []string) bool {
	for _, d := range drop {
		if d == "ALL" || d == "all" {
			return true
		}
	}
	return false
}

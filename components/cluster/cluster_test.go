package cluster_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/cluster"
	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
	"github.com/solsec/platform/stacks"
)

// stackRun is the whole program of one repository stack, evaluated offline.
type stackRun struct {
	stack string
	cfg   *stacks.Config
	res   *offline.Result
}

func runStacks(t *testing.T) []stackRun {
	root, err := offline.RepoRoot()
	require.NoError(t, err)
	var out []stackRun
	for _, stack := range stacks.Environments {
		sf, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
		require.NoError(t, err)
		cfg, err := stacks.ParseConfig(stack, sf.Config)
		require.NoError(t, err)
		res, err := offline.Run(stack, sf.Config, stacks.Deploy)
		require.NoError(t, err)
		out = append(out, stackRun{stack, cfg, res})
	}
	return out
}

// under returns the resources of a type under the named Cluster component.
func under(r stackRun, region, typ string) []offline.Resource {
	comp, ok := r.res.Get("solsec:cluster:Cluster", stacks.ResourceName(r.stack, region))
	if !ok {
		return nil
	}
	var out []offline.Resource
	for _, d := range r.res.Descendants(comp.URN) {
		if d.Type == typ {
			out = append(out, d)
		}
	}
	return out
}

func TestCluster(t *testing.T) {
	for _, r := range runStacks(t) {
		for _, region := range r.cfg.EnabledRegions() {
			name := r.stack + " " + region.Name

			t.Run(name+": the control plane is private, encrypted, fully logged and API-authenticated", func(t *testing.T) {
				eks := under(r, region.Name, "eks:index:Cluster")
				require.Len(t, eks, 1)
				c := eks[0]
				assert.Equal(t, stacks.ClusterName(r.stack, region.Name), c.Str("name"))
				assert.Equal(t, r.cfg.Cluster.KubernetesVersion, c.Str("version"))
				assert.True(t, c.Bool("endpointPrivateAccess"))
				assert.False(t, c.Bool("endpointPublicAccess"), "public endpoint off by default")
				assert.ElementsMatch(t, cluster.ControlPlaneLogTypes, c.Strings("enabledClusterLogTypes"))
				assert.Equal(t, "API", c.Str("authenticationMode"))
				assert.True(t, c.Bool("skipDefaultNodeGroup"))
				assert.False(t, c.Bool("nodeAssociatePublicIpAddress"))
				assert.Len(t, c.Strings("privateSubnetIds"), 3)
				assert.False(t, c.Has("publicSubnetIds"), "nodes in the private subnets only")

				keys := map[string]offline.Resource{}
				for _, k := range under(r, region.Name, "aws:kms/key:Key") {
					keys[k.Name] = k
				}
				secrets, ok := keys[stacks.ResourceName(r.stack, region.Name)+"-eks-secrets"]
				require.True(t, ok)
				assert.True(t, secrets.Bool("enableKeyRotation"))
				assert.Contains(t, c.Str("encryptionConfigKeyArn"), ":key/"+secrets.ID)

				entries := c.Object("accessEntries")
				require.Len(t, entries, len(r.cfg.Cluster.AdminRoles))
				for _, role := range r.cfg.Cluster.AdminRoles {
					e := entries["admin-"+role].(map[string]any)
					assert.Equal(t, "arn:aws:iam::"+offline.AccountID+":role/"+role, e["principalArn"])
				}
			})

			t.Run(name+": the OIDC provider trusts the cluster's issuer for STS only", func(t *testing.T) {
				oidc := under(r, region.Name, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
				require.Len(t, oidc, 1)
				assert.Regexp(t, `^https://oidc\.eks\.`+region.Name+`\.amazonaws\.com/id/[0-9A-F]{32}$`, oidc[0].Str("url"))
				assert.Equal(t, []string{"sts.amazonaws.com"}, oidc[0].Strings("clientIdLists"))
			})

			t.Run(name+": every launch template requires IMDSv2, encrypts its volume and has no key or public address", func(t *testing.T) {
				lts := under(r, region.Name, "aws:ec2/launchTemplate:LaunchTemplate")
				require.Len(t, lts, len(r.cfg.NodeGroups))
				var ebsKey string
				for _, k := range under(r, region.Name, "aws:kms/key:Key") {
					if strings.HasSuffix(k.Name, "-ebs") {
						ebsKey = k.ID
						assert.True(t, k.Bool("enableKeyRotation"))
					}
				}
				require.NotEmpty(t, ebsKey)
				for _, lt := range lts {
					md := lt.Object("metadataOptions")
					assert.Equal(t, "required", md["httpTokens"], lt.Name)
					assert.Equal(t, float64(cluster.IMDSHopLimit), md["httpPutResponseHopLimit"])
					bdm := lt.Objects("blockDeviceMappings")
					require.Len(t, bdm, 1)
					ebs := bdm[0]["ebs"].(map[string]any)
					assert.Equal(t, "true", ebs["encrypted"])
					assert.Equal(t, "gp3", ebs["volumeType"])
					assert.Contains(t, ebs["kmsKeyId"], ":key/"+ebsKey)
					assert.False(t, lt.Has("keyName"), "no SSH key")
					for _, ni := range lt.Objects("networkInterfaces") {
						assert.NotEqual(t, "true", ni["associatePublicIpAddress"])
					}
					assert.Len(t, lt.Strings("vpcSecurityGroupIds"), 2, "node and external-services groups")
				}
			})

			t.Run(name+": node groups follow config, spread over the private subnets, spot tainted", func(t *testing.T) {
				ngs := map[string]offline.Resource{}
				for _, ng := range under(r, region.Name, "aws:eks/nodeGroup:NodeGroup") {
					ngs[strings.TrimPrefix(ng.Name, stacks.ResourceName(r.stack, region.Name)+"-")] = ng
				}
				require.Len(t, ngs, len(r.cfg.NodeGroups))
				for _, want := range r.cfg.NodeGroups {
					ng, ok := ngs[want.Name]
					require.True(t, ok, want.Name)
					sc := ng.Object("scalingConfig")
					assert.Equal(t, float64(want.MinSize), sc["minSize"])
					assert.Equal(t, float64(want.DesiredSize), sc["desiredSize"])
					assert.Equal(t, float64(want.MaxSize), sc["maxSize"])
					assert.Equal(t, want.InstanceTypes, ng.Strings("instanceTypes"))
					assert.Len(t, ng.Strings("subnetIds"), 3)
					for _, s := range ng.Strings("subnetIds") {
						sub := findByID(r.res, "aws:ec2/subnet:Subnet", s)
						assert.Equal(t, "private", sub.StringMap("tags")["Tier"])
					}
					taints := ng.Objects("taints")
					if want.CapacityType == stacks.Spot {
						assert.Equal(t, "SPOT", ng.Str("capacityType"))
						require.Len(t, taints, 1)
						assert.Equal(t, cluster.SpotTaintKey, taints[0]["key"])
						assert.Equal(t, "NO_SCHEDULE", taints[0]["effect"])
					} else {
						assert.Equal(t, "ON_DEMAND", ng.Str("capacityType"))
						assert.Empty(t, taints)
					}
				}
				roles := under(r, region.Name, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
				var attached []string
				for _, a := range roles {
					attached = append(attached, a.Str("policyArn")[strings.LastIndex(a.Str("policyArn"), "/")+1:])
				}
				assert.ElementsMatch(t, cluster.NodeManagedPolicies, attached, "nodes get only the managed policies they need")
			})

			t.Run(name+": every IRSA role trusts exactly one service account and policies avoid * where ARNs work", func(t *testing.T) {
				irsa := 0
				for _, role := range under(r, region.Name, "aws:iam/role:Role") {
					trust, err := iampolicy.Parse(role.Str("assumeRolePolicy"))
					require.NoError(t, err)
					require.Len(t, trust.Statement, 1)
					st := trust.Statement[0]
					if _, federated := st.Principal["Federated"]; !federated {
						continue
					}
					irsa++
					subs := 0
					for key, v := range st.Condition["StringEquals"] {
						if strings.HasSuffix(key, ":sub") {
							subs++
							assert.Regexp(t, `^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$`, v, role.Name)
						}
						if strings.HasSuffix(key, ":aud") {
							assert.Equal(t, "sts.amazonaws.com", v)
						}
					}
					assert.Equal(t, 1, subs, "%s names exactly one service account", role.Name)
				}
				assert.Equal(t, 7, irsa, "cni, ebs, efs, lbc, autoscaler, cert-manager, external-secrets; workloads get theirs from components/workloads")

				for _, p := range under(r, region.Name, "aws:iam/rolePolicy:RolePolicy") {
					doc, err := iampolicy.Parse(p.Str("policy"))
					require.NoError(t, err, p.Name)
					for _, st := range doc.Statement {
						for _, res := range st.Resources() {
							if res != "*" || len(st.Condition) > 0 {
								continue
							}
							for _, a := range st.Action {
								assert.True(t, readOnly(a), "%s: %s on * in %s", p.Name, a, st.Sid)
							}
						}
					}
				}
			})

			t.Run(name+": every Helm release is pinned, in its namespace, with IRSA and HA values", func(t *testing.T) {
				releases := map[string]offline.Resource{}
				for _, rel := range under(r, region.Name, "kubernetes:helm.sh/v3:Release") {
					releases[rel.Str("name")] = rel
				}
				require.Len(t, releases, len(cluster.Charts))
				wantNS := map[string]string{
					"aws-load-balancer-controller": "kube-system", "cluster-autoscaler": "kube-system",
					"metrics-server": "kube-system", "vpa": "kube-system",
					"cert-manager": "cert-manager-" + r.stack, "external-secrets": "external-secrets-" + r.stack,
					"argo-cd": "argocd-" + r.stack,
				}
				for key, chart := range cluster.Charts {
					rel, ok := releases[key]
					require.True(t, ok, key)
					assert.Equal(t, chart.Version, rel.Str("version"), key)
					assert.NotEmpty(t, rel.Str("version"))
					assert.Equal(t, wantNS[key], rel.Str("namespace"), key)
					assert.True(t, rel.Bool("atomic"))
				}
				for _, key := range []string{"aws-load-balancer-controller", "cert-manager", "external-secrets"} {
					sa := releases[key].Object("values")["serviceAccount"].(map[string]any)
					assert.Contains(t, sa["annotations"].(map[string]any)[cluster.RoleAnnotation], ":role/", key)
				}
				ca := releases["cluster-autoscaler"].Object("values")["rbac"].(map[string]any)["serviceAccount"].(map[string]any)
				assert.Contains(t, ca["annotations"].(map[string]any)[cluster.RoleAnnotation], ":role/")
				for key, path := range map[string]string{
					"aws-load-balancer-controller": "replicaCount", "cluster-autoscaler": "replicaCount",
					"metrics-server": "replicas", "cert-manager": "replicaCount", "external-secrets": "replicaCount",
				} {
					assert.GreaterOrEqual(t, releases[key].Object("values")[path], float64(2), "%s runs 2+ replicas", key)
				}
				argo := releases["argo-cd"].Object("values")
				assert.Equal(t, true, argo["redis-ha"].(map[string]any)["enabled"])
				assert.GreaterOrEqual(t, argo["server"].(map[string]any)["replicas"], float64(2))
			})

			t.Run(name+": namespaces carry Pod Security labels and platform namespaces deny by default", func(t *testing.T) {
				namespaces := map[string]offline.Resource{}
				for _, ns := range under(r, region.Name, "kubernetes:core/v1:Namespace") {
					namespaces[ns.Object("metadata")["name"].(string)] = ns
				}
				for _, want := range cluster.Namespaces(r.stack) {
					ns, ok := namespaces[want.Name]
					require.True(t, ok, want.Name)
					labels := ns.Object("metadata")["labels"].(map[string]any)
					assert.Equal(t, want.Enforce, labels["pod-security.kubernetes.io/enforce"])
					assert.Equal(t, "restricted", labels["pod-security.kubernetes.io/audit"])
					if want.Enforce != "restricted" {
						assert.NotEmpty(t, want.Why, "%s explains why it is not restricted", want.Name)
					}
				}
				assert.Equal(t, "restricted", namespaces["security-platform"].Object("metadata")["labels"].(map[string]any)["pod-security.kubernetes.io/enforce"])
				deny := map[string]bool{}
				for _, np := range under(r, region.Name, "kubernetes:networking.k8s.io/v1:NetworkPolicy") {
					md, spec := np.Object("metadata"), np.Object("spec")
					if md["name"] == "default-deny" {
						assert.Empty(t, spec["podSelector"], "selects every pod")
						assert.ElementsMatch(t, []any{"Ingress", "Egress"}, spec["policyTypes"])
						assert.Nil(t, spec["ingress"])
						assert.Nil(t, spec["egress"])
						deny[md["namespace"].(string)] = true
					}
				}
				assert.True(t, deny["security-platform"])
				assert.True(t, deny["security-tools"])
				assert.Len(t, under(r, region.Name, "kubernetes:core/v1:ResourceQuota"), 2)
				assert.Len(t, under(r, region.Name, "kubernetes:core/v1:LimitRange"), 2)
			})

			t.Run(name+": the VPC CNI runs custom networking with one ENIConfig per AZ", func(t *testing.T) {
				var cni offline.Resource
				for _, a := range under(r, region.Name, "aws:eks/addon:Addon") {
					assert.NotEmpty(t, a.Str("addonVersion"), a.Name)
					if a.Str("addonName") == "vpc-cni" {
						cni = a
					}
				}
				require.NotEmpty(t, cni.Name)
				assert.Contains(t, cni.Str("configurationValues"), `"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG":"true"`)
				assert.Contains(t, cni.Str("serviceAccountRoleArn"), ":role/")
				var enis []string
				for _, cr := range under(r, region.Name, "kubernetes:crd.k8s.amazonaws.com/v1alpha1:ENIConfig") {
					enis = append(enis, cr.Object("metadata")["name"].(string))
				}
				assert.ElementsMatch(t, []string{region.Name + "a", region.Name + "b", region.Name + "c"}, enis)
			})
		}
	}
}

// readOnly reports whether an action only reads: AWS gives most of these no
// resource-level permissions, so "*" is the only resource they accept.
func readOnly(action string) bool {
	verb := action[strings.Index(action, ":")+1:]
	for _, p := range []string{"Describe", "List", "Get"} {
		if strings.HasPrefix(verb, p) {
			return true
		}
	}
	return false
}

func findByID(res *offline.Result, typ, id string) offline.Resource {
	for _, r := range res.OfType(typ) {
		if r.ID == id {
			return r
		}
	}
	return offline.Resource{}
}

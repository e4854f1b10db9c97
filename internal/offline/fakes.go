package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// azCount is how many regular availability zones the fake answer gives a
// region (us-east-1 really has six, most regions three or four).
var azCount = map[string]int{"us-east-1": 6, "us-west-2": 4}

// azIDPrefix gives zone ids their real region prefix (use1-az1 ...).
var azIDPrefix = map[string]string{"us-east-1": "use1", "us-east-2": "use2", "us-west-1": "usw1", "us-west-2": "usw2"}

// fakeInvoke answers the provider functions the program calls. An invoke
// with no fake answer is an error naming it, never a silent empty result.
func fakeInvoke(token, region string, args resource.PropertyMap) (map[string]any, error) {
	switch token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return map[string]any{
			"accountId": AccountID,
			"arn":       "arn:aws:sts::" + AccountID + ":assumed-role/offline-plan/solsec",
			"id":        AccountID,
			"userId":    "AROAOFFLINEPLAN:solsec",
		}, nil
	case "aws:index/getPartition:getPartition":
		return map[string]any{"partition": "aws", "id": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}, nil
	case "aws:index/getRegion:getRegion":
		return map[string]any{"name": region, "id": region, "region": region, "endpoint": "ec2." + region + ".amazonaws.com",
			"description": region}, nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		n := azCount[region]
		if n == 0 {
			n = 3
		}
		prefix := azIDPrefix[region]
		if prefix == "" {
			prefix = strings.ReplaceAll(region, "-", "")
		}
		var names, ids []any
		for i := 0; i < n; i++ {
			names = append(names, fmt.Sprintf("%s%c", region, 'a'+i))
			ids = append(ids, fmt.Sprintf("%s-az%d", prefix, i+1))
		}
		return map[string]any{"id": region, "names": names, "zoneIds": ids, "groupNames": []any{region}}, nil
	case "aws:eks/getCluster:getCluster":
		name := ""
		if v, ok := args["name"]; ok && v.IsString() {
			name = v.StringValue()
		}
		id := strings.ToUpper(hash("eks/"+region+"/"+name, 32))
		return map[string]any{
			"name": name, "id": name, "version": "",
			"arn":      fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, AccountID, name),
			"endpoint": fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", id, region),
			"identities": []any{map[string]any{"oidcs": []any{map[string]any{
				"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, id),
			}}}},
			"vpcConfig": map[string]any{"clusterSecurityGroupId": "sg-" + hash("eks-sg/"+name, 17)},
		}, nil
	case "aws:route53/getZone:getZone":
		// The public zone of the asked name, as if it had been created
		// elsewhere (a registrar or another stack).
		name := ""
		if v, ok := args["name"]; ok && v.IsString() {
			name = strings.TrimSuffix(v.StringValue(), ".")
		}
		if name == "" {
			return nil, fmt.Errorf("offline: getZone without a name")
		}
		id := "Z" + strings.ToUpper(hash("zone/"+name, 20))
		return map[string]any{
			"id": id, "zoneId": id, "name": name, "privateZone": false,
			"arn":         "arn:aws:route53:::hostedzone/" + id,
			"nameServers": []any{"ns-11.awsdns-11.org", "ns-22.awsdns-22.co.uk", "ns-33.awsdns-33.com", "ns-44.awsdns-44.net"},
		}, nil
	case "aws:eks/getAddonVersion:getAddonVersion":
		addon, k8s := "", ""
		if v, ok := args["addonName"]; ok && v.IsString() {
			addon = v.StringValue()
		}
		if v, ok := args["kubernetesVersion"]; ok && v.IsString() {
			k8s = v.StringValue()
		}
		// A made-up but well-formed default version per add-on and
		// Kubernetes version.
		return map[string]any{"addonName": addon, "kubernetesVersion": k8s, "id": addon,
			"version": fmt.Sprintf("v%s.0-eksbuild.1", k8s)}, nil
	case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
		// ECR's answer: a 12-hour token, user AWS; the password is a
		// recognisable fake so tests can check it never leaks.
		password := "offline-ecr-password-" + hash("ecr/"+region, 16)
		return map[string]any{
			"id": region, "userName": "AWS", "password": password,
			"authorizationToken": hex.EncodeToString([]byte("AWS:" + password)),
			"proxyEndpoint":      fmt.Sprintf("https://%s.dkr.ecr.%s.amazonaws.com", AccountID, region),
			"expiresAt":          "2026-01-01T12:00:00Z",
		}, nil
	}
	return nil, fmt.Errorf("offline: no fake answer for invoke %s; teach internal/offline/fakes.go to answer it", token)
}

// hash gives a short deterministic hex string for a URN.
func hash(urn string, n int) string {
	sum := sha256.Sum256([]byte(urn))
	return hex.EncodeToString(sum[:])[:n]
}

// idPrefix gives well-known AWS id prefixes so that records read like a
// real account.
var idPrefix = map[string]string{
	"aws:ec2/vpc:Vpc":                                                 "vpc",
	"aws:ec2/subnet:Subnet":                                           "subnet",
	"aws:ec2/securityGroup:SecurityGroup":                             "sg",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":               "sg",
	"aws:ec2/securityGroupRule:SecurityGroupRule":                     "sgrule",
	"aws:ec2/routeTable:RouteTable":                                   "rtb",
	"aws:ec2/routeTableAssociation:RouteTableAssociation":             "rtbassoc",
	"aws:ec2/internetGateway:InternetGateway":                         "igw",
	"aws:ec2/natGateway:NatGateway":                                   "nat",
	"aws:ec2/eip:Eip":                                                 "eipalloc",
	"aws:ec2/networkAcl:NetworkAcl":                                   "acl",
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                 "vpce",
	"aws:ec2/flowLog:FlowLog":                                         "fl",
	"aws:ec2/launchTemplate:LaunchTemplate":                           "lt",
	"aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation": "vpc-cidr-assoc",
	"aws:efs/fileSystem:FileSystem":                                   "fs",
	"aws:efs/accessPoint:AccessPoint":                                 "fsap",
	"aws:efs/mountTarget:MountTarget":                                 "fsmt",
}

// RandomResult is the fake value of every random password and string: a
// test finds it wherever it flows and checks that it is wrapped as a
// secret. The suffix makes each resource's value different.
func RandomResult(urn string) string { return "offline-random-" + hash(urn, 24) }

// fakeState returns the id and the output state of a new resource: its
// inputs plus what AWS would compute (id, arn, names, addresses).
func fakeState(typ, name, urn, region string, inputs resource.PropertyMap) (string, resource.PropertyMap) {
	state := inputs.Copy()
	h := hash(urn, 17)
	id := h
	if p, ok := idPrefix[typ]; ok {
		id = p + "-" + h
	}
	set := func(k string, v any) { state[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	str := func(k string) string {
		if v, ok := inputs[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	// Auto-naming: the provider appends a random suffix to the logical name.
	physical := str("name")
	if physical == "" {
		physical = name + "-" + hash(urn, 7)
	}
	service, kind := arnParts(typ)
	arn := fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", service, region, AccountID, kind, id)

	switch typ {
	case "pulumi:providers:aws", "pulumi:providers:kubernetes", "pulumi:providers:random":
		id = "provider-" + h
	case "aws:kms/key:Key":
		id = fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], hash(urn+"k", 4), hash(urn+"key", 12))
		arn = fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, AccountID, id)
		set("keyId", id)
	case "aws:kms/alias:Alias":
		arn = fmt.Sprintf("arn:aws:kms:%s:%s:%s", region, AccountID, physical)
		id = physical
	case "aws:cloudwatch/logGroup:LogGroup":
		arn = fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, AccountID, physical)
		id = physical
		set("name", physical)
	case "aws:iam/role:Role":
		arn = fmt.Sprintf("arn:aws:iam::%s:role/%s", AccountID, physical)
		id = physical
		set("name", physical)
		set("uniqueId", "AROA"+strings.ToUpper(hash(urn, 17)))
	case "aws:iam/policy:Policy":
		arn = fmt.Sprintf("arn:aws:iam::%s:policy/%s", AccountID, physical)
		id = arn
		set("name", physical)
	case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
		bucket := str("bucket")
		if bucket == "" {
			bucket = physical
		}
		arn = "arn:aws:s3:::" + bucket
		id = bucket
		set("bucket", bucket)
		set("bucketRegionalDomainName", fmt.Sprintf("%s.s3.%s.amazonaws.com", bucket, region))
	case "aws:ec2/vpc:Vpc":
		set("defaultSecurityGroupId", "sg-"+hash(urn+"sg", 17))
		set("defaultNetworkAclId", "acl-"+hash(urn+"acl", 17))
		set("mainRouteTableId", "rtb-"+hash(urn+"rtb", 17))
		set("ownerId", AccountID)
	case "aws:ec2/eip:Eip":
		// Documentation range (RFC 5737): never a real address.
		sum := sha256.Sum256([]byte(urn))
		set("publicIp", fmt.Sprintf("198.51.100.%d", 1+int(sum[0])%254))
		set("allocationId", id)
	case "aws:ec2/subnet:Subnet":
		set("availabilityZoneId", "")
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		arn = fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", AccountID, strings.TrimPrefix(str("url"), "https://"))
		id = arn
	case "aws:ec2/launchTemplate:LaunchTemplate":
		set("latestVersion", 1)
		set("defaultVersion", 1)
	case "aws:route53/zone:Zone":
		id = "Z" + strings.ToUpper(hash(urn, 20))
		set("zoneId", id)
		set("nameServers", []any{"ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"})
		arn = "arn:aws:route53:::hostedzone/" + id
	case "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString":
		id = "none"
		set("result", RandomResult(urn))
		if typ == "random:index/randomPassword:RandomPassword" {
			set("bcryptHash", "$2a$10$"+hash(urn+"bcrypt", 53))
		}
	case "aws:rds/instance:Instance":
		ident := str("identifier")
		if ident == "" {
			ident = physical
		}
		id = ident
		arn = fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", region, AccountID, ident)
		address := fmt.Sprintf("%s.c%s.%s.rds.amazonaws.com", ident, hash("rds/"+region, 12), region)
		set("identifier", ident)
		set("address", address)
		set("endpoint", address+":5432")
		set("resourceId", "db-"+strings.ToUpper(hash(urn, 26)))
		if v, ok := inputs["manageMasterUserPassword"]; ok && v.IsBool() && v.BoolValue() {
			// RDS names the managed secret rds!db-<uuid>.
			set("masterUserSecrets", []any{map[string]any{
				"secretArn":    fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!db-%s-%s", region, AccountID, hash(urn, 8), hash(urn+"s", 6)),
				"kmsKeyId":     str("masterUserSecretKmsKeyId"),
				"secretStatus": "active",
			}})
		}
	case "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup":
		arn = fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", region, AccountID, map[bool]string{true: "subgrp", false: "pg"}[strings.Contains(typ, "subnet")], physical)
		id = physical
		set("name", physical)
	case "aws:rds/proxy:Proxy":
		id = str("name")
		arn = fmt.Sprintf("arn:aws:rds:%s:%s:db-proxy:prx-%s", region, AccountID, hash(urn, 17))
		set("endpoint", fmt.Sprintf("%s.proxy-c%s.%s.rds.amazonaws.com", id, hash("rds/"+region, 12), region))
	case "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
		set("name", "default")
	case "aws:elasticache/replicationGroup:ReplicationGroup":
		id = str("replicationGroupId")
		arn = fmt.Sprintf("arn:aws:elasticache:%s:%s:replicationgroup:%s", region, AccountID, id)
		set("configurationEndpointAddress", fmt.Sprintf("clustercfg.%s.%s.%s.cache.amazonaws.com", id, hash(urn, 6), azIDPrefix[region]))
	case "aws:secretsmanager/secret:Secret":
		// Secrets Manager appends six random characters to the name.
		arn = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, AccountID, physical, hash(urn, 6))
		id = arn
	case "aws:backup/vault:Vault":
		arn = fmt.Sprintf("arn:aws:backup:%s:%s:backup-vault:%s", region, AccountID, physical)
		id = physical
	case "aws:backup/plan:Plan":
		id = fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], hash(urn+"p", 4), hash(urn+"plan", 12))
		arn = fmt.Sprintf("arn:aws:backup:%s:%s:backup-plan:%s", region, AccountID, id)
	case "aws:lambda/function:Function":
		arn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, AccountID, physical)
		id = physical
		set("name", physical)
		set("invokeArn", fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", region, arn))
	case "aws:efs/fileSystem:FileSystem":
		arn = fmt.Sprintf("arn:aws:elasticfilesystem:%s:%s:file-system/%s", region, AccountID, id)
	case "aws:efs/accessPoint:AccessPoint":
		arn = fmt.Sprintf("arn:aws:elasticfilesystem:%s:%s:access-point/%s", region, AccountID, id)
	case "aws:ecr/repository:Repository":
		// ECR names repositories and their ARNs and URLs by the name given.
		id = physical
		arn = fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", region, AccountID, physical)
		set("name", physical)
		set("registryId", AccountID)
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, region, physical))
	case "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate":
		id = str("prefix")
		set("registryId", AccountID)
	case "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
		"aws:ecr/replicationConfiguration:ReplicationConfiguration":
		// Registry-wide singletons: AWS identifies them by the account.
		id = AccountID
		set("registryId", AccountID)
	case "aws:acm/certificate:Certificate":
		id = uuid(urn)
		arn = fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", region, AccountID, id)
		set("status", "PENDING_VALIDATION")
		names := []string{str("domainName")}
		if v, ok := inputs["subjectAlternativeNames"]; ok && v.IsArray() {
			for _, e := range v.ArrayValue() {
				if e.IsString() && e.StringValue() != names[0] {
					names = append(names, e.StringValue())
				}
			}
		}
		var options []any
		for _, n := range names {
			options = append(options, acmValidation(n))
		}
		set("domainValidationOptions", options)
	case "aws:route53/record:Record":
		fqdn := strings.TrimSuffix(str("name"), ".")
		id = strings.Join([]string{str("zoneId"), fqdn, str("type")}, "_")
		if s := str("setIdentifier"); s != "" {
			id += "_" + s
		}
		set("fqdn", fqdn)
	case "aws:route53/healthCheck:HealthCheck":
		id = uuid(urn)
		arn = "arn:aws:route53:::healthcheck/" + id
	case "aws:cloudfront/distribution:Distribution":
		id = "E" + strings.ToUpper(hash(urn, 13))
		arn = fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", AccountID, id)
		set("domainName", "d"+hash(urn+"domain", 13)+".cloudfront.net")
		// Every distribution's alias target zone.
		set("hostedZoneId", "Z2FDTNDATAQYW2")
		set("status", "Deployed")
		set("etag", strings.ToUpper(hash(urn+"etag", 14)))
	case "aws:cloudfront/originAccessControl:OriginAccessControl", "aws:cloudfront/cachePolicy:CachePolicy",
		"aws:cloudfront/originRequestPolicy:OriginRequestPolicy", "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":
		id = uuid(urn)
		if typ == "aws:cloudfront/originAccessControl:OriginAccessControl" {
			id = "E" + strings.ToUpper(hash(urn, 13))
		}
		set("etag", strings.ToUpper(hash(urn+"etag", 14)))
	case "aws:wafv2/webAcl:WebAcl":
		id = uuid(urn)
		scope := "regional"
		if str("scope") == "CLOUDFRONT" {
			scope = "global"
		}
		arn = fmt.Sprintf("arn:aws:wafv2:%s:%s:%s/webacl/%s/%s", region, AccountID, scope, physical, id)
		set("capacity", 700)
	case "aws:cloudwatch/logDeliverySource:LogDeliverySource", "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination":
		kind := "delivery-source"
		if strings.Contains(typ, "Destination") {
			kind = "delivery-destination"
		}
		id = physical
		arn = fmt.Sprintf("arn:aws:logs:%s:%s:%s:%s", region, AccountID, kind, physical)
		set("name", physical)
	case "aws:cloudwatch/logDelivery:LogDelivery":
		arn = fmt.Sprintf("arn:aws:logs:%s:%s:delivery:%s", region, AccountID, id)
	case "kubernetes:networking.k8s.io/v1:Ingress":
		if host := albHostname(inputs); host != "" {
			// What the AWS Load Balancer Controller writes once it has
			// built the ALB: one ALB per IngressGroup.
			set("status", map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"hostname": host}}}})
		}
	case "command:local:Command":
		set("stdout", fakeImageBuild(str("create"), inputs))
		set("stderr", "")
	case "eks:index:Cluster":
		// pulumi-eks's cluster is a remote component: the mock answers
		// its plain outputs; resource-typed outputs are not read.
		set("kubeconfigJson", fakeKubeconfig(name, region))
	}
	set("id", id)
	if _, ok := state["arn"]; !ok {
		set("arn", arn)
	}
	return id, state
}

// uuid gives a resource a UUID-shaped id derived from its URN.
func uuid(urn string) string {
	h := hash(urn, 32)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// acmValidation is the DNS record ACM asks for to validate a name. ACM
// derives it from the account and the name (a wildcard shares its base
// name's record), so it is the same in every region.
func acmValidation(name string) map[string]any {
	base := strings.TrimPrefix(name, "*.")
	return map[string]any{
		"domainName":          name,
		"resourceRecordName":  "_" + hash("acm/"+AccountID+"/"+base, 32) + "." + base + ".",
		"resourceRecordType":  "CNAME",
		"resourceRecordValue": "_" + hash("acm-value/"+AccountID+"/"+base, 32) + "." + hash("acm-zone/"+base, 10) + ".acm-validations.aws.",
	}
}

// albHostname is the DNS name the AWS Load Balancer Controller gives the
// ALB of an Ingress of class alb: k8s-<group>-<hash>-<number>.<region>.elb.amazonaws.com,
// in the region of the Ingress's certificate (the controller builds the ALB
// in its cluster's region, where the certificate must be). "" when the
// Ingress is not the controller's.
func albHostname(inputs resource.PropertyMap) string {
	spec, ok := inputs["spec"]
	if !ok || !spec.IsObject() {
		return ""
	}
	if c, ok := spec.ObjectValue()["ingressClassName"]; !ok || !c.IsString() || c.StringValue() != "alb" {
		return ""
	}
	annotations := map[string]string{}
	if meta, ok := inputs["metadata"]; ok && meta.IsObject() {
		if a, ok := meta.ObjectValue()["annotations"]; ok && a.IsObject() {
			for k, v := range a.ObjectValue() {
				for v.IsSecret() {
					v = v.SecretValue().Element
				}
				if v.IsString() {
					annotations[string(k)] = v.StringValue()
				}
			}
		}
	}
	region := "us-east-1"
	if parts := strings.Split(annotations["alb.ingress.kubernetes.io/certificate-arn"], ":"); len(parts) > 3 && parts[3] != "" {
		region = parts[3]
	}
	group := annotations["alb.ingress.kubernetes.io/group.name"]
	if group == "" {
		group = "default"
	}
	short := strings.ReplaceAll(group, "-", "")
	if len(short) > 17 {
		short = short[:17]
	}
	sum := sha256.Sum256([]byte(region + "/" + group))
	number := 100000000 + int(sum[0])<<16 + int(sum[1])<<8 + int(sum[2])
	return fmt.Sprintf("k8s-%s-%s-%d.%s.elb.amazonaws.com", short, hash(region+"/"+group, 10), number, region)
}

// fakeKubeconfig is a kubeconfig of the shape pulumi-eks returns, pointing
// at an address that does not exist.
func fakeKubeconfig(name, region string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Config","clusters":[{"name":%q,"cluster":{"server":"https://%s.gr7.%s.eks.amazonaws.com","certificate-authority-data":"b2ZmbGluZQ=="}}],`+
		`"contexts":[{"name":"aws","context":{"cluster":%q,"user":"aws"}}],"current-context":"aws",`+
		`"users":[{"name":"aws","user":{"exec":{"apiVersion":"client.authentication.k8s.io/v1beta1","command":"aws","args":["eks","get-token","--cluster-name",%q,"--region",%q]}}}]}`,
		name, strings.ToUpper(hash(name, 32)), region, name, name, region)
}

// arnParts maps "aws:ec2/vpc:Vpc" to ("ec2", "vpc").
func arnParts(typ string) (service, kind string) {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 {
		return "unknown", "resource"
	}
	module := parts[1]
	if i := strings.Index(module, "/"); i >= 0 {
		module = module[:i]
	}
	kind = strings.ToLower(parts[2][:1]) + parts[2][1:]
	return module, kind
}

// fakeImageBuild is cmd/imagebuild's JSON line for a command running it
// ("... -repo-prefix <prefix> <workload>"): the digest derives from the
// source hash (the command's first trigger) and the repository, so the same
// sources give the same digest, as the real build does. Other commands
// print nothing.
func fakeImageBuild(create string, inputs resource.PropertyMap) string {
	fields := strings.Fields(create)
	prefix := ""
	for i, f := range fields {
		if f == "-repo-prefix" && i+1 < len(fields) {
			prefix = fields[i+1]
		}
	}
	if prefix == "" || !strings.Contains(create, "cmd/imagebuild") {
		return ""
	}
	workload := fields[len(fields)-1]
	source := ""
	if t, ok := inputs["triggers"]; ok && t.IsArray() && len(t.ArrayValue()) > 0 && t.ArrayValue()[0].IsString() {
		source = t.ArrayValue()[0].StringValue()
	}
	sum := sha256.Sum256([]byte(source + "\n" + prefix + "/" + workload))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	line, _ := json.Marshal(map[string]any{
		"workload": workload, "sourceHash": source, "revision": hash(source, 40), "dirty": false,
		"digest": digest, "ref": prefix + "/" + workload + "@" + digest,
		"tag": "v0.0.0-20260101000000-" + hash(source, 12) + "-" + digest[7:19], "pushed": true, "tagged": true,
	})
	return string(line) + "\n"
}

package offline

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func TestEdgeFakes(t *testing.T) {
	t.Run("an ACM certificate asks for one CNAME per name, the same in every region", func(t *testing.T) {
		in := props(map[string]any{"domainName": "*.example.com", "subjectAlternativeNames": []any{"*.example.com", "api.example.com"}})
		_, east := fakeState("aws:acm/certificate:Certificate", "c", "urn:east", "us-east-1", in)
		_, west := fakeState("aws:acm/certificate:Certificate", "c", "urn:west", "us-west-2", in)
		opts := east["domainValidationOptions"].ArrayValue()
		require.Len(t, opts, 2, "the subject repeated as a SAN is asked once")
		first := opts[0].ObjectValue()
		assert.Equal(t, "*.example.com", first["domainName"].StringValue())
		assert.Regexp(t, `^_[0-9a-f]{32}\.example\.com\.$`, first["resourceRecordName"].StringValue())
		assert.Equal(t, "CNAME", first["resourceRecordType"].StringValue())
		assert.Regexp(t, `\.acm-validations\.aws\.$`, first["resourceRecordValue"].StringValue())
		assert.Equal(t, east["domainValidationOptions"], west["domainValidationOptions"])
		assert.Regexp(t, `^arn:aws:acm:us-west-2:123456789012:certificate/[0-9a-f-]{36}$`, west["arn"].StringValue())
	})
	t.Run("a wildcard shares its base name's validation record", func(t *testing.T) {
		assert.Equal(t, acmValidation("*.example.com")["resourceRecordName"], acmValidation("example.com")["resourceRecordName"])
	})
	t.Run("an Ingress of class alb gets its group's ALB name in its certificate's region", func(t *testing.T) {
		ing := func(group, cert string) resource.PropertyMap {
			return props(map[string]any{
				"metadata": map[string]any{"annotations": map[string]any{
					"alb.ingress.kubernetes.io/group.name": group, "alb.ingress.kubernetes.io/certificate-arn": cert,
				}},
				"spec": map[string]any{"ingressClassName": "alb"},
			})
		}
		a := albHostname(ing("solsec-production", "arn:aws:acm:us-west-2:123456789012:certificate/x"))
		b := albHostname(ing("solsec-production", "arn:aws:acm:us-west-2:123456789012:certificate/y"))
		assert.Regexp(t, `^k8s-solsecproduction-[0-9a-f]{10}-\d+\.us-west-2\.elb\.amazonaws\.com$`, a)
		assert.Equal(t, a, b, "one ALB per IngressGroup")
		assert.NotEqual(t, a, albHostname(ing("solsec-production", "arn:aws:acm:us-east-1:123456789012:certificate/x")))
		_, state := fakeState("kubernetes:networking.k8s.io/v1:Ingress", "i", "urn:i", "", ing("g", "arn:aws:acm:us-east-1:1:certificate/x"))
		lb := state["status"].ObjectValue()["loadBalancer"].ObjectValue()["ingress"].ArrayValue()[0].ObjectValue()
		assert.Contains(t, lb["hostname"].StringValue(), ".us-east-1.elb.amazonaws.com")
	})
	t.Run("an Ingress of another class gets no status", func(t *testing.T) {
		_, state := fakeState("kubernetes:networking.k8s.io/v1:Ingress", "i", "urn:i", "", props(map[string]any{"spec": map[string]any{"ingressClassName": "nginx"}}))
		_, ok := state["status"]
		assert.False(t, ok)
	})
	t.Run("a distribution has a CloudFront domain, the CloudFront alias zone and a global ARN", func(t *testing.T) {
		id, state := fakeState("aws:cloudfront/distribution:Distribution", "d", "urn:d", "us-east-1", props(nil))
		assert.Regexp(t, `^E[0-9A-F]{13}$`, id)
		assert.Regexp(t, `^d[0-9a-f]{13}\.cloudfront\.net$`, state["domainName"].StringValue())
		assert.Equal(t, "Z2FDTNDATAQYW2", state["hostedZoneId"].StringValue())
		assert.Equal(t, "arn:aws:cloudfront::123456789012:distribution/"+id, state["arn"].StringValue())
	})
	t.Run("web ACL ARNs say regional or global by scope", func(t *testing.T) {
		_, cf := fakeState("aws:wafv2/webAcl:WebAcl", "w", "urn:w", "us-east-1", props(map[string]any{"name": "edge", "scope": "CLOUDFRONT"}))
		_, reg := fakeState("aws:wafv2/webAcl:WebAcl", "w", "urn:w", "us-west-2", props(map[string]any{"name": "edge", "scope": "REGIONAL"}))
		assert.Regexp(t, `^arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/`, cf["arn"].StringValue())
		assert.Regexp(t, `^arn:aws:wafv2:us-west-2:123456789012:regional/webacl/edge/`, reg["arn"].StringValue())
	})
	t.Run("a record's fqdn drops the trailing dot", func(t *testing.T) {
		_, state := fakeState("aws:route53/record:Record", "r", "urn:r", "us-east-1", props(map[string]any{"name": "_abc.example.com.", "zoneId": "Z1", "type": "CNAME"}))
		assert.Equal(t, "_abc.example.com", state["fqdn"].StringValue())
	})
	t.Run("an existing zone is found by name", func(t *testing.T) {
		out, err := fakeInvoke("aws:route53/getZone:getZone", "us-east-1", props(map[string]any{"name": "example.com."}))
		require.NoError(t, err)
		assert.Equal(t, "example.com", out["name"])
		assert.Regexp(t, `^Z[0-9A-F]{20}$`, out["zoneId"])
		_, err = fakeInvoke("aws:route53/getZone:getZone", "us-east-1", props(nil))
		assert.Error(t, err)
	})
}

package edge

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// AWS managed CloudFront policies. CachingDisabled with AllViewer is the
// combination CloudFront documents for forwarding the Authorization header
// to an origin without caching (an origin request policy of our own may
// not forward it).
const (
	ManagedCachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	ManagedAllViewer       = "216adef6-5c7f-47e4-b989-5492eafa07d3"
)

// Origin ids of the distribution.
const (
	OriginAPI  = "api"
	OriginApp  = "app"
	OriginDocs = "docs"
)

// Path patterns of the distribution's behaviours: the API uncached, the
// app's static assets and the documentation cached, everything else (the
// app's pages) uncached.
const (
	PathAPI    = "/v1/*"
	PathAssets = "/assets/*"
	PathDocs   = "/docs/*"
)

// cdn builds the global parts in GlobalRegion: CloudFront's certificate and
// web ACL, the docs bucket, the distribution, its log delivery and the docs
// bucket's policy.
func (b *builder) cdn() error {
	g := b.global
	certArn, err := b.certificate(g, "cloudfront-cert", b.publicFQDNs())
	if err != nil {
		return err
	}
	acl, err := b.webACL(g, ScopeCloudFront, "cloudfront")
	if err != nil {
		return err
	}
	b.acls["cloudfront"] = acl.Arn
	b.e.WebACLArns = b.acls.ToStringMapOutput()

	docs, err := b.docsBucket()
	if err != nil {
		return err
	}
	oac, err := cloudfront.NewOriginAccessControl(b.ctx, b.child("docs-oac"), &cloudfront.OriginAccessControlArgs{
		Name:                          pulumi.Sprintf("solsec-%s-docs", b.args.Environment),
		Description:                   pulumi.String("CloudFront signs every request to the docs bucket (SigV4)"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, b.in(g)...)
	if err != nil {
		return fmt.Errorf("origin access control: %w", err)
	}
	static, err := cloudfront.NewCachePolicy(b.ctx, b.child("static-cache"), &cloudfront.CachePolicyArgs{
		Name:       pulumi.Sprintf("solsec-%s-static", b.args.Environment),
		Comment:    pulumi.String("Static assets and documentation: cached a day by default, a year at most, compressed"),
		MinTtl:     pulumi.Int(0),
		DefaultTtl: pulumi.Int(86400),
		MaxTtl:     pulumi.Int(31536000),
		ParametersInCacheKeyAndForwardedToOrigin: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
			EnableAcceptEncodingGzip:   pulumi.Bool(true),
			EnableAcceptEncodingBrotli: pulumi.Bool(true),
			HeadersConfig:              &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{HeaderBehavior: pulumi.String("none")},
			CookiesConfig:              &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
			QueryStringsConfig:         &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("none")},
		},
	}, b.in(g)...)
	if err != nil {
		return fmt.Errorf("static cache policy: %w", err)
	}
	// The app's assets are served by the cluster, which routes on Host:
	// forward it (and nothing else, so the cache is shared by all).
	assets, err := cloudfront.NewOriginRequestPolicy(b.ctx, b.child("assets-origin-request"), &cloudfront.OriginRequestPolicyArgs{
		Name:    pulumi.Sprintf("solsec-%s-assets", b.args.Environment),
		Comment: pulumi.String("Forward only the Host header, which the ALB and the gateway route on"),
		HeadersConfig: &cloudfront.OriginRequestPolicyHeadersConfigArgs{
			HeaderBehavior: pulumi.String("whitelist"),
			Headers:        &cloudfront.OriginRequestPolicyHeadersConfigHeadersArgs{Items: pulumi.StringArray{pulumi.String("Host")}},
		},
		CookiesConfig:      &cloudfront.OriginRequestPolicyCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
		QueryStringsConfig: &cloudfront.OriginRequestPolicyQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("none")},
	}, b.in(g)...)
	if err != nil {
		return fmt.Errorf("assets origin request policy: %w", err)
	}
	headers, err := b.securityHeaders()
	if err != nil {
		return err
	}

	clusterOrigin := func(id, host string) cloudfront.DistributionOriginArgs {
		return cloudfront.DistributionOriginArgs{
			OriginId:   pulumi.String(id),
			DomainName: pulumi.String(host),
			CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{
				HttpPort: pulumi.Int(80), HttpsPort: pulumi.Int(443),
				OriginProtocolPolicy: pulumi.String("https-only"),
				OriginSslProtocols:   pulumi.StringArray{pulumi.String("TLSv1.2")},
			},
			CustomHeaders: cloudfront.DistributionOriginCustomHeaderArray{cloudfront.DistributionOriginCustomHeaderArgs{
				Name: pulumi.String(OriginVerifyHeader), Value: b.originSecretValue,
			}},
		}
	}
	all := pulumi.StringArray{pulumi.String("DELETE"), pulumi.String("GET"), pulumi.String("HEAD"), pulumi.String("OPTIONS"),
		pulumi.String("PATCH"), pulumi.String("POST"), pulumi.String("PUT")}
	read := pulumi.StringArray{pulumi.String("GET"), pulumi.String("HEAD")}
	cached := func(path, origin string, cache pulumi.StringInput, request pulumi.StringPtrInput, methods pulumi.StringArray) cloudfront.DistributionOrderedCacheBehaviorArgs {
		return cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern: pulumi.String(path), TargetOriginId: pulumi.String(origin),
			ViewerProtocolPolicy: pulumi.String("redirect-to-https"),
			AllowedMethods:       methods, CachedMethods: read,
			CachePolicyId: cache, OriginRequestPolicyId: request,
			ResponseHeadersPolicyId: headers.ID(), Compress: pulumi.Bool(true),
		}
	}
	var aliases pulumi.StringArray
	for _, n := range b.publicFQDNs() {
		aliases = append(aliases, pulumi.String(n))
	}
	dist, err := cloudfront.NewDistribution(b.ctx, b.child("cdn"), &cloudfront.DistributionArgs{
		Comment:       pulumi.Sprintf("solsec %s edge", b.args.Environment),
		Enabled:       pulumi.Bool(true),
		Aliases:       aliases,
		HttpVersion:   pulumi.String("http2and3"),
		IsIpv6Enabled: pulumi.Bool(true),
		PriceClass:    pulumi.String(b.args.PriceClass),
		WebAclId:      acl.Arn,
		Origins: cloudfront.DistributionOriginArray{
			clusterOrigin(OriginAPI, b.fqdn(originNames["api"])),
			clusterOrigin(OriginApp, b.fqdn(originNames["app"])),
			cloudfront.DistributionOriginArgs{
				OriginId:              pulumi.String(OriginDocs),
				DomainName:            pulumi.String(fmt.Sprintf("%s.s3.%s.amazonaws.com", docs.name, g.Name)),
				OriginAccessControlId: oac.ID(),
			},
		},
		// The app's pages: uncached, every viewer header (cookies and
		// Authorization included) forwarded.
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:          pulumi.String(OriginApp),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          all,
			CachedMethods:           read,
			CachePolicyId:           pulumi.String(ManagedCachingDisabled),
			OriginRequestPolicyId:   pulumi.String(ManagedAllViewer),
			ResponseHeadersPolicyId: headers.ID(),
			Compress:                pulumi.Bool(true),
		},
		OrderedCacheBehaviors: cloudfront.DistributionOrderedCacheBehaviorArray{
			cached(PathAPI, OriginAPI, pulumi.String(ManagedCachingDisabled), pulumi.String(ManagedAllViewer), all),
			cached(PathAssets, OriginApp, static.ID(), assets.ID(), read),
			cached(PathDocs, OriginDocs, static.ID(), nil, read),
		},
		ViewerCertificate: &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      certArn,
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String(CloudFrontMinimumTLS),
		},
		// Countries are blocked by the web ACL, which logs what it blocks.
		Restrictions: &cloudfront.DistributionRestrictionsArgs{GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{
			RestrictionType: pulumi.String("none"),
		}},
		Tags: pulumi.StringMap{"Name": pulumi.String(b.child("cdn"))},
	}, b.in(g)...)
	if err != nil {
		return fmt.Errorf("distribution: %w", err)
	}
	b.e.DistributionID = dist.ID()
	b.e.DistributionDomain = dist.DomainName
	b.distribution = dist

	// Only this distribution reads the docs, through OAC; the key policy
	// lets CloudFront decrypt them.
	if _, err := s3.NewBucketPolicy(b.ctx, b.child(g.Name+"-"+BucketEdgeDocs+"-policy"), &s3.BucketPolicyArgs{
		Bucket: docs.resource.ID(),
		Policy: dist.Arn.ApplyT(func(distArn string) string {
			return iampolicy.New(
				denyInsecureTransport(docs.arn),
				iampolicy.Statement{
					Sid: "CloudFrontReadsDocs", Effect: "Allow",
					Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
					Action:    []string{"s3:GetObject"}, Resource: docs.arn + "/*",
				}.When("StringEquals", "AWS:SourceArn", distArn),
			).JSON()
		}).(pulumi.StringOutput),
	}, b.in(g, pulumi.Parent(docs.resource))...); err != nil {
		return fmt.Errorf("docs bucket policy: %w", err)
	}
	b.e.DocsBucket = pulumi.String(docs.name).ToStringOutput()
	return b.cdnLogs(dist)
}

// docsBucket creates the documentation bucket in GlobalRegion, encrypted
// with its own key. It is the edge's rather than the data tier's docs
// bucket because CloudFront needs a statement in the bucket policy and in
// the key policy, and both belong to the component that owns the bucket.
func (b *builder) docsBucket() (*bucket, error) {
	g := b.global
	acct := b.account
	key, err := kms.NewKey(b.ctx, b.child("docs-key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("solsec %s documentation served by CloudFront", b.args.Environment),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy: pulumi.String(iampolicy.New(
			iampolicy.Statement{Sid: "AccountAdministers", Effect: "Allow", Principal: map[string]any{"AWS": acct.Root()}, Action: []string{"kms:*"}, Resource: "*"},
			// The bucket policy admits only this stack's distribution; the
			// key cannot name it (the distribution needs the bucket first),
			// so it admits the account's distributions.
			iampolicy.Statement{
				Sid: "CloudFrontDecryptsDocs", Effect: "Allow", Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
				Action: []string{"kms:Decrypt"}, Resource: "*",
			}.When("StringEquals", "aws:SourceAccount", acct.ID).
				When("ArnLike", "AWS:SourceArn", fmt.Sprintf("arn:%s:cloudfront::%s:distribution/*", acct.Partition, acct.ID)),
		).JSON()),
		Tags: pulumi.StringMap{"Name": pulumi.String(b.child("docs-key"))},
	}, b.in(g)...)
	if err != nil {
		return nil, fmt.Errorf("docs key: %w", err)
	}
	docs, err := b.newBucket(bucketSpec{region: g, kind: BucketEdgeDocs, kmsKey: key.Arn, logTo: b.regional[g.Name].logsBucket})
	if err != nil {
		return nil, err
	}
	return docs, nil
}

// securityHeaders is the response-headers policy of every behaviour: HSTS
// for two years with subdomains and preload, no MIME sniffing, no framing,
// a strict referrer policy and XSS filtering in old browsers.
func (b *builder) securityHeaders() (*cloudfront.ResponseHeadersPolicy, error) {
	p, err := cloudfront.NewResponseHeadersPolicy(b.ctx, b.child("security-headers"), &cloudfront.ResponseHeadersPolicyArgs{
		Name:    pulumi.Sprintf("solsec-%s-security-headers", b.args.Environment),
		Comment: pulumi.String("HSTS and the usual security headers on every response"),
		SecurityHeadersConfig: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
			StrictTransportSecurity: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
				AccessControlMaxAgeSec: pulumi.Int(63072000), IncludeSubdomains: pulumi.Bool(true), Preload: pulumi.Bool(true), Override: pulumi.Bool(true),
			},
			ContentTypeOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{Override: pulumi.Bool(true)},
			FrameOptions:       &cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{FrameOption: pulumi.String("DENY"), Override: pulumi.Bool(true)},
			ReferrerPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
				ReferrerPolicy: pulumi.String("strict-origin-when-cross-origin"), Override: pulumi.Bool(true)},
			XssProtection: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigXssProtectionArgs{
				Protection: pulumi.Bool(true), ModeBlock: pulumi.Bool(true), Override: pulumi.Bool(true)},
			ContentSecurityPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs{
				ContentSecurityPolicy: pulumi.String("frame-ancestors 'none'; base-uri 'self'; object-src 'none'; upgrade-insecure-requests"),
				Override:              pulumi.Bool(true)},
		},
	}, b.in(b.global)...)
	if err != nil {
		return nil, fmt.Errorf("response headers policy: %w", err)
	}
	return p, nil
}

// cdnLogs turns on CloudFront's standard logging (v2: CloudWatch Logs
// vended log delivery) into the GlobalRegion edge log bucket. Legacy
// standard logging writes through bucket ACLs, which every platform bucket
// disables (BucketOwnerEnforced); v2 delivers under a bucket policy.
func (b *builder) cdnLogs(dist *cloudfront.Distribution) error {
	g := b.global
	logs := b.regional[g.Name].logsBucket
	name := fmt.Sprintf("solsec-%s-cloudfront", b.args.Environment)
	src, err := cloudwatch.NewLogDeliverySource(b.ctx, b.child("cdn-log-source"), &cloudwatch.LogDeliverySourceArgs{
		Name:        pulumi.String(name),
		LogType:     pulumi.String("ACCESS_LOGS"),
		ResourceArn: dist.Arn,
	}, b.in(g, pulumi.Parent(dist))...)
	if err != nil {
		return fmt.Errorf("cloudfront log source: %w", err)
	}
	dst, err := cloudwatch.NewLogDeliveryDestination(b.ctx, b.child("cdn-log-destination"), &cloudwatch.LogDeliveryDestinationArgs{
		Name:         pulumi.String(name + "-s3"),
		OutputFormat: pulumi.String("json"),
		DeliveryDestinationConfiguration: &cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs{
			DestinationResourceArn: pulumi.String(logs.arn),
		},
	}, b.in(g, pulumi.Parent(dist))...)
	if err != nil {
		return fmt.Errorf("cloudfront log destination: %w", err)
	}
	if _, err := cloudwatch.NewLogDelivery(b.ctx, b.child("cdn-log-delivery"), &cloudwatch.LogDeliveryArgs{
		DeliverySourceName:     src.Name,
		DeliveryDestinationArn: dst.Arn,
	}, b.in(g, pulumi.Parent(dist), pulumi.DependsOn([]pulumi.Resource{logs.policy}))...); err != nil {
		return fmt.Errorf("cloudfront log delivery: %w", err)
	}
	return nil
}

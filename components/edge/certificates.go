package edge

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// certificate requests an ACM certificate in a region for the names (the
// first is the subject), validated through DNS records in the zone, and
// returns the ARN of the certificate once ACM has issued it.
func (b *builder) certificate(r RegionArgs, suffix string, names []string) (pulumi.StringOutput, error) {
	var sans pulumi.StringArray
	for _, n := range names[1:] {
		sans = append(sans, pulumi.String(n))
	}
	cert, err := acm.NewCertificate(b.ctx, b.child(suffix), &acm.CertificateArgs{
		DomainName:              pulumi.String(names[0]),
		SubjectAlternativeNames: sans,
		ValidationMethod:        pulumi.String("DNS"),
		Tags:                    pulumi.StringMap{"Name": pulumi.String(b.child(suffix))},
	}, b.in(r)...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("certificate %s: %w", suffix, err)
	}
	var fqdns pulumi.StringArray
	for _, n := range names {
		fqdn, err := b.validationRecord(cert, n)
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("certificate %s: %w", suffix, err)
		}
		fqdns = append(fqdns, fqdn)
	}
	v, err := acm.NewCertificateValidation(b.ctx, b.child(suffix), &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	}, b.in(r)...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("certificate %s validation: %w", suffix, err)
	}
	return v.CertificateArn, nil
}

// validationRecord returns the FQDN of the DNS record that proves control of
// a name, creating the record the first time the name is asked for. ACM
// asks for the same CNAME for a name (and for its wildcard, which shares
// the base name's record) in every region of an account, so one record
// validates the regional wildcards and renews them all.
func (b *builder) validationRecord(cert *acm.Certificate, name string) (pulumi.StringOutput, error) {
	base := strings.TrimPrefix(name, "*.")
	if fqdn, ok := b.validationRecords[base]; ok {
		return fqdn, nil
	}
	option := func(field func(acm.CertificateDomainValidationOption) *string) pulumi.StringOutput {
		return cert.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) (string, error) {
			for _, o := range opts {
				if o.DomainName != nil && strings.TrimPrefix(*o.DomainName, "*.") == base {
					if v := field(o); v != nil {
						return *v, nil
					}
				}
			}
			return "", fmt.Errorf("ACM gave no validation record for %s", name)
		}).(pulumi.StringOutput)
	}
	label := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(base, b.args.Domain), "."), ".", "-")
	if label == "" {
		label = "apex"
	}
	rec, err := route53.NewRecord(b.ctx, b.child("acm-"+label), &route53.RecordArgs{
		ZoneId:  b.args.ZoneID,
		Name:    option(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordName }),
		Type:    option(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordType }),
		Records: pulumi.StringArray{option(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordValue })},
		Ttl:     pulumi.Int(300),
	}, b.in(b.global)...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("validation record for %s: %w", name, err)
	}
	b.validationRecords[base] = rec.Fqdn
	return rec.Fqdn, nil
}

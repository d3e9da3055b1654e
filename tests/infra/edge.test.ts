import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Match } from 'aws-cdk-lib/assertions';
import { onlyResource, resourcesOf, type Synthesized, synthesized } from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let s: Synthesized;
let distribution: Record<string, unknown>;
beforeAll(() => {
  s = synthesized();
  distribution = onlyResource(s.app, 'AWS::CloudFront::Distribution').Properties
    .DistributionConfig as Record<string, unknown>;
});

interface WafRule {
  Name: string;
  Priority: number;
  Statement: Record<string, unknown>;
  Action?: Record<string, unknown>;
}
const edgeRules = () => onlyResource(s.edge, 'AWS::WAFv2::WebACL').Properties.Rules as WafRule[];

describe('CloudFront', () => {
  test('requires TLS 1.2 (2021 policy) with the custom certificate and logs every request', () => {
    expect(distribution.ViewerCertificate).toMatchObject({
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(distribution.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    expect(distribution.Aliases).toEqual([s.config.domainName]);
  });

  test('is protected by the us-east-1 web ACL', () => {
    expect(JSON.stringify(distribution.WebACLId)).toContain('Bastion-Edge');
    expect(JSON.stringify(distribution.WebACLId)).toContain('us-east-1');
  });

  test('reads the client bucket through Origin Access Control', () => {
    s.app.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
    const origins = distribution.Origins as Array<Record<string, unknown>>;
    const s3Origin = origins.find((origin) => origin.S3OriginConfig !== undefined);
    expect(s3Origin?.OriginAccessControlId).toBeDefined();
  });

  test('sends /api/* to the internal ALB (VPC origin, HTTPS, TLS 1.2) with the origin secret', () => {
    s.app.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      }),
    });
    const [api] = distribution.CacheBehaviors as Array<Record<string, unknown>>;
    expect(api).toMatchObject({ PathPattern: '/api/*', ViewerProtocolPolicy: 'https-only' });
    const origins = distribution.Origins as Array<Record<string, unknown>>;
    const apiOrigin = origins.find((origin) => origin.Id === api?.TargetOriginId)!;
    expect(apiOrigin.DomainName).toBe(`origin.${s.config.domainName}`);
    expect(JSON.stringify(apiOrigin.OriginCustomHeaders)).toContain('x-origin-verify');
  });

  test('adds the security headers with Lambda@Edge on client responses', () => {
    const behavior = distribution.DefaultCacheBehavior as Record<string, unknown>;
    expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const [association] = behavior.LambdaFunctionAssociations as Array<Record<string, unknown>>;
    expect(association?.EventType).toBe('origin-response');
    expect(JSON.stringify(association?.LambdaFunctionARN)).toContain('SecurityHeaders');
  });

  test('Route 53 aliases the domain (IPv4 and IPv6) and the origin host', () => {
    const records = Object.values(resourcesOf(s.app, 'AWS::Route53::RecordSet')).map(
      (record) => `${record.Properties.Type} ${record.Properties.Name}`,
    );
    expect(records.sort()).toEqual(
      [
        `A ${s.config.domainName}.`,
        `AAAA ${s.config.domainName}.`,
        `A origin.${s.config.domainName}.`,
      ].sort(),
    );
  });
});

describe('edge web ACL (us-east-1)', () => {
  test('is CLOUDFRONT-scoped and lives in us-east-1', () => {
    expect(s.stacks.edge.region).toBe('us-east-1');
    s.edge.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
    });
  });

  test('runs the AWS managed common, bad-input, SQLi and IP-reputation groups', () => {
    const groups = edgeRules()
      .map((rule) => (rule.Statement.ManagedRuleGroupStatement as { Name?: string })?.Name)
      .filter(Boolean);
    expect(groups.sort()).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesSQLiRuleSet',
    ]);
  });

  test('limits the request rate per client IP', () => {
    const rate = edgeRules().find((rule) => rule.Statement.RateBasedStatement !== undefined)!;
    expect(rate.Action).toEqual({ Block: {} });
    expect(rate.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: 1000,
    });
  });

  test('relaxes the body-size rule for the upload route only', () => {
    const common = edgeRules().find((rule) => rule.Name === 'AWSManagedRulesCommonRuleSet')!;
    expect(common.Statement.ManagedRuleGroupStatement).toMatchObject({
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
    });
    const body = edgeRules().find((rule) => rule.Name === 'BodySizeExceptUploads')!;
    expect(body.Action).toEqual({ Block: {} });
    expect(body.Priority).toBeGreaterThan(common.Priority);
    const text = JSON.stringify(body.Statement);
    expect(text).toContain('awswaf:managed:aws:core-rule-set:SizeRestrictions_Body');
    expect(text).toContain('"NotStatement"');
    expect(text).toContain('"SearchString":"/api/files"');
  });

  test('logs to CloudWatch with credentials redacted', () => {
    s.edge.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [
        { SingleHeader: { Name: 'authorization' } },
        { SingleHeader: { Name: 'cookie' } },
      ],
    });
  });

  test('the viewer certificate is issued in us-east-1 with DNS validation', () => {
    s.edge.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: s.config.domainName,
      ValidationMethod: 'DNS',
    });
  });

  test('the edge function is inline Node.js code trusted by edgelambda', () => {
    const fn = onlyResource(s.edge, 'AWS::Lambda::Function');
    expect(String(fn.Properties.Runtime)).toMatch(/^nodejs/);
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Environment).toBeUndefined();
    const code = (fn.Properties.Code as { ZipFile: string }).ZipFile;
    expect(code).toContain('Strict-Transport-Security');
    s.edge.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: Match.arrayWith(['edgelambda.amazonaws.com']) },
          }),
        ]),
      },
    });
  });
});

import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Match } from 'aws-cdk-lib/assertions';
import { CLOUDFRONT_RULES, REGIONAL_RULES } from '../../infra/lib/constructs/compliance.ts';
import { AUDIT_SIGNALS } from '../../infra/lib/constructs/monitoring.ts';
import { onlyResource, resourcesOf, type Synthesized, synthesized } from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let s: Synthesized;
beforeAll(() => {
  s = synthesized();
});

describe('monitoring', () => {
  test('a metric filter matches each audit event the server logs', () => {
    const patterns = Object.values(resourcesOf(s.app, 'AWS::Logs::MetricFilter')).map(
      (filter) => filter.Properties.FilterPattern,
    );
    expect(patterns.sort()).toEqual(
      [
        '{ $.event = "auth.login.failed" }',
        '{ $.event = "auth.lockout" }',
        '{ $.event = "rate_limit.exceeded" }',
        '{ $.event = "auth.refresh.reuse" }',
      ].sort(),
    );
    expect(AUDIT_SIGNALS.length).toBe(patterns.length);
  });

  test('every alarm notifies the KMS-encrypted, TLS-only alarm topic', () => {
    const [topicId] = Object.keys(resourcesOf(s.app, 'AWS::SNS::Topic'));
    s.app.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    s.app.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: s.config.alarmEmail,
    });
    const alarms = Object.values(resourcesOf(s.app, 'AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(AUDIT_SIGNALS.length + 3);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  test('a single reused refresh token raises the alarm', () => {
    s.app.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RefreshTokenReuse',
      Namespace: 'Bastion/Security',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('high-severity GuardDuty findings reach the topic', () => {
    s.app.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.guardduty'] }),
    });
  });

  test('has a dashboard and an X-Ray sampling rule', () => {
    s.app.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    s.app.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ ServiceName: 'bastion' }),
    });
  });
});

describe('compliance', () => {
  const identifiers = (template: Synthesized['data']) =>
    Object.values(resourcesOf(template, 'AWS::Config::ConfigRule')).map(
      (rule) => (rule.Properties.Source as { SourceIdentifier: string }).SourceIdentifier,
    );

  test('the main region records configuration and checks the design promises', () => {
    s.data.resourceCountIs('AWS::Config::ConfigurationRecorder', 1);
    s.data.hasResourceProperties('AWS::Config::DeliveryChannel', { S3KeyPrefix: 'config' });
    const rules = identifiers(s.data);
    for (const promise of [
      'RDS_STORAGE_ENCRYPTED',
      'S3_BUCKET_SSL_REQUESTS_ONLY',
      'ECS_NO_ENVIRONMENT_SECRETS',
      'ELASTICACHE_REPL_GRP_ENCRYPTED_IN_TRANSIT',
      'VPC_FLOW_LOGS_ENABLED',
    ]) {
      expect(rules).toContain(promise);
    }
    expect(rules.length).toBe(REGIONAL_RULES.length);
  });

  test('CloudFront rules (WAF attached and more) run in us-east-1 where CloudFront is recorded', () => {
    s.edge.resourceCountIs('AWS::Config::ConfigurationRecorder', 1);
    const rules = identifiers(s.edge);
    expect(rules).toContain('CLOUDFRONT_ASSOCIATED_WITH_WAF');
    expect(rules.length).toBe(CLOUDFRONT_RULES.length);
  });

  test('every rule waits for the recorder', () => {
    const recorderId = Object.keys(resourcesOf(s.data, 'AWS::Config::ConfigurationRecorder'))[0]!;
    const rules = s.data.findResources('AWS::Config::ConfigRule') as Record<
      string,
      { DependsOn?: string[] }
    >;
    for (const rule of Object.values(rules)) expect(rule.DependsOn).toContain(recorderId);
  });

  test('GuardDuty protects S3 data events', () => {
    const detector = onlyResource(s.data, 'AWS::GuardDuty::Detector');
    expect(detector.Properties.Enable).toBe(true);
    expect(detector.Properties.Features).toContainEqual({
      Name: 'S3_DATA_EVENTS',
      Status: 'ENABLED',
    });
  });
});

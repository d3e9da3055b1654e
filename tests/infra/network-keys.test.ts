import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Match } from 'aws-cdk-lib/assertions';
import { allTemplates, resourcesOf, type Synthesized, synthesized } from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let s: Synthesized;
beforeAll(() => {
  s = synthesized();
});

describe('network', () => {
  test('the VPC spans the configured zones with public, egress-only and isolated subnets', () => {
    const subnets = Object.values(resourcesOf(s.data, 'AWS::EC2::Subnet'));
    const zones = new Set(subnets.map((subnet) => subnet.Properties.AvailabilityZone));
    expect(zones.size).toBeGreaterThanOrEqual(2);
    expect([...zones].sort()).toEqual([...s.config.availabilityZones].sort());
    const kinds = subnets.map((subnet) => {
      const tags = subnet.Properties.Tags as Array<{ Key: string; Value: string }>;
      return tags.find((tag) => tag.Key === 'aws-cdk:subnet-type')?.Value;
    });
    expect(new Set(kinds)).toEqual(new Set(['Public', 'Private', 'Isolated']));
    const isolated = subnets.filter((_, i) => kinds[i] === 'Isolated');
    for (const subnet of isolated) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  test('flow logs capture all traffic into a KMS-encrypted log group', () => {
    s.data.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
  });

  test('the default security group is stripped of its rules', () => {
    s.data.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('ECR, S3, Secrets Manager, KMS and CloudWatch Logs are reached through endpoints', () => {
    const services = Object.values(resourcesOf(s.data, 'AWS::EC2::VPCEndpoint')).map((e) =>
      JSON.stringify(e.Properties.ServiceName),
    );
    for (const name of ['ecr.api', 'ecr.dkr', '.s3', 'secretsmanager', 'kms', 'logs']) {
      expect(services.some((service) => service.includes(name))).toBe(true);
    }
    s.data.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
  });

  test('interface endpoints admit HTTPS from the VPC range only', () => {
    s.data.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Interface endpoints'),
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '10.40.0.0/16', FromPort: 443, ToPort: 443 }),
      ],
    });
  });

  test('no security group anywhere admits the whole internet', () => {
    for (const template of allTemplates(s)) {
      const text = JSON.stringify(template.toJSON());
      expect(text).not.toContain('"CidrIp":"0.0.0.0/0","Description":"from');
      for (const group of Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroup'))) {
        const ingress = (group.Properties.SecurityGroupIngress ?? []) as Array<{ CidrIp?: string }>;
        for (const rule of ingress) expect(rule.CidrIp).not.toBe('0.0.0.0/0');
      }
      for (const rule of Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroupIngress'))) {
        expect(rule.Properties.CidrIp).not.toBe('0.0.0.0/0');
        expect(rule.Properties.CidrIpv6).not.toBe('::/0');
      }
    }
  });
});

describe('keys', () => {
  test('data, logs and uploads each have a customer-managed key with rotation', () => {
    const keys = Object.values(resourcesOf(s.data, 'AWS::KMS::Key'));
    const descriptions = keys.map((key) => String(key.Properties.Description));
    for (const purpose of ['database', 'CloudWatch Logs', 'uploaded files']) {
      expect(descriptions.some((description) => description.includes(purpose))).toBe(true);
    }
    for (const key of keys) {
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });

  test('every key in every stack rotates', () => {
    for (const template of allTemplates(s)) {
      for (const key of Object.values(resourcesOf(template, 'AWS::KMS::Key'))) {
        expect(key.Properties.EnableKeyRotation).toBe(true);
      }
    }
  });

  test('the logs key admits CloudWatch Logs only for this account and region', () => {
    s.data.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchLogs',
            Principal: { Service: `logs.${s.config.region}.amazonaws.com` },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${s.config.region}:${s.config.account}:*`,
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('log groups', () => {
  test('every log group has a retention and a KMS key', () => {
    let count = 0;
    for (const template of allTemplates(s)) {
      for (const [id, group] of Object.entries(resourcesOf(template, 'AWS::Logs::LogGroup'))) {
        count += 1;
        expect({ id, retention: group.Properties.RetentionInDays }).toEqual({
          id,
          retention: s.config.logRetentionDays,
        });
        expect({ id, key: group.Properties.KmsKeyId !== undefined }).toEqual({ id, key: true });
      }
    }
    expect(count).toBeGreaterThanOrEqual(8);
  });
});

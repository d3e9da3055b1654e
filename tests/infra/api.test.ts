import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Match } from 'aws-cdk-lib/assertions';
import { onlyResource, resourcesOf, type Synthesized, synthesized } from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

interface Container {
  Name: string;
  ReadonlyRootFilesystem?: boolean;
  User?: string;
  Privileged?: boolean;
  HealthCheck?: { Command: string[] };
  Environment?: Array<{ Name: string; Value: unknown }>;
  Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
  LogConfiguration?: { LogDriver: string };
}

let s: Synthesized;
let containers: Container[];
beforeAll(() => {
  s = synthesized();
  containers = Object.values(resourcesOf(s.app, 'AWS::ECS::TaskDefinition')).flatMap(
    (def) => def.Properties.ContainerDefinitions as Container[],
  );
});
const container = (name: string) => containers.find((c) => c.Name === name)!;

/** Names that would carry a secret if they were plain environment variables. */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL|^REDIS_URL$|^SMTP_URL$|KMS_KEY_ID/;

describe('task definition', () => {
  test('the Bastion container: read-only root, non-root user, health check by the binary', () => {
    const app = container('bastion');
    expect(app.ReadonlyRootFilesystem).toBe(true);
    expect(app.User).toBe('65532:65532');
    expect(app.HealthCheck?.Command).toEqual(['CMD', '/app/bastion', '--healthcheck']);
  });

  test('secrets reach the containers as ECS secrets, never as environment', () => {
    const app = container('bastion');
    const secretNames = (app.Secrets ?? []).map((secret) => secret.Name).sort();
    expect(secretNames).toEqual([
      'JWT_SECRET',
      'KMS_KEY_ID',
      'PGPASSWORD',
      'REDIS_URL',
      'SMTP_URL',
    ]);
    for (const c of containers) {
      for (const variable of c.Environment ?? []) {
        expect({
          container: c.Name,
          name: variable.Name,
          secretLike: SECRET_NAME.test(variable.Name),
        }).toEqual({ container: c.Name, name: variable.Name, secretLike: false });
      }
    }
    const databaseUrl = app.Environment?.find((v) => v.Name === 'DATABASE_URL');
    expect(JSON.stringify(databaseUrl?.Value)).toContain('sslmode=verify-full');
    expect(JSON.stringify(databaseUrl?.Value)).not.toMatch(/bastion:[^@]+@/);
  });

  test('Cognito ids are wired into the container configuration', () => {
    const names = (container('bastion').Environment ?? []).map((v) => v.Name);
    for (const name of ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'COGNITO_DOMAIN']) {
      expect(names).toContain(name);
    }
  });

  test('clamd and the ADOT collector run as sidecars with read-only roots and logs', () => {
    expect(container('clamav').HealthCheck?.Command).toEqual(['CMD-SHELL', 'clamdcheck.sh']);
    const otel = container('otel');
    const config = String(otel.Environment?.find((v) => v.Name === 'AOT_CONFIG_CONTENT')?.Value);
    expect(config).toContain('awsxray');
    for (const c of containers) {
      expect({
        name: c.Name,
        readOnly: c.ReadonlyRootFilesystem,
        privileged: c.Privileged,
      }).toEqual({ name: c.Name, readOnly: true, privileged: undefined });
      expect(c.LogConfiguration?.LogDriver).toBe('awslogs');
    }
  });

  test('the task role may write traces to X-Ray', () => {
    s.app.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['xray:PutTraceSegments']) }),
        ]),
      },
    });
  });
});

describe('service', () => {
  test('the cluster has Container Insights', () => {
    s.app.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }],
    });
  });

  test('tasks run in private subnets without public IPs and roll back failed deployments', () => {
    s.app.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      EnableExecuteCommand: false,
      DesiredCount: s.config.sizes.minTasks,
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }),
      },
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
  });

  test('scales on CPU and on requests per target', () => {
    const metrics = Object.values(
      resourcesOf(s.app, 'AWS::ApplicationAutoScaling::ScalingPolicy'),
    ).map((policy) => {
      const config = policy.Properties.TargetTrackingScalingPolicyConfiguration as {
        PredefinedMetricSpecification: { PredefinedMetricType: string };
      };
      return config.PredefinedMetricSpecification.PredefinedMetricType;
    });
    expect(metrics.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
  });
});

describe('load balancer', () => {
  test('is internal, drops invalid headers, logs access and resists deletion', () => {
    s.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
    });
    const attributes = onlyResource(s.app, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties
      .LoadBalancerAttributes as Array<{ Key: string; Value: unknown }>;
    for (const key of [
      'routing.http.drop_invalid_header_fields.enabled',
      'access_logs.s3.enabled',
      'deletion_protection.enabled',
    ]) {
      expect(attributes).toContainEqual({ Key: key, Value: 'true' });
    }
  });

  test('serves HTTPS with a certificate and redirects HTTP', () => {
    s.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [Match.objectLike({ CertificateArn: Match.anyValue() })],
      SslPolicy: Match.stringLikeRegexp('TLS13'),
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
    s.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'redirect',
          RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
        },
      ],
    });
  });

  test('forwards only requests carrying the CloudFront origin secret', () => {
    const rule = onlyResource(s.app, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    const [condition] = rule.Properties.Conditions as Array<Record<string, unknown>>;
    expect(condition).toMatchObject({
      Field: 'http-header',
      HttpHeaderConfig: { HttpHeaderName: 'x-origin-verify' },
    });
    expect(JSON.stringify(condition)).toContain('{{resolve:secretsmanager:');
  });

  test('admits only the CloudFront origin-facing prefix list, and tasks only the ALB', () => {
    const [lbGroup] = Object.entries(resourcesOf(s.app, 'AWS::EC2::SecurityGroup')).find(
      ([, group]) => String(group.Properties.GroupDescription).startsWith('Bastion ALB'),
    )!;
    const ingress = Object.values(resourcesOf(s.app, 'AWS::EC2::SecurityGroupIngress'));
    const toLb = ingress.filter(
      (rule) =>
        JSON.stringify(rule.Properties.GroupId) ===
        JSON.stringify({ 'Fn::GetAtt': [lbGroup, 'GroupId'] }),
    );
    expect(toLb.map((rule) => rule.Properties.FromPort).sort()).toEqual([443, 80]);
    for (const rule of toLb) {
      expect(rule.Properties.SourcePrefixListId).toBe(s.config.cloudFrontPrefixListId);
    }
    for (const rule of ingress.filter((r) => !toLb.includes(r))) {
      expect(rule.Properties.SourceSecurityGroupId).toBeDefined();
      expect(rule.Properties.CidrIp).toBeUndefined();
    }
  });

  test('has a regional WAF with the managed rule groups', () => {
    s.app.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({ Name: 'AWSManagedRulesCommonRuleSet' }),
        Match.objectLike({ Name: 'AWSManagedRulesSQLiRuleSet' }),
      ]),
    });
    s.app.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

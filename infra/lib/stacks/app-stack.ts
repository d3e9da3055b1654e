import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { BastionConfig } from '../config.ts';
import { AdminTask } from '../constructs/admin-task.ts';
import { Api } from '../constructs/api.ts';
import type { Edge } from '../constructs/edge.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { StaticSite } from '../constructs/static-site.ts';
import type { DataStack } from './data-stack.ts';

export interface AppStackProps extends StackProps {
  readonly config: BastionConfig;
  readonly data: DataStack;
  readonly edge: Edge;
}

/**
 * The stateless tier in the main region: the Fargate API behind its internal ALB, the
 * CloudFront distribution with the client bucket, DNS, and monitoring. Safe to destroy and
 * redeploy; it holds no data of its own (log groups are retained).
 *
 * @example
 * new AppStack(app, 'Bastion-App', { env, config, data, edge: edgeStack.edge });
 */
export class AppStack extends Stack {
  public readonly api: Api;
  public readonly admin: AdminTask;
  public readonly site: StaticSite;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { config, data, edge } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const keys = data.keys;
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });
    const originDomainName = `origin.${config.domainName}`;

    this.monitoring = new Monitoring(this, 'Monitoring', {
      logsKey: keys.logs,
      logRetention,
      alarmEmail: config.alarmEmail,
    });

    const db = data.data.database;
    // Referenced by ARN: granting an owned, CMK-encrypted secret to this stack's execution
    // role would write the role into the data stack's key policy (a cross-stack cycle).
    // The role gets kms:Decrypt via Secrets Manager below instead.
    const secret = (id: string, owned: secretsmanager.ISecret) =>
      secretsmanager.Secret.fromSecretCompleteArn(this, id, owned.secretArn);
    const dbSecret = secret('DatabaseSecret', data.data.databaseSecret);
    const dbHost = db.instanceEndpoint.hostname;
    const dbPort = db.instanceEndpoint.port;
    const environment: Record<string, string> = {
      PUBLIC_URL: `https://${config.domainName}`,
      // CloudFront, then the ALB: the client is the second address from the right.
      TRUST_PROXY_HOPS: '2',
      LOG_LEVEL: 'info',
      // No password in the URL: node-postgres takes it from PGPASSWORD (an ECS secret).
      DATABASE_URL: `postgres://bastion@${dbHost}:${dbPort}/bastion?sslmode=verify-full&sslrootcert=/app/certs/rds-global-bundle.pem`,
      UPLOADS_BUCKET: data.uploads.bucket.bucketName,
      AWS_REGION: this.region,
      CLAMAV_URL: 'tcp://127.0.0.1:3310',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_SERVICE_NAME: 'bastion',
      COGNITO_USER_POOL_ID: data.auth.userPool.userPoolId,
      COGNITO_CLIENT_ID: data.auth.client.userPoolClientId,
      COGNITO_DOMAIN: data.auth.domainUrl,
    };
    const secrets: Record<string, ecs.Secret> = {
      PGPASSWORD: ecs.Secret.fromSecretsManager(dbSecret, 'password'),
      REDIS_URL: ecs.Secret.fromSecretsManager(secret('RedisUrl', data.data.redisUrl)),
      JWT_SECRET: ecs.Secret.fromSecretsManager(secret('JwtSecret', data.secrets.jwtSecret)),
      KMS_KEY_ID: ecs.Secret.fromSecretsManager(
        secret('FieldKeyId', data.secrets.fieldEncryptionKeyId),
        'keyId',
      ),
      SMTP_URL: ecs.Secret.fromSecretsManager(secret('SmtpUrl', data.secrets.smtpUrl)),
    };
    const image = ecs.ContainerImage.fromEcrRepository(data.repository, config.imageTag);
    this.api = new Api(this, 'Api', {
      vpc: data.network.vpc,
      dataStores: [data.data.databaseConnections, data.data.cacheConnections],
      image,
      environment,
      secrets,
      appLogGroup: this.monitoring.appLogGroup,
      sidecarLogGroup: this.monitoring.sidecarLogGroup,
      cpu: config.sizes.taskCpu,
      memoryMiB: config.sizes.taskMemoryMiB,
      minTasks: config.sizes.minTasks,
      maxTasks: config.sizes.maxTasks,
      originDomainName,
      hostedZone,
      cloudFrontPrefixListId: config.cloudFrontPrefixListId,
      accessLogs: data.logArchive.bucket,
      secretsKey: keys.data,
      logsKey: keys.logs,
      logRetention,
    });
    this.admin = new AdminTask(this, 'Admin', {
      image,
      environment,
      secrets: {
        ...secrets,
        ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(
          secret('AdminPassword', data.secrets.adminPassword),
        ),
      },
      logGroup: this.monitoring.appLogGroup,
    });
    const decryptSecrets = new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [keys.data.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` },
      },
    });
    this.api.executionRole.addToPrincipalPolicy(decryptSecrets);
    this.admin.definition.obtainExecutionRole().addToPrincipalPolicy(decryptSecrets);
    data.uploads.grantApp(this.api.taskRole);
    for (const role of [this.api.taskRole, this.admin.definition.taskRole]) {
      keys.data.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:Encrypt');
    }
    this.monitoring.watch(this.api.service, this.api.loadBalancer, this.api.targetGroup);

    this.site = new StaticSite(this, 'Site', {
      domainName: config.domainName,
      hostedZone,
      certificate: edge.certificate,
      webAclArn: edge.webAclArn,
      securityHeaders: edge.securityHeaders,
      loadBalancer: this.api.loadBalancer,
      originDomainName,
      originVerifyValue: this.api.originVerifyValue,
      accessLogs: data.logArchive.bucket,
    });

    // What docs/deploy.md needs for one-off tasks and the client upload.
    const outputs: Record<string, string> = {
      ClusterName: this.api.cluster.clusterName,
      ServiceName: this.api.service.serviceName,
      OriginVerifySecretArn: this.api.originVerifySecretArn,
      AdminTaskDefinitionArn: this.admin.definition.taskDefinitionArn,
      TaskSecurityGroupId: this.api.taskSecurityGroup.securityGroupId,
      AppSubnetIds: data.network.vpc
        .selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
        .subnetIds.join(','),
      ClientBucketName: this.site.bucket.bucketName,
      DistributionId: this.site.distribution.distributionId,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}

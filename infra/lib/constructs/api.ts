import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ApiTask, type ApiTaskProps } from './api-task.ts';
import { WebAcl } from './web-acl.ts';

/** CloudFront adds this header with a secret value; the ALB forwards nothing without it. */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

export interface ApiProps extends ApiTaskProps {
  readonly vpc: ec2.IVpc;
  /** The database and cache: the tasks get ingress to each one's default port. */
  readonly dataStores: readonly ec2.IConnectable[];
  /** Host name CloudFront uses for the load balancer (TLS certificate and SNI). */
  readonly originDomainName: string;
  readonly hostedZone: route53.IHostedZone;
  /** `com.amazonaws.global.cloudfront.origin-facing` in this region. */
  readonly cloudFrontPrefixListId: string;
  readonly accessLogs: s3.IBucket;
  /** Encrypts the origin-verify secret. */
  readonly secretsKey: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly minTasks: number;
  readonly maxTasks: number;
  /**
   * @default 60
   */
  readonly targetCpuPercent?: number;
  /**
   * @default 500
   */
  readonly requestsPerTask?: number;
}

/**
 * The API tier: an ECS cluster (Container Insights), a Fargate service running `ApiTask`
 * in private subnets, scaling on CPU and request count, behind an internal HTTPS-only ALB
 * (invalid headers dropped, access-logged, regional WAF) that accepts only CloudFront's
 * origin-facing addresses and only requests carrying the origin-verify secret.
 *
 * @example
 * const api = new Api(this, 'Api', { vpc, image, environment, secrets, ... });
 * uploads.grantApp(api.taskRole);
 */
export class Api extends Construct {
  public readonly cluster: ecs.ICluster;
  public readonly service: ecs.FargateService;
  /** The tasks' group: reaches the data stores; one-off admin tasks run with it too. */
  public readonly taskSecurityGroup: ec2.ISecurityGroup;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly taskRole: iam.IRole;
  /** Pulls the image and resolves the ECS secrets at task start. */
  public readonly executionRole: iam.IRole;
  /** Value CloudFront must send in `x-origin-verify` (a dynamic reference, not plaintext). */
  public readonly originVerifyValue: string;
  public readonly originVerifySecretArn: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { vpc } = props;
    const task = new ApiTask(this, 'Task', props);
    this.taskRole = task.definition.taskRole;
    this.executionRole = task.definition.obtainExecutionRole();

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });
    this.cluster = cluster;

    const lbSg = new ec2.SecurityGroup(this, 'LoadBalancerSg', {
      vpc,
      description: 'Bastion ALB: CloudFront origin-facing addresses only',
      allowAllOutbound: false,
    });
    const cloudFront = ec2.Peer.prefixList(props.cloudFrontPrefixListId);
    lbSg.addIngressRule(cloudFront, ec2.Port.tcp(443), 'CloudFront to HTTPS');
    lbSg.addIngressRule(cloudFront, ec2.Port.tcp(80), 'CloudFront to HTTP (redirected)');
    const taskSg = new ec2.SecurityGroup(this, 'TaskSg', {
      vpc,
      description: 'Bastion tasks: traffic from the ALB only',
      allowAllOutbound: false,
    });
    // AWS APIs, Cognito and the ClamAV mirrors speak HTTPS; SES SMTP is implicit TLS on 465.
    taskSg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS out');
    taskSg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(465), 'SMTPS out (SES)');
    this.taskSecurityGroup = taskSg;
    taskSg.addIngressRule(lbSg, ec2.Port.tcp(task.port), 'ALB to Bastion');
    lbSg.addEgressRule(taskSg, ec2.Port.tcp(task.port), 'ALB to Bastion');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task.definition,
      desiredCount: props.minTasks,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [taskSg],
      assignPublicIp: false,
      enableExecuteCommand: false,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    // Each rule is created in this stack (the consumer), so the data stack never refers
    // back to it.
    for (const store of props.dataStores) {
      this.service.connections.allowToDefaultPort(store, 'Bastion to data store');
    }

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: lbSg,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
      deletionProtection: true,
      http2Enabled: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogs, 'alb');

    const certificate = new acm.Certificate(this, 'OriginCertificate', {
      domainName: props.originDomainName,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
    const originVerify = new secretsmanager.Secret(this, 'OriginVerify', {
      description: 'Bastion: header value proving a request came through CloudFront',
      encryptionKey: props.secretsKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.originVerifyValue = originVerify.secretValue.unsafeUnwrap();
    this.originVerifySecretArn = originVerify.secretArn;
    Validations.of(originVerify).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Read by CloudFront and the ALB at deploy time only; rotated by redeploying after a ' +
        'new value is set (docs/deploy.md), as a rotation Lambda cannot update either.',
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: task.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: '/healthz', healthyHttpCodes: '200', interval: Duration.seconds(15) },
    });
    this.service.attachToApplicationTargetGroup(this.targetGroup);

    const https = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, {
        contentType: 'text/plain',
        messageBody: 'Forbidden',
      }),
    });
    https.addAction('FromCloudFront', {
      priority: 10,
      conditions: [
        elbv2.ListenerCondition.httpHeader(ORIGIN_VERIFY_HEADER, [this.originVerifyValue]),
      ],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    this.loadBalancer.addListener('Http', {
      port: 80,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({
        protocol: 'HTTPS',
        port: '443',
        permanent: true,
      }),
    });

    const waf = new WebAcl(this, 'Waf', {
      scope: 'REGIONAL',
      name: 'bastion-origin',
      logsKey: props.logsKey,
      logRetention: props.logRetention,
    });
    new wafv2.CfnWebACLAssociation(this, 'WafAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: waf.arn,
    });

    new route53.ARecord(this, 'OriginRecord', {
      zone: props.hostedZone,
      recordName: props.originDomainName,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
    });

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.targetCpuPercent ?? 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: props.requestsPerTask ?? 500,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
  }
}

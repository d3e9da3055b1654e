import { Validations } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** One AWS Config managed rule: a promise of the design checked continuously. */
export interface ComplianceRule {
  readonly name: string;
  readonly identifier: string;
  readonly inputParameters?: Record<string, string>;
}

const id = config.ManagedRuleIdentifiers;

/** Rules for the regional resources (database, cache, buckets, tasks, load balancer, keys). */
export const REGIONAL_RULES: readonly ComplianceRule[] = [
  { name: 'rds-storage-encrypted', identifier: id.RDS_STORAGE_ENCRYPTED },
  { name: 'rds-multi-az', identifier: id.RDS_MULTI_AZ_SUPPORT },
  { name: 'rds-deletion-protection', identifier: id.RDS_INSTANCE_DELETION_PROTECTION_ENABLED },
  { name: 'rds-iam-authentication', identifier: id.RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED },
  { name: 'rds-not-public', identifier: id.RDS_INSTANCE_PUBLIC_ACCESS_CHECK },
  { name: 'rds-logging', identifier: id.RDS_LOGGING_ENABLED },
  { name: 'elasticache-at-rest', identifier: 'ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST' },
  { name: 'elasticache-in-transit', identifier: 'ELASTICACHE_REPL_GRP_ENCRYPTED_IN_TRANSIT' },
  { name: 'elasticache-auth', identifier: 'ELASTICACHE_REPL_GRP_REDIS_AUTH_ENABLED' },
  { name: 's3-ssl-only', identifier: id.S3_BUCKET_SSL_REQUESTS_ONLY },
  { name: 's3-public-access-blocked', identifier: id.S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED },
  { name: 's3-encrypted', identifier: id.S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED },
  { name: 's3-versioned', identifier: id.S3_BUCKET_VERSIONING_ENABLED },
  {
    name: 'ecs-no-environment-secrets',
    identifier: id.ECS_NO_ENVIRONMENT_SECRETS,
    inputParameters: {
      secretKeys: 'PASSWORD,SECRET,TOKEN,AUTH_TOKEN,JWT_SECRET,DATABASE_PASSWORD,SMTP_URL',
    },
  },
  { name: 'ecs-read-only-root', identifier: id.ECS_CONTAINERS_READONLY_ACCESS },
  { name: 'ecs-non-privileged', identifier: id.ECS_CONTAINERS_NONPRIVILEGED },
  { name: 'alb-drop-invalid-headers', identifier: id.ALB_HTTP_DROP_INVALID_HEADER_ENABLED },
  { name: 'alb-http-to-https', identifier: id.ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK },
  { name: 'alb-waf', identifier: id.ALB_WAF_ENABLED },
  { name: 'elb-logging', identifier: id.ELB_LOGGING_ENABLED },
  { name: 'kms-rotation', identifier: id.CMK_BACKING_KEY_ROTATION_ENABLED },
  { name: 'vpc-flow-logs', identifier: id.VPC_FLOW_LOGS_ENABLED },
  { name: 'vpc-default-sg-closed', identifier: id.VPC_DEFAULT_SECURITY_GROUP_CLOSED },
  { name: 'log-retention', identifier: id.CW_LOGGROUP_RETENTION_PERIOD_CHECK },
];

/** CloudFront is a global service whose configuration AWS Config records in us-east-1 only. */
export const CLOUDFRONT_RULES: readonly ComplianceRule[] = [
  { name: 'cloudfront-waf', identifier: id.CLOUDFRONT_ASSOCIATED_WITH_WAF },
  { name: 'cloudfront-https-viewers', identifier: id.CLOUDFRONT_VIEWER_POLICY_HTTPS },
  { name: 'cloudfront-tls-policy', identifier: id.CLOUDFRONT_SECURITY_POLICY_CHECK },
  { name: 'cloudfront-access-logs', identifier: id.CLOUDFRONT_ACCESSLOGS_ENABLED },
  { name: 'cloudfront-origin-tls', identifier: id.CLOUDFRONT_TRAFFIC_TO_ORIGIN_ENCRYPTED },
];

export interface ComplianceProps {
  readonly rules: readonly ComplianceRule[];
  /** Configuration snapshots and history go here under `config/` (its policy must allow it). */
  readonly deliveryBucket: s3.IBucket;
  /**
   * Create this region's configuration recorder and delivery channel. Turn off when the
   * organisation already records this account; the rules then use that recorder.
   * @default true
   */
  readonly recorder?: boolean;
  /**
   * Create a GuardDuty detector with S3 and RDS login protection.
   * @default false
   */
  readonly guardDuty?: boolean;
}

/**
 * Continuous compliance for one region: an AWS Config recorder, the managed rules that check
 * what this design promises, and optionally a GuardDuty detector with S3 protection.
 *
 * @example
 * new Compliance(this, 'Compliance', {
 *   rules: REGIONAL_RULES,
 *   deliveryBucket: archive.bucket,
 *   guardDuty: true,
 * });
 */
export class Compliance extends Construct {
  public readonly detector?: guardduty.CfnDetector;

  constructor(scope: Construct, id: string, props: ComplianceProps) {
    super(scope, id);
    const dependencies: Construct[] = [];
    if (props.recorder ?? true) {
      const role = new iam.Role(this, 'RecorderRole', {
        assumedBy: new iam.ServicePrincipal('config.amazonaws.com'),
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWS_ConfigRole'),
        ],
      });
      Validations.of(role).acknowledge({
        // Managed policy ARNs always carry the partition pseudo parameter.
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole]',
        reason: 'AWS_ConfigRole is the documented, AWS-maintained read policy for the recorder.',
      });
      const recorder = new config.CfnConfigurationRecorder(this, 'Recorder', {
        roleArn: role.roleArn,
        recordingGroup: { allSupported: true, includeGlobalResourceTypes: false },
      });
      const channel = new config.CfnDeliveryChannel(this, 'Delivery', {
        s3BucketName: props.deliveryBucket.bucketName,
        s3KeyPrefix: 'config',
        configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' },
      });
      dependencies.push(recorder, channel);
    }

    for (const rule of props.rules) {
      const managed = new config.ManagedRule(this, rule.name, {
        configRuleName: `bastion-${rule.name}`,
        identifier: rule.identifier,
        inputParameters: rule.inputParameters,
      });
      for (const dependency of dependencies) managed.node.addDependency(dependency);
    }

    if (props.guardDuty) {
      this.detector = new guardduty.CfnDetector(this, 'GuardDuty', {
        enable: true,
        findingPublishingFrequency: 'FIFTEEN_MINUTES',
        features: [
          { name: 'S3_DATA_EVENTS', status: 'ENABLED' },
          { name: 'RDS_LOGIN_EVENTS', status: 'ENABLED' },
        ],
      });
    }
  }
}

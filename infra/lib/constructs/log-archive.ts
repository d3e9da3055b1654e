import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SECURE_BUCKET_DEFAULTS } from './bucket-defaults.ts';

/** A fixed, derivable name, so that stacks in other regions can address the bucket by name. */
export function logArchiveBucketName(account: string, region: string): string {
  return `bastion-logs-${account}-${region}`;
}

export interface LogArchiveProps {
  /** Globally unique bucket name, e.g. `logArchiveBucketName(account, region)`. */
  readonly bucketName: string;
  /**
   * Days an access-log object is kept.
   * @default 365
   */
  readonly retentionDays?: number;
}

/**
 * The bucket that receives S3 server access logs, ALB access logs, CloudFront standard logs
 * and AWS Config snapshots, each under its own prefix. SSE-S3 because ALB log delivery does not
 * support SSE-KMS; ACLs are enabled (bucket owner preferred) because CloudFront standard
 * logging writes with an ACL.
 *
 * @example
 * const archive = new LogArchive(this, 'LogArchive', {
 *   bucketName: logArchiveBucketName(account, region),
 * });
 * alb.logAccessLogs(archive.bucket, 'alb');
 */
export class LogArchive extends Construct {
  public readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: LogArchiveProps) {
    super(scope, id);
    const bucket = new s3.Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_DEFAULTS,
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        {
          expiration: Duration.days(props.retentionDays ?? 365),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination; logging it into itself would loop.',
    });
    this.allowConfigDelivery(bucket);
    this.bucket = bucket;
  }

  /** AWS Config (any region of this account) delivers snapshots under `config/`. */
  private allowConfigDelivery(bucket: s3.Bucket): void {
    const account = Stack.of(this).account;
    const principal = new iam.ServicePrincipal('config.amazonaws.com');
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': account } };
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ConfigBucketCheck',
        principals: [principal],
        actions: ['s3:GetBucketAcl', 's3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: fromThisAccount,
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ConfigDelivery',
        principals: [principal],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`config/AWSLogs/${account}/Config/*`)],
        conditions: {
          StringEquals: {
            ...fromThisAccount.StringEquals,
            's3:x-amz-acl': 'bucket-owner-full-control',
          },
        },
      }),
    );
  }
}

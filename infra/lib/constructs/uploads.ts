import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { nagPartition } from '../nag-ids.ts';
import { SECURE_BUCKET_DEFAULTS } from './bucket-defaults.ts';

export interface UploadsProps {
  /** Globally unique; fixed so that grants name objects by a readable ARN. */
  readonly bucketName: string;
  /** Encrypts every object (SSE-KMS with an S3 bucket key). */
  readonly key: kms.IKey;
  /** Receives the S3 server access logs under `uploads/`. */
  readonly accessLogs: s3.IBucket;
  /**
   * Days a replaced or deleted object version is kept.
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * The bucket for users' files: SSE-KMS with its own CMK, every public access path blocked,
 * TLS required, versioned, access-logged. Only the task role granted through `grantApp` can
 * read, write or delete objects.
 *
 * @example
 * const uploads = new Uploads(this, 'Uploads', {
 *   bucketName: 'bastion-uploads-123456789012-eu-west-1',
 *   key: keys.uploads,
 *   accessLogs: archive.bucket,
 * });
 * uploads.grantApp(taskRole);
 */
export class Uploads extends Construct {
  public readonly bucket: s3.IBucket;
  private readonly props: UploadsProps;

  constructor(scope: Construct, id: string, props: UploadsProps) {
    super(scope, id);
    this.props = props;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_DEFAULTS,
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'uploads/',
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Exactly what the server does with files: put, get, delete objects (and abort multipart
   * uploads) in this bucket, with encrypt/decrypt through its key. No listing, no bucket
   * configuration.
   */
  public grantApp(role: iam.IRole): void {
    const objects = Stack.of(role).formatArn({
      service: 's3',
      region: '',
      account: '',
      resource: this.props.bucketName,
      resourceName: '*',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [objects],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.props.key.keyArn],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${nagPartition(role)}:s3:::${this.props.bucketName}/*]`,
      reason: 'Object keys are generated per upload; the grant is limited to this one bucket.',
    });
  }
}

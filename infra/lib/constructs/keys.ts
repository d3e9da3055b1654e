import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface KeysProps {
  /**
   * Days KMS waits before deleting a key scheduled for deletion.
   * @default - 30 days, the maximum
   */
  readonly pendingWindow?: Duration;
}

/**
 * Creates a customer-managed key with yearly automatic rotation that CloudWatch Logs (and
 * CloudWatch alarms and EventBridge rules publishing to SNS) may use in this account and region.
 */
export function createLogsKey(scope: Construct, id: string, pendingWindow?: Duration): kms.Key {
  const { account, region, partition } = Stack.of(scope);
  const key = new kms.Key(scope, id, {
    description: 'Bastion: CloudWatch Logs and alarm topics',
    enableKeyRotation: true,
    pendingWindow: pendingWindow ?? Duration.days(30),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogs',
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: [
        'kms:Encrypt*',
        'kms:Decrypt*',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:Describe*',
      ],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:*`,
        },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AlarmsAndEventsToEncryptedTopics',
      principals: [
        new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
        new iam.ServicePrincipal('events.amazonaws.com'),
      ],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': account } },
    }),
  );
  return key;
}

/**
 * The customer-managed KMS keys of a Bastion deployment, one per kind of data so that a key
 * policy, a grant or a rotation touches one kind only. All rotate automatically every year.
 *
 * @example
 * const keys = new Keys(this, 'Keys');
 * new rds.DatabaseInstance(this, 'Db', { storageEncryptionKey: keys.data, ... });
 */
export class Keys extends Construct {
  /** Database, cache, secrets and application field encryption. */
  public readonly data: kms.IKey;
  /** CloudWatch log groups and alarm topics. */
  public readonly logs: kms.IKey;
  /** The uploads bucket. */
  public readonly uploads: kms.IKey;

  constructor(scope: Construct, id: string, props: KeysProps = {}) {
    super(scope, id);
    const pendingWindow = props.pendingWindow ?? Duration.days(30);
    this.data = new kms.Key(this, 'Data', {
      description: 'Bastion: database, cache, secrets and field encryption',
      enableKeyRotation: true,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.uploads = new kms.Key(this, 'Uploads', {
      description: 'Bastion: uploaded files',
      enableKeyRotation: true,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logs = createLogsKey(this, 'Logs', pendingWindow);
  }
}

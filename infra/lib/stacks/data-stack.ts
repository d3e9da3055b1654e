import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BastionConfig } from '../config.ts';
import { Auth } from '../constructs/auth.ts';
import { CLOUDFRONT_RULES, Compliance, REGIONAL_RULES } from '../constructs/compliance.ts';
import { Data } from '../constructs/data.ts';
import { Keys } from '../constructs/keys.ts';
import { LogArchive, logArchiveBucketName } from '../constructs/log-archive.ts';
import { Network } from '../constructs/network.ts';
import { AppSecrets } from '../constructs/secrets.ts';
import { Uploads } from '../constructs/uploads.ts';

export interface DataStackProps extends StackProps {
  readonly config: BastionConfig;
}

/**
 * Everything that holds state and must outlive a redeploy of the application: network, keys,
 * secrets, database, cache, buckets, the user pool, the image repository and the account's
 * compliance recording. Deployed first; the stateless stacks only reference it.
 *
 * @example
 * const data = new DataStack(app, 'Bastion-Data', { env, config });
 */
export class DataStack extends Stack {
  public readonly keys: Keys;
  public readonly network: Network;
  public readonly logArchive: LogArchive;
  public readonly secrets: AppSecrets;
  public readonly data: Data;
  public readonly uploads: Uploads;
  public readonly auth: Auth;
  public readonly repository: ecr.IRepository;
  private readonly zones: readonly string[];

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.zones = config.availabilityZones;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.keys = new Keys(this, 'Keys');
    this.network = new Network(this, 'Network', {
      availabilityZones: config.availabilityZones,
      natGateways: config.sizes.natGateways,
      logsKey: this.keys.logs,
      logRetention,
    });
    this.logArchive = new LogArchive(this, 'LogArchive', {
      bucketName: logArchiveBucketName(config.account, config.region),
    });
    this.secrets = new AppSecrets(this, 'Secrets', {
      dataKey: this.keys.data,
      fieldEncryptionKey: this.keys.data,
    });
    this.data = new Data(this, 'Data', {
      vpc: this.network.vpc,
      dataKey: this.keys.data,
      logsKey: this.keys.logs,
      logRetention,
      redisAuthToken: this.secrets.redisAuthToken,
      dbInstanceType: config.sizes.dbInstanceType,
      dbAllocatedStorageGiB: config.sizes.dbAllocatedStorageGiB,
      cacheNodeType: config.sizes.cacheNodeType,
    });
    this.uploads = new Uploads(this, 'Uploads', {
      bucketName: `bastion-uploads-${config.account}-${config.region}`,
      key: this.keys.uploads,
      accessLogs: this.logArchive.bucket,
    });
    this.auth = new Auth(this, 'Auth', {
      appOrigin: `https://${config.domainName}`,
      domainPrefix: config.cognitoDomainPrefix,
    });
    this.repository = new ecr.Repository(this, 'Repository', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.keys.data,
      lifecycleRules: [{ maxImageCount: 50 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudFront's configuration is recorded in us-east-1: its rules join this region's
    // only when this region is us-east-1, else the edge stack carries them.
    const rules =
      this.region === 'us-east-1' ? [...REGIONAL_RULES, ...CLOUDFRONT_RULES] : REGIONAL_RULES;
    new Compliance(this, 'Compliance', {
      rules,
      deliveryBucket: this.logArchive.bucket,
      recorder: config.enableConfigRecorder,
      guardDuty: config.enableGuardDuty,
    });

    // What docs/deploy.md needs: where to push the image, which secrets to set or rotate.
    const outputs: Record<string, string> = {
      RepositoryUri: this.repository.repositoryUri,
      DatabaseSecretArn: this.data.databaseSecret.secretArn,
      RedisAuthTokenSecretArn: this.secrets.redisAuthToken.secretArn,
      RedisUrlSecretArn: this.data.redisUrl.secretArn,
      JwtSecretArn: this.secrets.jwtSecret.secretArn,
      FieldEncryptionKeyIdSecretArn: this.secrets.fieldEncryptionKeyId.secretArn,
      SmtpUrlSecretArn: this.secrets.smtpUrl.secretArn,
      AdminPasswordSecretArn: this.secrets.adminPassword.secretArn,
      CacheReplicationGroupId: this.data.cache.ref,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }

  /** The configured zones: the VPC checks against this list, which would otherwise be a lookup. */
  override get availabilityZones(): string[] {
    return [...this.zones];
  }
}

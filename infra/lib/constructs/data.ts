import { Duration, Fn, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface DataProps {
  readonly vpc: ec2.IVpc;
  /** Encrypts storage, snapshots, the credentials secret and the cache. */
  readonly dataKey: kms.IKey;
  /** Encrypts the exported database and cache logs. */
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** ElastiCache AUTH token. */
  readonly redisAuthToken: secretsmanager.ISecret;
  readonly dbInstanceType: string;
  readonly dbAllocatedStorageGiB: number;
  readonly cacheNodeType: string;
  /**
   * Postgres listens here; a non-default port keeps it off generic 5432 scans.
   * @default 5433
   */
  readonly dbPort?: number;
  /**
   * @default 6380
   */
  readonly cachePort?: number;
  /**
   * Also names the database log groups.
   * @default 'bastion'
   */
  readonly dbInstanceIdentifier?: string;
}

/**
 * Bastion's state: PostgreSQL (RDS, Multi-AZ, CMK-encrypted, IAM auth, rotated credentials)
 * and Redis (ElastiCache replication group, TLS + AUTH, automatic failover), both in isolated
 * subnets and reachable only from what is explicitly allowed to (`allowToDefaultPort`).
 *
 * @example
 * const data = new Data(this, 'Data', { vpc, dataKey: keys.data, ... });
 * service.connections.allowToDefaultPort(data.databaseConnections);
 * service.connections.allowToDefaultPort(data.cacheConnections);
 */
export class Data extends Construct {
  public readonly database: rds.DatabaseInstance;
  /** Master credentials (JSON: username, password, host, port, dbname), rotated every 30 days. */
  public readonly databaseSecret: secretsmanager.ISecret;
  public readonly cache: elasticache.CfnReplicationGroup;
  public readonly cacheHost: string;
  public readonly cachePort: number;
  /** `rediss://:<auth token>@<primary endpoint>:<port>`, derived from the AUTH token secret. */
  public readonly redisUrl: secretsmanager.ISecret;
  /** The database's security group and (literal) port, for `connections.allowToDefaultPort`. */
  public readonly databaseConnections: ec2.Connections;
  /** The cache's security group and port, for `connections.allowToDefaultPort`. */
  public readonly cacheConnections: ec2.Connections;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const { vpc } = props;
    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const identifier = props.dbInstanceIdentifier ?? 'bastion';
    this.cachePort = props.cachePort ?? 6380;
    const dbPort = props.dbPort ?? 5433;

    const dbSg = new ec2.SecurityGroup(this, 'DatabaseSg', {
      vpc,
      description: 'Bastion PostgreSQL',
      allowAllOutbound: false,
    });
    const cacheSg = new ec2.SecurityGroup(this, 'CacheSg', {
      vpc,
      description: 'Bastion Redis',
      allowAllOutbound: false,
    });

    const dbLogs = ['postgresql', 'upgrade'].map(
      (type) =>
        new logs.LogGroup(this, `Db-${type}-Logs`, {
          logGroupName: `/aws/rds/instance/${identifier}/${type}`,
          encryptionKey: props.logsKey,
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
    );
    this.database = new rds.DatabaseInstance(this, 'Postgres', {
      instanceIdentifier: identifier,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(props.dbInstanceType),
      vpc,
      vpcSubnets: isolated,
      securityGroups: [dbSg],
      port: dbPort,
      databaseName: 'bastion',
      credentials: rds.Credentials.fromGeneratedSecret('bastion', {
        encryptionKey: props.dataKey,
      }),
      multiAz: true,
      publiclyAccessible: false,
      storageEncrypted: true,
      storageEncryptionKey: props.dataKey,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.dbAllocatedStorageGiB,
      maxAllocatedStorage: props.dbAllocatedStorageGiB * 4,
      iamAuthentication: true,
      deletionProtection: true,
      backupRetention: Duration.days(14),
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      parameterGroup: new rds.ParameterGroup(this, 'Params', {
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
        parameters: {
          'rds.force_ssl': '1',
          password_encryption: 'scram-sha-256',
          log_connections: '1',
          log_disconnections: '1',
        },
      }),
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    for (const group of dbLogs) this.database.node.addDependency(group);
    this.databaseSecret = this.database.secret!;
    this.databaseConnections = new ec2.Connections({
      securityGroups: [dbSg],
      defaultPort: ec2.Port.tcp(dbPort),
    });
    this.database.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });

    const slowLog = new logs.LogGroup(this, 'CacheSlowLog', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const subnets = new elasticache.CfnSubnetGroup(this, 'CacheSubnets', {
      description: 'Bastion Redis (isolated subnets)',
      subnetIds: vpc.selectSubnets(isolated).subnetIds,
    });
    this.cache = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'Bastion sessions, rate limits and signature nonces',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: props.cacheNodeType,
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: this.cachePort,
      atRestEncryptionEnabled: true,
      kmsKeyId: props.dataKey.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      // A dynamic reference: CloudFormation resolves it, the template never holds the token.
      authToken: props.redisAuthToken.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [cacheSg.securityGroupId],
      snapshotRetentionLimit: 7,
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          logFormat: 'json',
          logType: 'slow-log',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
        },
      ],
    });
    this.cacheHost = this.cache.attrPrimaryEndPointAddress;
    // Built by CloudFormation from a dynamic reference: no template holds the token.
    this.redisUrl = new secretsmanager.Secret(this, 'RedisUrl', {
      description: 'Bastion: REDIS_URL (derived from the AUTH token secret)',
      encryptionKey: props.dataKey,
      removalPolicy: RemovalPolicy.DESTROY,
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join('', [
          'rediss://:',
          props.redisAuthToken.secretValue.unsafeUnwrap(),
          `@${this.cacheHost}:${this.cachePort}`,
        ]),
      ),
    });
    Validations.of(this.redisUrl).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Derived from the AUTH token secret and re-derived when that token is rotated.',
    });
    this.cacheConnections = new ec2.Connections({
      securityGroups: [cacheSg],
      defaultPort: ec2.Port.tcp(this.cachePort),
    });
  }
}

/**
 * Typed deployment configuration. `bin/bastion.ts` reads it from CDK context (cdk.json or
 * `-c key=value`) once; every stack and construct receives what it needs through props.
 */
export interface BastionConfig {
  /** AWS account id, 12 digits. */
  readonly account: string;
  /** Region of the stateful and stateless stacks. The edge stack is always us-east-1. */
  readonly region: string;
  /** Availability zones for the VPC; listed explicitly so synthesis needs no lookup. */
  readonly availabilityZones: readonly string[];
  /** Public host name users browse to, e.g. `bastion.example.com`. */
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /** Receives the security and operations alarms. */
  readonly alarmEmail: string;
  /** Tag of the Bastion image in the stack's ECR repository. */
  readonly imageTag: string;
  /** Prefix of the Cognito hosted UI domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  readonly cognitoDomainPrefix: string;
  /** Id of `com.amazonaws.global.cloudfront.origin-facing` in `region` (a per-region constant). */
  readonly cloudFrontPrefixListId: string;
  readonly sizes: BastionSizes;
  readonly logRetentionDays: number;
  /** Off when the organisation already runs GuardDuty / AWS Config in this account. */
  readonly enableGuardDuty: boolean;
  readonly enableConfigRecorder: boolean;
}

export interface BastionSizes {
  readonly natGateways: number;
  readonly taskCpu: number;
  readonly taskMemoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly dbInstanceType: string;
  readonly dbAllocatedStorageGiB: number;
  readonly cacheNodeType: string;
}

/** Reads one context value; `app.node.tryGetContext` in production, a map in tests. */
export type ContextReader = (key: string) => unknown;

const DEFAULT_SIZES: BastionSizes = {
  natGateways: 2,
  taskCpu: 1024,
  taskMemoryMiB: 4096,
  minTasks: 2,
  maxTasks: 10,
  dbInstanceType: 't4g.medium',
  dbAllocatedStorageGiB: 50,
  cacheNodeType: 'cache.t4g.small',
};

function text(read: ContextReader, key: string, pattern: RegExp, fallback?: string): string {
  const raw = read(key) ?? fallback;
  if (typeof raw !== 'string' || !pattern.test(raw)) {
    throw new Error(`context "${key}" must match ${pattern} (got ${JSON.stringify(raw)})`);
  }
  return raw;
}

function integer(read: ContextReader, key: string, fallback: number, min: number): number {
  const raw = read(key);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`context "${key}" must be an integer >= ${min} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function flag(read: ContextReader, key: string, fallback: boolean): boolean {
  const raw = read(key);
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context "${key}" must be true or false (got ${JSON.stringify(raw)})`);
}

function zones(read: ContextReader, region: string): string[] {
  const raw = read('availabilityZones');
  const list =
    raw === undefined
      ? [`${region}a`, `${region}b`]
      : typeof raw === 'string'
        ? raw.split(',').map((zone) => zone.trim())
        : raw;
  const valid = (zone: unknown): zone is string =>
    typeof zone === 'string' && zone.startsWith(region);
  if (!Array.isArray(list) || list.length < 2 || !list.every(valid)) {
    throw new Error(`context "availabilityZones" must list two or more zones of ${region}`);
  }
  return list;
}

/** The retention periods CloudWatch Logs accepts. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Parses and validates the deployment configuration, failing with the offending key.
 *
 * @example
 * const config = loadConfig((key) => app.node.tryGetContext(key));
 */
export function loadConfig(read: ContextReader): BastionConfig {
  const region = text(read, 'region', /^[a-z]{2}(-[a-z]+)+-\d$/);
  const domainName = text(read, 'domainName', HOST);
  const hostedZoneName = text(read, 'hostedZoneName', HOST);
  if (domainName !== hostedZoneName && !domainName.endsWith(`.${hostedZoneName}`)) {
    throw new Error(`domainName ${domainName} is not inside hosted zone ${hostedZoneName}`);
  }
  const availabilityZones = zones(read, region);
  const logRetentionDays = integer(read, 'logRetentionDays', 365, 1);
  if (!RETENTION_DAYS.includes(logRetentionDays)) {
    throw new Error(`context "logRetentionDays" must be one of ${RETENTION_DAYS.join(', ')}`);
  }
  const sizes: BastionSizes = {
    natGateways: integer(read, 'natGateways', DEFAULT_SIZES.natGateways, 1),
    taskCpu: integer(read, 'taskCpu', DEFAULT_SIZES.taskCpu, 256),
    taskMemoryMiB: integer(read, 'taskMemoryMiB', DEFAULT_SIZES.taskMemoryMiB, 2048),
    minTasks: integer(read, 'minTasks', DEFAULT_SIZES.minTasks, 0),
    maxTasks: integer(read, 'maxTasks', DEFAULT_SIZES.maxTasks, 1),
    dbInstanceType: text(
      read,
      'dbInstanceType',
      /^[a-z0-9]+\.[a-z0-9]+$/,
      DEFAULT_SIZES.dbInstanceType,
    ),
    dbAllocatedStorageGiB: integer(
      read,
      'dbAllocatedStorageGiB',
      DEFAULT_SIZES.dbAllocatedStorageGiB,
      20,
    ),
    cacheNodeType: text(
      read,
      'cacheNodeType',
      /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
      DEFAULT_SIZES.cacheNodeType,
    ),
  };
  if (sizes.maxTasks < sizes.minTasks) throw new Error('maxTasks must be >= minTasks');
  return {
    account: text(read, 'account', /^\d{12}$/),
    region,
    availabilityZones,
    domainName,
    hostedZoneId: text(read, 'hostedZoneId', /^Z[A-Z0-9]{1,31}$/),
    hostedZoneName,
    alarmEmail: text(read, 'alarmEmail', /^[^@\s]+@[^@\s]+\.[^@\s]+$/),
    imageTag: text(read, 'imageTag', /^[\w][\w.-]{0,127}$/),
    cognitoDomainPrefix: text(read, 'cognitoDomainPrefix', /^[a-z0-9](-?[a-z0-9])*$/),
    cloudFrontPrefixListId: text(read, 'cloudFrontPrefixListId', /^pl-[0-9a-f]{8,17}$/),
    sizes,
    logRetentionDays,
    enableGuardDuty: flag(read, 'enableGuardDuty', true),
    enableConfigRecorder: flag(read, 'enableConfigRecorder', true),
  };
}

import { Duration, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ApiTaskProps {
  /** The Bastion image (the compiled binary at /app/bastion). */
  readonly image: ecs.ContainerImage;
  /** Non-secret configuration only: ECS_NO_ENVIRONMENT_SECRETS is enforced by AWS Config. */
  readonly environment: Readonly<Record<string, string>>;
  /** Everything confidential, resolved by ECS from Secrets Manager at task start. */
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
  readonly appLogGroup: logs.ILogGroup;
  readonly sidecarLogGroup: logs.ILogGroup;
  readonly cpu: number;
  readonly memoryMiB: number;
  /**
   * @default 3000
   */
  readonly port?: number;
  /**
   * ClamAV image running clamd and freshclam (mirror it into ECR for production).
   * @default 'clamav/clamav:1.4'
   */
  readonly clamavImage?: string;
  /**
   * AWS Distro for OpenTelemetry collector image.
   * @default 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3'
   */
  readonly otelImage?: string;
}

/** OTLP in on loopback, batched, out to X-Ray: nothing else, so the task role needs X-Ray only. */
const OTEL_CONFIG = `receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:4317" }
      http: { endpoint: "127.0.0.1:4318" }
processors:
  batch: {}
exporters:
  awsxray: {}
service:
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [awsxray] }
`;

/** uid:gid of `nonroot` in the distroless runtime image (see Dockerfile). */
export const BASTION_USER = '65532:65532';

/**
 * The Fargate task definition: the Bastion container (read-only root filesystem, non-root
 * user, health check through the binary itself, secrets from Secrets Manager), a clamd sidecar
 * that keeps its signatures fresh with freshclam, and an ADOT collector exporting traces to
 * X-Ray. Writable paths are task-scoped volumes.
 *
 * @example
 * const task = new ApiTask(this, 'Task', { image, environment, secrets, appLogGroup, ... });
 * new ecs.FargateService(this, 'Svc', { taskDefinition: task.definition, ... });
 */
export class ApiTask extends Construct {
  public readonly definition: ecs.FargateTaskDefinition;
  public readonly app: ecs.ContainerDefinition;
  public readonly port: number;

  constructor(scope: Construct, id: string, props: ApiTaskProps) {
    super(scope, id);
    this.port = props.port ?? 3000;
    const def = new ecs.FargateTaskDefinition(this, 'Definition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.definition = def;
    // Task-scoped scratch volumes: the only writable paths under read-only root filesystems.
    for (const name of ['app-tmp', 'clamav-db', 'clamav-run', 'clamav-log', 'clamav-tmp']) {
      def.addVolume({ name });
    }
    const mount = (container: ecs.ContainerDefinition, sourceVolume: string, path: string) =>
      container.addMountPoints({ sourceVolume, containerPath: path, readOnly: false });

    this.app = def.addContainer('bastion', {
      image: props.image,
      essential: true,
      readonlyRootFilesystem: true,
      user: BASTION_USER,
      portMappings: [{ containerPort: this.port, name: 'http' }],
      environment: { ...props.environment, NODE_ENV: 'production', PORT: String(this.port) },
      secrets: { ...props.secrets },
      healthCheck: {
        command: ['CMD', '/app/bastion', '--healthcheck'],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.appLogGroup, streamPrefix: 'bastion' }),
    });
    mount(this.app, 'app-tmp', '/tmp');

    const clamav = def.addContainer('clamav', {
      image: ecs.ContainerImage.fromRegistry(props.clamavImage ?? 'clamav/clamav:1.4'),
      essential: true,
      readonlyRootFilesystem: true,
      memoryReservationMiB: 2048,
      portMappings: [{ containerPort: 3310, name: 'clamd' }],
      // The image's default command starts freshclam (signature updates) and clamd.
      healthCheck: {
        command: ['CMD-SHELL', 'clamdcheck.sh'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
        retries: 3,
        startPeriod: Duration.seconds(300),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.sidecarLogGroup, streamPrefix: 'clamav' }),
    });
    mount(clamav, 'clamav-db', '/var/lib/clamav');
    mount(clamav, 'clamav-run', '/run/clamav');
    mount(clamav, 'clamav-log', '/var/log/clamav');
    mount(clamav, 'clamav-tmp', '/tmp');
    this.app.addContainerDependencies({
      container: clamav,
      condition: ecs.ContainerDependencyCondition.START,
    });

    def.addContainer('otel', {
      image: ecs.ContainerImage.fromRegistry(
        props.otelImage ?? 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3',
      ),
      essential: false,
      readonlyRootFilesystem: true,
      memoryReservationMiB: 128,
      environment: { AOT_CONFIG_CONTENT: OTEL_CONFIG },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.sidecarLogGroup, streamPrefix: 'otel' }),
    });
    def.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:GetSamplingStatisticSummaries',
        ],
        resources: ['*'],
      }),
    );

    Validations.of(def.taskRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace and sampling APIs have no resource-level permissions.',
    });
    Validations.of(def.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions (ECS pull role).',
    });
    Validations.of(def).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'Environment holds non-secret configuration only (hosts, ports, ids); every secret is an ' +
        'ECS secret from Secrets Manager, and AWS Config rule ecs-no-environment-secrets checks it.',
    });
  }
}

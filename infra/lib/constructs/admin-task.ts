import { Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BASTION_USER } from './api-task.ts';

export interface AdminTaskProps {
  /** The Bastion image; its `/app/bastion-cli` is `bun run cli` compiled. */
  readonly image: ecs.ContainerImage;
  /** The same configuration the service runs with. */
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
  readonly logGroup: logs.ILogGroup;
  /**
   * @default 512
   */
  readonly cpu?: number;
  /**
   * @default 1024
   */
  readonly memoryMiB?: number;
}

/**
 * A one-off Fargate task definition for operator commands (`migrate`, `create-admin`), run
 * with `aws ecs run-task` and a command override. Production refuses to start on a schema
 * that is behind, so every release runs `migrate` through this first (docs/deploy.md).
 *
 * @example
 * const admin = new AdminTask(this, 'Admin', { image, environment, secrets, logGroup });
 */
export class AdminTask extends Construct {
  public readonly definition: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: AdminTaskProps) {
    super(scope, id);
    this.definition = new ecs.FargateTaskDefinition(this, 'Definition', {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryMiB ?? 1024,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.definition.addVolume({ name: 'tmp' });
    const cli = this.definition.addContainer('bastion-cli', {
      image: props.image,
      essential: true,
      readonlyRootFilesystem: true,
      user: BASTION_USER,
      entryPoint: ['/app/bastion-cli'],
      command: ['migrate'],
      environment: { ...props.environment, NODE_ENV: 'production' },
      secrets: { ...props.secrets },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'admin' }),
    });
    cli.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
    Validations.of(this.definition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'Environment holds non-secret configuration only; secrets are ECS secrets.',
    });
    Validations.of(this.definition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions (ECS pull role).',
    });
  }
}

import type { App } from 'aws-cdk-lib';
import type { BastionConfig } from './config.ts';
import { logArchiveBucketName } from './constructs/log-archive.ts';
import { AppStack } from './stacks/app-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { EdgeStack } from './stacks/edge-stack.ts';

export interface BastionStacks {
  readonly data: DataStack;
  readonly edge: EdgeStack;
  readonly app: AppStack;
}

/** Stack names; deploy in this order (docs/deploy.md). */
export const STACK_NAMES = {
  data: 'Bastion-Data',
  edge: 'Bastion-Edge',
  app: 'Bastion-App',
} as const;

/**
 * Adds Bastion's three stacks to `app`: stateful data (main region), edge (us-east-1,
 * CloudFront's WAF, certificate and Lambda@Edge) and the stateless app (main region). Both
 * regions are explicit, so nothing is looked up at synthesis. Cross-stack references are
 * weak (`Fn::GetStackOutput`, context `@aws-cdk/core:defaultCrossStackReferences` in
 * infra/cdk.json), which also carries the us-east-1 values into the main region.
 *
 * @example
 * const app = new App();
 * createBastion(app, loadConfig((key) => app.node.tryGetContext(key)));
 */
export function createBastion(app: App, config: BastionConfig): BastionStacks {
  const env = { account: config.account, region: config.region };
  const tags = { project: 'bastion' };
  const data = new DataStack(app, STACK_NAMES.data, {
    env,
    config,
    tags,
    terminationProtection: true,
    description:
      'Bastion stateful resources: network, keys, secrets, database, cache, buckets, identity',
  });
  const edge = new EdgeStack(app, STACK_NAMES.edge, {
    env: { account: config.account, region: 'us-east-1' },
    config,
    tags,
    configDeliveryBucketName:
      config.region === 'us-east-1'
        ? undefined
        : logArchiveBucketName(config.account, config.region),
    description: 'Bastion edge resources in us-east-1: CloudFront WAF, certificate, Lambda@Edge',
  });
  const stateless = new AppStack(app, STACK_NAMES.app, {
    env,
    config,
    tags,
    data,
    edge: edge.edge,
    description: 'Bastion stateless resources: Fargate API, ALB, CloudFront, DNS, monitoring',
  });
  stateless.addStackDependency(edge);
  return { data, edge, app: stateless };
}

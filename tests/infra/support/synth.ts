/**
 * Builds and synthesizes the Bastion CDK app once per test process, with the context that
 * `bun run cdk synth` uses (infra/cdk.json), and shares the result between test files.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import cdkJson from '../../../infra/cdk.json' with { type: 'json' };
import { type BastionStacks, createBastion } from '../../../infra/lib/app.ts';
import { type BastionConfig, loadConfig } from '../../../infra/lib/config.ts';

export interface Synthesized {
  readonly config: BastionConfig;
  readonly stacks: BastionStacks;
  readonly assembly: CloudAssembly;
  readonly data: Template;
  readonly edge: Template;
  readonly app: Template;
  /** cdk-nag AWS Solutions over the whole construct tree. */
  readonly nag: PolicyValidationPluginReport;
}

export const CDK_CONTEXT: Readonly<Record<string, unknown>> = cdkJson.context;

let cached: Synthesized | undefined;

/** The synthesized app; the first call pays for synthesis (a few seconds), later ones are free. */
export function synthesized(): Synthesized {
  if (cached) return cached;
  const app = new App({
    context: { ...CDK_CONTEXT },
    outdir: mkdtempSync(join(tmpdir(), 'bastion-cdk-')),
  });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const stacks = createBastion(app, config);
  const assembly = app.synth();
  const template = (name: string) =>
    Template.fromJSON(assembly.getStackByName(name).template as Record<string, unknown>);
  cached = {
    config,
    stacks,
    assembly,
    data: template(stacks.data.stackName),
    edge: template(stacks.edge.stackName),
    app: template(stacks.app.stackName),
    nag: new AwsSolutionsChecks(app).validateScope(app),
  };
  return cached;
}

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

/** A resource as it appears in a template: its type, properties and attributes. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Every resource of `type` in `template`, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, TemplateResource> {
  return template.findResources(type) as Record<string, TemplateResource>;
}

/** The single resource of `type`; fails the test when there is not exactly one. */
export function onlyResource(template: Template, type: string): TemplateResource {
  const found = Object.values(resourcesOf(template, type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

/** All three templates, for properties every stack must have. */
export function allTemplates(s: Synthesized): Template[] {
  return [s.data, s.edge, s.app];
}

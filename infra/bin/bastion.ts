#!/usr/bin/env bun
/**
 * CDK entry point (`bun run cdk synth` runs it through infra/cdk.json). Reads the typed
 * configuration from context once, builds the stacks and lets cdk-nag's AWS Solutions pack
 * fail synthesis on any unacknowledged finding.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createBastion } from '../lib/app.ts';
import { loadConfig } from '../lib/config.ts';

const app = new App();
createBastion(
  app,
  loadConfig((key) => app.node.tryGetContext(key)),
);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Validations } from 'aws-cdk-lib';
import { type Synthesized, synthesized } from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let s: Synthesized;
beforeAll(() => {
  s = synthesized();
});

/** Asset hashes and code-derived ids change with every dependency bump: mask them. */
function masked(template: unknown): unknown {
  const text = JSON.stringify(template, (key, value) =>
    key === 'CDKMetadata' ? undefined : value,
  ).replace(/[0-9a-fA-F]{32,64}/g, '<hash>');
  return JSON.parse(text);
}

describe('synthesis', () => {
  test('needs no lookup: the cloud assembly lists no missing context', () => {
    expect(s.assembly.manifest.missing ?? []).toEqual([]);
  });

  test('the stateful, edge and stateless stacks deploy in that order', () => {
    const order = s.assembly.stacksRecursively.map((stack) => stack.stackName);
    expect(order).toEqual(['Bastion-Data', 'Bastion-Edge', 'Bastion-App']);
    const app = s.assembly.getStackByName('Bastion-App');
    expect(app.dependencies.map((d) => d.id)).toEqual(
      expect.arrayContaining(['Bastion-Data', 'Bastion-Edge']),
    );
    expect(s.stacks.edge.region).toBe('us-east-1');
    expect(s.stacks.data.region).toBe(s.config.region);
    expect(s.stacks.data.terminationProtection).toBe(true);
  });

  test('the stateful stack holds every database, cache, key, secret and data bucket', () => {
    for (const type of [
      'AWS::RDS::DBInstance',
      'AWS::ElastiCache::ReplicationGroup',
      'AWS::Cognito::UserPool',
      'AWS::ECR::Repository',
    ]) {
      expect(Object.keys(s.data.findResources(type)).length).toBe(1);
      expect(Object.keys(s.app.findResources(type)).length).toBe(0);
    }
    expect(Object.keys(s.app.findResources('AWS::KMS::Key')).length).toBe(0);
  });

  test('the templates match the committed snapshot (asset hashes masked)', () => {
    expect({
      data: masked(s.data.toJSON()),
      edge: masked(s.edge.toJSON()),
      app: masked(s.app.toJSON()),
    }).toMatchSnapshot();
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  test('reports no violation', () => {
    const findings = s.nag.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(s.nag.success).toBe(true);
  });

  test('every acknowledgement names its rule and gives a reason', () => {
    const acknowledged: Array<[string, string]> = [];
    for (const stack of [s.stacks.data, s.stacks.edge, s.stacks.app]) {
      for (const construct of stack.node.findAll()) {
        for (const entry of construct.node.metadata) {
          if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          acknowledged.push(...Object.entries(entry.data as Record<string, string>));
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThan(10);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(
        /^(Annotation::)?(AwsSolutions-[A-Z]+\d+(\[.+\])?|CloudFormation-Validate::[EFW]\d+)$/,
      );
      expect(reason.length).toBeGreaterThan(30);
    }
  });
});

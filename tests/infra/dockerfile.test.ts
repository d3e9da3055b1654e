import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { synthesized } from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const ROOT = join(import.meta.dir, '..', '..');
const dockerfile = await Bun.file(join(ROOT, 'Dockerfile')).text();
const dockerignore = await Bun.file(join(ROOT, '.dockerignore')).text();
const stages = dockerfile.split(/^FROM /m).slice(1);

describe('Dockerfile', () => {
  test('is multi-stage and installs exactly the lockfile', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toContain('bun install --frozen-lockfile');
  });

  test('builds the client and the binaries with the same package scripts CI uses', () => {
    expect(dockerfile).toContain('bun run build:client');
    expect(dockerfile).toContain('bun run build:server');
    expect(packageJson.scripts['build:server']).toContain(
      'bun build --compile server/main.ts --outfile dist/bastion',
    );
    for (const external of ['better-sqlite3', 'mysql2', 'tedious', 'oracledb', 'pg-native']) {
      expect(packageJson.scripts['build:server']).toContain(`--external ${external}`);
    }
  });

  test('ships a distroless runtime with the binaries only, as a non-root user', () => {
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^gcr\.io\/distroless\/\S+:nonroot/);
    expect(runtime).toContain('USER 65532:65532');
    expect(runtime).not.toMatch(/node_modules|COPY server|COPY \. /);
    expect(runtime).not.toMatch(/^RUN /m);
  });

  test('checks health through the binary, exactly as the ECS task definition does', () => {
    const healthcheck = dockerfile.match(/HEALTHCHECK[^[]*(\[[^\]]*\])/);
    const command = JSON.parse(healthcheck?.[1] ?? 'null') as string[];
    expect(command).toEqual(['/app/bastion', '--healthcheck']);
    const definitions = Object.values(
      synthesized().app.findResources('AWS::ECS::TaskDefinition'),
    ).flatMap(
      (def) =>
        def.Properties.ContainerDefinitions as Array<{
          Name: string;
          HealthCheck?: { Command: string[] };
        }>,
    );
    const bastion = definitions.find((definition) => definition.Name === 'bastion');
    expect(bastion?.HealthCheck?.Command).toEqual(['CMD', ...command]);
    expect(dockerfile).toContain('ENTRYPOINT ["/app/bastion"]');
  });

  test('.dockerignore lets in only what the build needs', () => {
    const lines = dockerignore.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lines[0]).toBe('**');
    expect(lines).toContain('**/node_modules');
    expect(lines).not.toContain('!infra/**');
  });
});

import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { createDatabase } from '../../server/lib/database.ts';
import { onlyResource, synthesized } from './support/synth.ts';

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

  test('the image carries the RDS CA bundle that DATABASE_URL pins, and the server trusts only it (ASVS 12.3.4)', async () => {
    const BUNDLE = '/app/certs/rds-global-bundle.pem';
    // The image: Amazon's RDS trust store, fetched over HTTPS at build time, read-only at run time.
    expect(dockerfile).toMatch(
      /ADD --chmod=0444 https:\/\/truststore\.pki\.rds\.amazonaws\.com\/global\/global-bundle\.pem \\\s+\/out\/certs\/rds-global-bundle\.pem/,
    );
    expect(stages.at(-1)).toContain('COPY --from=build --chown=0:0 /out/certs /app/certs');

    // The deployment: the database presents an RDS CA certificate, and every task that reaches
    // it verifies the full chain and the host name against that bundle.
    const { app, data } = synthesized();
    expect(onlyResource(data, 'AWS::RDS::DBInstance').Properties.CACertificateIdentifier).toBe(
      'rds-ca-rsa2048-g1',
    );
    const urls = Object.values(app.findResources('AWS::ECS::TaskDefinition'))
      .flatMap(
        (def) =>
          def.Properties.ContainerDefinitions as Array<{
            Environment?: Array<{ Name: string; Value: unknown }>;
          }>,
      )
      .flatMap((c) => c.Environment ?? [])
      .filter((variable) => variable.Name === 'DATABASE_URL')
      .map((variable) => JSON.stringify(variable.Value));
    expect(urls.length).toBeGreaterThanOrEqual(1);
    for (const url of urls) expect(url).toContain(`?sslmode=verify-full&sslrootcert=${BUNDLE}`);

    // The server: those parameters reach the PostgreSQL driver as its only trusted CA, with
    // verification left on (nothing is opened; the bundle is a stand-in file).
    const dir = mkdtempSync(join(tmpdir(), 'bastion-ca-'));
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n');
    const db = await createDatabase({
      url: `postgres://bastion@db.internal:5432/bastion?sslmode=verify-full&sslrootcert=${bundle}`,
    });
    try {
      const settings = (db.knex.client as { connectionSettings: { ssl?: unknown } })
        .connectionSettings;
      expect(settings.ssl).toEqual({ ca: await Bun.file(bundle).text() });
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('.dockerignore lets in only what the build needs', () => {
    const lines = dockerignore.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lines[0]).toBe('**');
    expect(lines).toContain('**/node_modules');
    expect(lines).not.toContain('!infra/**');
  });
});

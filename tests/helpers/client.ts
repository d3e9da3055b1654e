import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');

/**
 * Build the browser client once if it is missing (a fresh checkout that ran only
 * `bun install && bun test`): the server serves client/dist, as in production.
 */
export function ensureClientBuilt(): void {
  if (existsSync(join(ROOT, 'client', 'dist', 'index.html'))) return;
  const build = Bun.spawnSync(['bun', 'client/build.ts'], { cwd: ROOT, stderr: 'pipe' });
  if (build.exitCode !== 0) throw new Error(`client build failed: ${build.stderr.toString()}`);
}

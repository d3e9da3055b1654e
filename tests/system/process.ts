import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { ensureClientBuilt } from '../helpers/client.ts';

export const ROOT = join(import.meta.dir, '..', '..');

export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'bastion-system-'));

export interface Running {
  readonly proc: Subprocess<'ignore' | 'pipe', 'pipe', 'pipe'>;
  readonly url: string;
  /** Every log line printed so far (stdout), parsed as JSON where possible. */
  readonly lines: () => Array<Record<string, unknown>>;
}

/** Read a stream into an array of lines as they arrive. */
function collect(stream: ReadableStream<Uint8Array>, into: string[]): void {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = stream.getReader();
  void (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      buffered += decoder.decode(read.value, { stream: true });
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      into.push(...parts.filter(Boolean));
    }
    if (buffered) into.push(buffered);
  })();
}

/** Start `bun server/main.ts` on a free port and wait until it says it is listening. */
export async function startServer(env: Record<string, string>): Promise<Running> {
  ensureClientBuilt();
  const proc = Bun.spawn(['bun', 'server/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const raw: string[] = [];
  collect(proc.stdout, raw);
  const lines = () =>
    raw.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { msg: line };
      }
    });
  for (let waited = 0; waited < 30_000; waited += 50) {
    const ready = lines().find((line) => line.msg === 'Bastion is listening');
    if (ready) return { proc, url: String(ready.url).replace('0.0.0.0', '127.0.0.1'), lines };
    if (proc.exitCode !== null) break;
    await Bun.sleep(50);
  }
  proc.kill();
  throw new Error(
    `server did not start: ${raw.join('\n')}\n${await new Response(proc.stderr).text()}`,
  );
}

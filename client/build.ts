/** Build the browser client into client/dist: bundled, minified, hashed nothing inline (CSP). */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dir;
const out = join(root, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await Bun.build({
  entrypoints: [join(root, 'src/main.tsx')],
  outdir: out,
  minify: true,
  sourcemap: 'linked',
  target: 'browser',
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
cpSync(join(root, 'public'), out, { recursive: true });
cpSync(join(root, 'index.html'), join(out, 'index.html'));
console.log(`client built into ${out}`);

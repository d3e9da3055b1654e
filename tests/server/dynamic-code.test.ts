import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const ROOT = join(import.meta.dir, '..', '..');

/**
 * Ways to turn a string into running code. Lint has `noGlobalEval`, but lint is not a test and
 * covers only the first of these.
 */
const DYNAMIC_CODE: ReadonlyArray<readonly [string, RegExp]> = [
  ['eval', /(?<![\w$.])eval\s*\(|\.\s*eval\s*\(/],
  ['the Function constructor', /(?<![\w$])(?:new\s+)?Function\s*\(/],
  ['a string timer', /\bset(?:Timeout|Interval|Immediate)\s*\(\s*['"`]/],
  ['node:vm', /['"](?:node:)?vm['"]|\brunIn(?:New|This)?Context\s*\(/],
  ['a computed import', /\bimport\s*\(\s*(?!['"][^'"`$]*['"]\s*\))/],
];

/** What in `source` would run a string as code, as "kind: line". */
function dynamicCode(source: string): string[] {
  return source
    .split('\n')
    .flatMap((line) =>
      DYNAMIC_CODE.filter(([, pattern]) => pattern.test(line)).map(
        ([kind]) => `${kind}: ${line.trim()}`,
      ),
    );
}

describe('no dynamic code execution (ASVS 1.3.2)', () => {
  test.each([
    'eval(input)',
    'globalThis.eval(input)',
    'const f = new Function("a", body);',
    'Function(body)()',
    'setTimeout("run()", 10)',
    'setInterval(`tick()`, 10)',
    "import vm from 'node:vm';",
    'vm.runInNewContext(code)',
    'await import(moduleName)',
    "await import('./plugins/' + name)",
  ])('the scan flags %s', (line) => {
    expect(dynamicCode(line)).toHaveLength(1);
  });

  test.each([
    'setTimeout(() => reject(new Error("timeout")), 5)',
    'const evaluated = evaluate(x);',
    'retrieval(x)',
    "const { default: Client } = await import('knex-pglite');",
    'class Function2 {}',
    'isFunction(x)',
  ])('the scan lets %s through', (line) => {
    expect(dynamicCode(line)).toEqual([]);
  });

  test('server/ and client/src/ never run a string as code', async () => {
    const findings: string[] = [];
    let scanned = 0;
    for (const folder of ['server', 'client/src']) {
      for await (const file of new Bun.Glob('**/*.{ts,tsx,js,jsx,mjs}').scan(join(ROOT, folder))) {
        scanned += 1;
        const source = await Bun.file(join(ROOT, folder, file)).text();
        findings.push(...dynamicCode(source).map((finding) => `${folder}/${file}: ${finding}`));
      }
    }
    expect(scanned).toBeGreaterThan(40);
    expect(findings).toEqual([]);
  });
});

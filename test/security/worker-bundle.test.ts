/**
 * The worker bundle as `wrangler deploy` would upload it holds no run-time
 * code generation that can run. workerd refuses `eval` and `new Function`
 * anyway, so such a call would be a request failing in production only (the
 * vitest pool allows both, see NOTES.md).
 *
 * Two scans of the minified bundle:
 * - the text, for `eval(`, `new Function` and `Function(`, as a reviewer
 *   would grep it: every hit must sit inside a string literal;
 * - the syntax tree, for any reference to `eval` or `Function` as a value
 *   (which catches `const F = Function; new F(…)`, invisible to grep).
 *
 * What the bundle holds, and why none of it runs in workerd:
 * - `(0,eval)(fs.readFileSync(f,"utf8")…)`: text, not code. It is inside
 *   `wasmWorkerContents`, the template literal of tfjs-backend-wasm's pthread
 *   worker script (wasm-out/tfjs-backend-wasm-threaded-simd.worker.js), which
 *   tfjs turns into a Worker only for the threaded backend. We start the
 *   single-threaded SIMD backend, and workerd has no Worker.
 * - zod's `allowsEval` probe, `const F = Function; new F("")` (zod/v4/core/util.js),
 *   and its parser compiler `Doc.compile`, `const F = Function; new F(…)`
 *   (zod/v4/core/doc.js). The probe returns false before reaching
 *   `Function` when `jitless` is set, which worker/index.ts does, or when
 *   `navigator.userAgent` names Cloudflare, as in workerd; the compiler runs
 *   only when the probe returned true.
 * Any other occurrence fails this test, and must be understood before it is
 * added here. zod's `compileFn` (zod/v4/core/compile.js), behind the opt-in
 * `z.compile()`, is not bundled, because our files import zod as a namespace,
 * which esbuild tree-shakes: a call of `z.compile()` would add it and fail here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { BUNDLE_BUDGET_GZIP_BYTES, measureBundle } from '../../worker/scripts/measure-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

let outdir: string;
let bundle: string;

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'bilstm-edge-bundle-'));
  const build = spawnSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', outdir, '--minify'], {
    cwd: ROOT,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 150_000,
  });
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${build.status ?? build.signal}):\n${build.stdout}\n${build.stderr}`);
  const scripts = (await readdir(outdir)).filter((file) => /\.m?js$/.test(file));
  expect(scripts).toEqual(['index.js']);
  bundle = await readFile(join(outdir, 'index.js'), 'utf8');
}, 180_000);

afterAll(() => rm(outdir, { recursive: true, force: true }));

/** Source ranges of every string and template literal piece. */
function literalRanges(source: ts.SourceFile): Array<[start: number, end: number]> {
  const ranges: Array<[number, number]> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) {
      ranges.push([node.getStart(source), node.getEnd()]);
    }
    node.forEachChild(visit);
  };
  visit(source);
  return ranges;
}

/** Every `eval` or `Function` used as a value, with the block around it. */
function codeGenerationReferences(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && (node.text === 'eval' || node.text === 'Function')) {
      const parent = node.parent;
      const isPropertyName = (ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent)) && parent.name === node;
      // `x instanceof Function` tests a value; it generates nothing.
      const isInstanceofTarget = ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword && parent.right === node;
      if (!isPropertyName && !isInstanceofTarget) {
        let block: ts.Node = node;
        while (!ts.isBlock(block) && !ts.isSourceFile(block)) block = block.parent;
        found.push(block.getText(source));
      }
    }
    node.forEachChild(visit);
  };
  visit(source);
  return found;
}

describe('the minified worker bundle', () => {
  // Not a timing: the upload size is deterministic, and one non-namespace
  // zod import alone adds ~65 KB, enough to break the budget.
  it('fits the 1 MB gzip budget with the bundled model', async () => {
    const size = await measureBundle(outdir);
    expect(size.modules.map((m) => m.file)).toContain('index.js');
    expect(size.modules.some((m) => m.file.endsWith('weights.bin'))).toBe(true);
    expect(size.gzip).toBeLessThanOrEqual(BUNDLE_BUDGET_GZIP_BYTES);
  });

  it('has no eval( / new Function / Function( outside string literals', () => {
    const source = ts.createSourceFile('index.js', bundle, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const ranges = literalRanges(source);
    // `eval(`, indirect `(0,eval)(`, `new Function`, `Function(`.
    const hits = [...bundle.matchAll(/\beval\b(?:\s*\))?\s*\(|\bnew\s+Function\b|(?<![\w$.])Function\s*\(/g)].map((match) => ({
      text: bundle.slice(Math.max(0, match.index - 20), match.index + 60),
      inLiteral: ranges.some(([start, end]) => match.index > start && match.index < end),
    }));
    expect(hits.filter((hit) => !hit.inLiteral)).toEqual([]);
    expect(hits.map((hit) => hit.text)).toEqual([expect.stringContaining('{(0,eval)(fs.readFileSync(f,"utf8")')]);
    // That string is tfjs-backend-wasm's pthread worker script, exported as text.
    const workerScript = ranges.map(([start, end]) => bundle.slice(start, end)).find((literal) => literal.includes('(0,eval)'))!;
    expect(workerScript).toMatch(/^`"use strict";var Module=\{\};var ENVIRONMENT_IS_NODE=/);
    expect(workerScript).toContain('self.onmessage=');
  });

  it('refers to eval or the Function constructor only in zod paths that jitless guards', () => {
    const source = ts.createSourceFile('index.js', bundle, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const references = codeGenerationReferences(source);
    expect(references).toEqual([
      // util.allowsEval: the probe, behind `if (globalConfig.jitless) return false` and the workerd user agent.
      expect.stringMatching(/^\{let ([\w$]+)=Function;return new \1\(""\),!0\}$/),
      // Doc.compile: only called when the probe said yes.
      expect.stringMatching(/^\{let ([\w$]+)=Function,[\w$]+=this\?\.content\?\?\[""\];return new \1\(\.\.\.Object\.keys\(this\.closed\)/),
    ]);
    // Minified names may hold `$`, as any JavaScript identifier may.
    const probe = bundle.slice(bundle.indexOf(references[0]) - 200, bundle.indexOf(references[0]));
    expect(probe).toMatch(/\{if\([\w$]+\.jitless\|\|typeof navigator<"u"&&"Cloudflare-Workers"\?\.includes\("Cloudflare"\)\)return!1;try$/);
  });

  it('is built from a worker that sets zod to jitless (worker/index.ts)', () => {
    expect(bundle).toMatch(/\w+\(\{jitless:!0\}\)/);
  });
});

/**
 * The `smwf` command's prebuilt bundle (cli/prebuilt.js): it holds every handler module a local run may load, and it
 * is never run stale. The bundles here are built from a small project of their own in a temporary folder.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleDir, handlerModules, isFresh, loadPrebuilt } from '../../cli/prebuilt.js';
import { projectRoot } from '../../infra/project-root.ts';
import { loadSynthesizedWorkflows } from '../../local/runner/synthesize.ts';

const project = mkdtempSync(join(tmpdir(), 'smwf-prebuilt-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(dirname(join(project, file)), { recursive: true });
  writeFileSync(join(project, file), text);
}

/** Runs the handler of `code` that the latest bundle registered with the small project's runner stand-in. */
async function runBundled(code: string): Promise<string> {
  const modules = (globalThis as { smwfTestHandlers?: Record<string, () => Promise<{ handler: () => string }>> })
    .smwfTestHandlers;
  const load = modules?.[code];
  if (load === undefined) throw new Error(`the bundle registered no ${code}`);
  return (await load()).handler();
}

const manifest = () => JSON.parse(readFileSync(join(bundleDir(project), 'manifest.json'), 'utf8'));

// The small project: the CLI's entry, the runner's registry of bundled handlers, one step's handler reading a file
// beside itself through its own import.meta.url, and the installed packages' record.
write('cli/main.ts', 'export async function main(): Promise<number> {\n  return 7;\n}\n');
write(
  'local/runner/handler-modules.ts',
  'export function useBundledHandlerModules(modules: unknown): void {\n  (globalThis as { smwfTestHandlers?: unknown }).smwfTestHandlers = modules;\n}\n',
);
write(
  'tasks/greet/handler.ts',
  "import { readFileSync } from 'node:fs';\nexport const handler = () => 'hello ' + readFileSync(new URL('./name.txt', import.meta.url), 'utf8');\n",
);
write('tasks/greet/name.txt', 'world');
// Two packages a handler imports: one CommonJS (as aws-cdk-lib and the AWS SDK's clients are), one ES module.
write('node_modules/cjs-answer/package.json', '{"name": "cjs-answer", "main": "index.js"}');
write('node_modules/cjs-answer/index.js', 'exports.answer = 42;\n');
write('node_modules/esm-answer/package.json', '{"name": "esm-answer", "type": "module", "exports": "./index.js"}');
write('node_modules/esm-answer/index.js', 'export const answer = 43;\n');
write(
  'tasks/answer/handler.ts',
  "import { answer } from 'cjs-answer';\nimport { answer as other } from 'esm-answer';\nexport const handler = () => [answer, other].join(' ');\n",
);
mkdirSync(join(project, 'triggers'));
mkdirSync(join(project, 'workflows'));
write('node_modules/.package-lock.json', '{"lockfileVersion": 3}');

describe('the smwf command’s prebuilt bundle', () => {
  it('holds the handler module of every function the stack synthesizes, by its code tag', async () => {
    const workflows = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
    const codes = new Set([...workflows.functions.values()].map((fn) => fn.code));
    const bundled = handlerModules(projectRoot);

    expect(codes.size).toBeGreaterThan(70);
    expect([...codes].filter((code) => !bundled.includes(code))).toEqual([]);
    // And nothing that is no handler (tasks/_shared/handler.ts makes handlers).
    expect(bundled.filter((code) => code.includes('/_'))).toEqual([]);
  });

  it('is built on first use, runs the CLI and its handlers from their sources’ folders, and is used while fresh', async () => {
    const built = await loadPrebuilt(project);

    expect(await built?.main([])).toBe(7);
    expect(await runBundled('tasks/greet/handler.ts')).toBe('hello world');
    expect(isFresh(project, manifest())).toBe(true);
    const build = manifest().build;
    await loadPrebuilt(project);
    expect(manifest().build).toBe(build);
  });

  it('loads a CommonJS package with require, which costs less than import, and an ES module package with import', async () => {
    await loadPrebuilt(project);
    const buildDir = join(bundleDir(project), manifest().build);
    const code = readdirSync(buildDir)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(buildDir, file), 'utf8'))
      .join('\n');

    expect(await runBundled('tasks/answer/handler.ts')).toBe('42 43');
    expect(code).toContain('__require("cjs-answer")');
    expect(code).not.toMatch(/from "cjs-answer"/);
    expect(code).toMatch(/from "esm-answer"/);
  });

  it('is rebuilt when a source it was built from changes, and runs the change', async () => {
    await loadPrebuilt(project);
    write('tasks/greet/handler.ts', "export const handler = () => 'changed';\n");

    expect(isFresh(project, manifest())).toBe(false);
    await loadPrebuilt(project);
    expect(await runBundled('tasks/greet/handler.ts')).toBe('changed');
    expect(isFresh(project, manifest())).toBe(true);
  });

  it('is stale when a handler module is added, or the installed packages change', async () => {
    await loadPrebuilt(project);
    write('workflows/wave/validate-input.ts', "export const handler = () => 'first state';\n");

    expect(isFresh(project, manifest())).toBe(false);
    await loadPrebuilt(project);
    expect(await runBundled('workflows/wave/validate-input.ts')).toBe('first state');
    write('node_modules/.package-lock.json', '{"lockfileVersion": 3, "packages": {}}');
    expect(isFresh(project, manifest())).toBe(false);
  });
});

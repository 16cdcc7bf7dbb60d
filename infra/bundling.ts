/**
 * How every Lambda function is bundled: one set of esbuild options, read by TaskFunctions (through
 * NodejsFunction) and by the bundle-size test and benchmark (through esbuild's API), so the bundles they
 * measure are the bundles that deploy.
 */
import { join } from 'node:path';
import { projectRoot } from './project-root.ts';

/** Some bundled CommonJS dependencies call require(); ESM output needs it defined. */
const REQUIRE_BANNER = "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

/** The esbuild options of every function bundle (ESM for nodejs22.x, minified, AWS SDK bundled). */
export const LAMBDA_BUNDLE = {
  target: 'node22',
  format: 'esm',
  platform: 'node',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: REQUIRE_BANNER,
  /** Lambda gives credentials in the environment: the SDK's default chain is replaced by that one provider. */
  alias: { '@aws-sdk/credential-provider-node': join(projectRoot, 'tasks', '_shared', 'lambda-credentials.ts') },
} as const;

/** Each function's size budget, minified (tasks/ bundles are checked against it by a test). */
export const BUNDLE_BUDGET_BYTES = 350 * 1024;

/** One function's bundle, as esbuild built it with LAMBDA_BUNDLE. */
export interface BuiltBundle {
  /** The function's task (a step's name, or `<Workflow>.ValidateInput`). */
  readonly task: string;
  /** Its handler module, relative to the project root. */
  readonly code: string;
  /** The minified bundle. */
  readonly file: string;
  readonly bytes: number;
}

/** Every function the stack deploys: each registered step, each workflow's first state and each trigger function. */
export async function lambdaEntries(): Promise<{ task: string; code: string }[]> {
  const { TASK_NAMES, taskFolder } = await import('../tasks/registry.ts');
  const { WORKFLOWS } = await import('../workflows/workflows.ts');
  const { TRIGGER_FUNCTIONS } = await import('./trigger-functions.ts');
  return [
    ...TASK_NAMES.map((task) => ({ task, code: `${taskFolder(task)}/handler.ts` })),
    ...WORKFLOWS.map((w) => ({ task: `${w.name}.ValidateInput`, code: `${w.folder}/validate-input.ts` })),
    ...Object.entries(TRIGGER_FUNCTIONS).map(([task, trigger]) => ({ task, code: trigger.code })),
  ];
}

/**
 * Bundles `entries` with the Lambda options into `outdir`, in one esbuild run: each entry still gets a bundle of its
 * own, byte for byte the one a run for that entry alone writes, but the modules they share (the AWS SDK above all)
 * are read and parsed once, not once per function.
 */
export async function buildLambdaBundles(
  entries: readonly { task: string; code: string }[],
  outdir: string,
): Promise<BuiltBundle[]> {
  const esbuild = await import('esbuild');
  const { statSync } = await import('node:fs');
  const { banner, ...options } = LAMBDA_BUNDLE;
  const named = entries.map((entry) => ({ ...entry, name: entry.task.replace(/\W+/g, '-') }));
  await esbuild.build({
    ...options,
    mainFields: [...options.mainFields],
    alias: { ...options.alias },
    banner: { js: banner },
    entryPoints: named.map(({ code, name }) => ({ in: join(projectRoot, code), out: name })),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    outdir,
    logLevel: 'error',
  });
  return named.map(({ task, code, name }) => {
    const file = join(outdir, `${name}.mjs`);
    return { task, code, file, bytes: statSync(file).size };
  });
}

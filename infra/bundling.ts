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

// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions needs; the runner installs it too.
import '../local/runner/polyfills.ts';
import { createRequire } from 'node:module';
import { afterAll, inject } from 'vitest';
import { PERMISSION_USAGE_DIR_ENV } from '../local/runner/permissions/usage-dir.ts';

// The AWS SDK warns in seven lines on Node < 22, once per process: once per test file. Silenced as the CLI silences
// it (cli/bin.js), before any client is made; the child processes the tests start inherit the setting.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The actions this worker's steps are allowed go where the permission coverage report reads them.
process.env[PERMISSION_USAGE_DIR_ENV] = inject('permissionUsageDir');

// Files that share a worker process (vitest.config.ts) pass no environment change on to the next file: what a file
// set (a handler's ARTIFACT_BUCKET_NAME, an endpoint URL) is undone when it ends.
// Nor a stubbed SDK client: aws-sdk-client-mock stubs a client class's send() in sinon's default sandbox, which a
// later file's real client of that class (GenerateLoad's signer, test/tasks/generate-load.test.ts) would meet.
// Required, not imported: aws-sdk-client-mock requires sinon's CommonJS build, whose default sandbox is not the one
// of sinon's ES module build.
// Restored only when something loaded it: loading sinon for that alone would cost every test file about 0.2 s.
const require = createRequire(import.meta.url);
const sinonEntry = require.resolve('sinon');
const environmentAtStart = { ...process.env };
afterAll(() => {
  if (sinonEntry in require.cache) (require(sinonEntry) as typeof import('sinon')).restore();
  for (const key of Object.keys(process.env)) if (!(key in environmentAtStart)) delete process.env[key];
  Object.assign(process.env, environmentAtStart);
});

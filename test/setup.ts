// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions needs; the runner installs it too.
import '../local/runner/polyfills.ts';
import { inject } from 'vitest';
import { PERMISSION_USAGE_DIR_ENV } from '../local/runner/permissions/enforcement.ts';

// The AWS SDK warns in seven lines on Node < 22, once per process: once per test file. Silenced as the CLI silences
// it (cli/bin.js), before any client is made; the child processes the tests start inherit the setting.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The actions this worker's steps are allowed go where the permission coverage report reads them.
process.env[PERMISSION_USAGE_DIR_ENV] = inject('permissionUsageDir');

// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions needs; the runner installs it too.
import '../local/runner/polyfills.ts';
import { inject } from 'vitest';
import { PERMISSION_USAGE_DIR_ENV } from '../local/runner/permissions/enforcement.ts';

// The actions this worker's steps are allowed go where the permission coverage report reads them.
process.env[PERMISSION_USAGE_DIR_ENV] = inject('permissionUsageDir');

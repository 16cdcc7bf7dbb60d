/**
 * The stack the end-to-end tests run: the default stack deployed with a config file naming the buckets the tests
 * keep models and data in (as a user names theirs), so that every step's role and the SageMaker execution role
 * reach them, and the local permission checks pass exactly where AWS would.
 */
import { join } from 'node:path';
import { projectRoot } from '../../infra/project-root.ts';
import type { LocalAwsIdentity } from '../../local/runner/synthesize.ts';

/** The deployment config file of the end-to-end stack. */
export const E2E_DEPLOYMENT_CONFIG = join(projectRoot, 'test/fixtures/e2e.smwf.config.json');

/** The account and region of the local ARNs. */
export const E2E_IDENTITY: LocalAwsIdentity = { account: '123456789012', region: 'us-east-1' };

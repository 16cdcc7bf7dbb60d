/**
 * The environment variable naming a folder where every process appends the actions its steps were allowed (the
 * permission coverage report reads them). A module of its own: the test setup every test file runs reads it
 * without loading the checks (enforcement.ts, which loads the SageMaker client and the policy evaluator).
 */
export const PERMISSION_USAGE_DIR_ENV = 'SMWF_PERMISSION_USAGE_DIR';

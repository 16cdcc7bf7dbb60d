/** The project's default stack as the test run synthesized it once (test/global-setup.ts), with cdk-nag's report. */
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';

/** The template (for `Template` assertions) and the policy-validation report of the default stack. */
export function synthesize() {
  const stack = inject('defaultStack');
  return { template: Template.fromJSON(stack.template), report: stack.nagReport };
}

/**
 * The tags the stack puts on its Lambda functions and state machines so that the local runner can map a
 * synthesized template back to the code and workflows it came from. No aws-cdk-lib here: the runner reads
 * these names on its fast path, without loading the CDK.
 */

/** On each Lambda function: the task it runs (CreateModel, or a workflow's first state). */
export const TASK_TAG_KEY = 'sagemaker-workflows:task';

/** On each Lambda function: its handler module, relative to the project root. */
export const CODE_TAG_KEY = 'sagemaker-workflows:code';

/** On each state machine: the workflow it runs (its name in WORKFLOWS). */
export const WORKFLOW_TAG_KEY = 'sagemaker-workflows:workflow';

/**
 * The tags the stack puts on its Lambda functions and state machines so that the local runner can map a
 * synthesized template back to the code and workflows it came from. No aws-cdk-lib here: the runner reads
 * these names on its fast path, without loading the CDK.
 */

/** The start of every tag key this project writes itself: a user's tag may not take one. */
export const PROJECT_TAG_PREFIX = 'sagemaker-workflows:';

/** On each Lambda function: the task it runs (CreateModel, or a workflow's first state). */
export const TASK_TAG_KEY = `${PROJECT_TAG_PREFIX}task`;

/** On each Lambda function: its handler module, relative to the project root. */
export const CODE_TAG_KEY = `${PROJECT_TAG_PREFIX}code`;

/** On each state machine: the workflow it runs (its name in WORKFLOWS). */
export const WORKFLOW_TAG_KEY = `${PROJECT_TAG_PREFIX}workflow`;

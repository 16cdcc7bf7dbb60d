/** The state machines this project deploys, by name (also their names in `smwf run <StateMachine>`). */
export const WORKFLOW_NAMES = ['DeployEndpoint', 'PackageModel', 'BatchTransform'] as const;

/** The name of one state machine. */
export type WorkflowName = (typeof WORKFLOW_NAMES)[number];

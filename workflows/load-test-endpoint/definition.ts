/**
 * The LoadTestEndpoint state machine: the input checked (the typed confirmation included), then the load-test steps
 * (workflows/load-test-steps.ts) on the endpoint it names, ending with their report as the execution's output.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { failWithCaught, validateInput } from '../fragments.ts';
import { LoadTestStepsStates, loadTestSteps } from '../load-test-steps.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of LoadTestEndpoint, by name. */
export const LoadTestEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ChooseLoadTest: 'ChooseLoadTest',
  ...LoadTestStepsStates,
  LoadTestReported: 'LoadTestReported',
  LoadTestFailed: 'LoadTestFailed',
} as const;

const S = LoadTestEndpointStates;

/** Builds the LoadTestEndpoint definition from the task functions. */
export function loadTestEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const steps = loadTestSteps(
    scope,
    fns,
    // The execution's output: the report.
    new sfn.Succeed(scope, S.LoadTestReported, { outputPath: '$.loadTest.report' }),
    failWithCaught(scope, S.LoadTestFailed, '$.error'),
  );
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput)
    .next(
      new sfn.Pass(scope, S.ChooseLoadTest, {
        parameters: { 'request.$': '$.request' },
        resultPath: '$.loadTest',
      }),
    )
    .next(steps);
}

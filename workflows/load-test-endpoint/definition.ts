/**
 * The LoadTestEndpoint state machine: the input checked (the typed confirmation included), then the load-test steps
 * (workflows/load-test-steps.ts) on the endpoint it names, then WriteLoadTestReport, which writes the report as an
 * HTML page and a Markdown summary under the artifact bucket; the execution's output is the report with their URIs
 * (`reportFiles`).
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { failWithCaught, invoke, validateInput } from '../fragments.ts';
import { LoadTestStepsStates, loadTestSteps } from '../load-test-steps.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of LoadTestEndpoint, by name. */
export const LoadTestEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ChooseLoadTest: 'ChooseLoadTest',
  ...LoadTestStepsStates,
  WriteLoadTestReport: 'WriteLoadTestReport',
  LoadTestReported: 'LoadTestReported',
  LoadTestFailed: 'LoadTestFailed',
} as const;

const S = LoadTestEndpointStates;

/** Builds the LoadTestEndpoint definition from the task functions. */
export function loadTestEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const failed = failWithCaught(scope, S.LoadTestFailed, at('error'));
  const writeReport = invoke(scope, S.WriteLoadTestReport, fns.WriteLoadTestReport)
    .addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: at('error') })
    // The execution's output: the report, with where its HTML page and Markdown summary are.
    .next(new sfn.Succeed(scope, S.LoadTestReported, { outputPath: at('loadTest.report') }));
  const steps = loadTestSteps(scope, fns, writeReport, failed);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput)
    .next(
      new sfn.Pass(scope, S.ChooseLoadTest, {
        parameters: { 'request.$': at('request') },
        resultPath: at('loadTest'),
      }),
    )
    .next(steps);
}

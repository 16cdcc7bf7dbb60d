/**
 * The RightSizeEndpoint state machine:
 *
 *   ValidateInput (the plan) -> CheckInstanceQuotas (the account's instance quotas: a candidate over one refused,
 *   `maxConcurrency` bounded by them) -> TestCandidates (Map, at most `maxConcurrency` at once), per candidate:
 *       PrepareCandidate -> DeployCandidate (Parallel: DeployEndpoint's own model, deployment and rollback steps)
 *         -> the load-test steps (LoadTestEndpoint's) -> DeleteCandidate -> SummarizeCandidate
 *       a deployment that fails: CandidateNotDeployed -> DeleteCandidate -> SummarizeCandidate (the run goes on)
 *       a load test that fails: CandidateTestFailed -> DeleteCandidate -> SummarizeCandidate
 *   -> RecommendRightSize -> RightSizeRecommended (its report is the output)
 *   any other failure: DeleteAllCandidates (whatever carries the execution's tags) -> RightSizeFailed
 *   engine "inference-recommender": StartInferenceRecommendations -> WaitForRecommendations
 *     -> GetInferenceRecommendations (until the job settles) -> RecommendRightSize
 *
 * The deployment runs in a Parallel state of one branch because DeployEndpoint's steps end the way a deployment
 * ends (Succeed, or Fail after the rollback); the branch's end hands control back to the candidate's iteration.
 * The candidates' deployments publish no lifecycle events (a consumer of `Deployment Succeeded` would see a
 * deployment that never lasted). Every throwaway carries `sagemaker-workflows:execution=<execution ARN>` and
 * `sagemaker-workflows:throwaway=right-size`, so the cleanup started from the execution's status change (abort,
 * timeout, and a failure, should DeleteAllCandidates itself fail) finds them too.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { deploymentSteps, UnannouncedDeploymentStepsStates } from '../deployment-steps.ts';
import { failWithCaught, invoke, validateInput } from '../fragments.ts';
import { LoadTestStepsStates, loadTestSteps } from '../load-test-steps.ts';
import { ModelStepsStates, modelSteps } from '../model-steps.ts';
import { busyEndpointRetry } from '../retry-policies.ts';
import { rollbackPath, UnannouncedRollbackStates } from '../rollback.ts';
import { at, requestPaths, resultField } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';
import type { RightSizeEndpointRequest } from './contract.ts';

const request = requestPaths<RightSizeEndpointRequest>();

/** Every state of RightSizeEndpoint, by name. */
export const RightSizeEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  CheckInstanceQuotas: 'CheckInstanceQuotas',
  TestCandidates: 'TestCandidates',
  PrepareCandidate: 'PrepareCandidate',
  DeployCandidate: 'DeployCandidate',
  ...ModelStepsStates,
  ...UnannouncedDeploymentStepsStates,
  ...UnannouncedRollbackStates,
  CandidateNotDeployed: 'CandidateNotDeployed',
  ...LoadTestStepsStates,
  CandidateTestFailed: 'CandidateTestFailed',
  DeleteCandidate: 'DeleteCandidate',
  SummarizeCandidate: 'SummarizeCandidate',
  CandidateFailed: 'CandidateFailed',
  RecommendRightSize: 'RecommendRightSize',
  RightSizeRecommended: 'RightSizeRecommended',
  DeleteAllCandidates: 'DeleteAllCandidates',
  RightSizeFailed: 'RightSizeFailed',
  IsInferenceRecommender: 'IsInferenceRecommender',
  StartInferenceRecommendations: 'StartInferenceRecommendations',
  WaitForRecommendations: 'WaitForRecommendations',
  GetInferenceRecommendations: 'GetInferenceRecommendations',
  AreRecommendationsReady: 'AreRecommendationsReady',
} as const;

const S = RightSizeEndpointStates;
const ALL = [sfn.Errors.ALL];

/** One candidate: deploy, load-test, delete, summarize; a failure is recorded and the candidate still deleted. */
function candidateIteration(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  // A step of the iteration itself that fails fails the Map, whose Catch deletes every candidate.
  const candidateFailed = { errors: ALL, resultPath: at('error') };
  const iterationFailed = failWithCaught(scope, S.CandidateFailed, at('error'));
  const summarize = invoke(scope, S.SummarizeCandidate, fns.SummarizeCandidate).addCatch(
    iterationFailed,
    candidateFailed,
  );
  const deleteCandidate = invoke(scope, S.DeleteCandidate, fns.DeleteThrowaways, {
    payload: sfn.TaskInput.fromObject({
      throwaways: { candidate: sfn.JsonPath.objectAt(at('candidate')) },
      execution: sfn.JsonPath.objectAt(at('execution')),
    }),
    resultPath: at('deleted'),
    resultSelector: { 'endpoints.$': resultField('DeleteThrowaways', 'endpoints') },
    // An endpoint still Creating (a deployment that failed half way) is deleted once it settles.
    extraRetries: [busyEndpointRetry],
  });
  deleteCandidate.addCatch(iterationFailed, candidateFailed).next(summarize);
  const failedAt = (state: string, stage: 'deploy' | 'test') =>
    new sfn.Pass(scope, state, { result: sfn.Result.fromString(stage), resultPath: at('failedAt') }).next(
      deleteCandidate,
    );

  // DeployEndpoint's own steps: model, config, endpoint, wait, verify, health check (the warm-up), finalize; a
  // failure rolls back (deleting the new endpoint) and ends the branch in Fail with SageMaker's reason. A candidate
  // announces nothing on the project's bus: no `Deployment Succeeded` (or Failed, Rolled Back) of an endpoint that
  // exists only to be measured and deleted.
  const startRollback = rollbackPath(scope, fns, { lifecycleEvents: false });
  const model = modelSteps(scope, fns, { next: startRollback, resultPath: at('error') });
  model.createModel.next(deploymentSteps(scope, fns, startRollback, { lifecycleEvents: false }));
  const deploy = new sfn.Parallel(scope, S.DeployCandidate, { resultPath: sfn.JsonPath.DISCARD })
    .branch(model.start)
    .addCatch(failedAt(S.CandidateNotDeployed, 'deploy'), { errors: ALL, resultPath: at('error') });

  const loadTest = loadTestSteps(scope, fns, deleteCandidate, failedAt(S.CandidateTestFailed, 'test'));
  return invoke(scope, S.PrepareCandidate, fns.PrepareCandidate)
    .addCatch(iterationFailed, candidateFailed)
    .next(deploy)
    .next(loadTest);
}

/** Builds the RightSizeEndpoint definition from the task functions. */
export function rightSizeEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const failed = failWithCaught(scope, S.RightSizeFailed, at('error'));
  const deleteAll = invoke(scope, S.DeleteAllCandidates, fns.DeleteThrowaways, {
    payload: sfn.TaskInput.fromObject({
      throwaways: { candidates: sfn.JsonPath.listAt(at('plan.candidates')) },
      execution: sfn.JsonPath.objectAt(at('execution')),
    }),
    resultPath: at('deleted'),
    resultSelector: { 'endpoints.$': resultField('DeleteThrowaways', 'endpoints') },
    extraRetries: [busyEndpointRetry],
  });
  // A cleanup that fails still ends the execution with the error that started it.
  deleteAll.addCatch(failed, { errors: ALL, resultPath: at('cleanupError') }).next(failed);

  const testCandidates = new sfn.Map(scope, S.TestCandidates, {
    itemsPath: at('plan.candidates'),
    itemSelector: {
      'candidate.$': '$$.Map.Item.Value',
      'deployTemplate.$': at('plan.deployTemplate'),
      'loadTestTemplate.$': at('plan.loadTestTemplate'),
      'execution.$': at('execution'),
    },
    maxConcurrencyPath: at('plan.maxConcurrency'),
    resultPath: at('measured'),
  });
  testCandidates.itemProcessor(candidateIteration(scope, fns));
  testCandidates.addCatch(deleteAll, { errors: ALL, resultPath: at('error') });

  const recommendation = invoke(scope, S.RecommendRightSize, fns.RecommendRightSize)
    .addCatch(deleteAll, { errors: ALL, resultPath: at('error') })
    .next(new sfn.Succeed(scope, S.RightSizeRecommended));
  testCandidates.next(recommendation);

  // engine "inference-recommender" (AWS only): one Advanced job over the same candidates; its endpoints are
  // SageMaker's own, which it deletes itself.
  const toFailed = { errors: ALL, resultPath: at('error') };
  const wait = new sfn.Wait(scope, S.WaitForRecommendations, {
    time: sfn.WaitTime.secondsPath(at('recommenderStatus.waitSeconds')),
  });
  const poll = invoke(scope, S.GetInferenceRecommendations, fns.GetInferenceRecommendations).addCatch(failed, toFailed);
  wait
    .next(poll)
    .next(
      new sfn.Choice(scope, S.AreRecommendationsReady)
        .when(sfn.Condition.booleanEquals(at('recommenderStatus.settled'), false), wait)
        .otherwise(recommendation),
    );
  const recommender = invoke(scope, S.StartInferenceRecommendations, fns.StartInferenceRecommendations)
    .addCatch(failed, toFailed)
    .next(wait);

  // Nothing exists yet: a candidate over a quota fails the run before anything is created.
  const checkQuotas = invoke(scope, S.CheckInstanceQuotas, fns.CheckInstanceQuotas)
    .addCatch(failed, toFailed)
    .next(testCandidates);

  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    new sfn.Choice(scope, S.IsInferenceRecommender)
      .when(sfn.Condition.stringEquals(request('engine'), 'inference-recommender'), recommender)
      .otherwise(checkQuotas),
  );
}

/**
 * The task registry: every Lambda step, listed once. A step is a folder under tasks/ named after it in
 * kebab-case (CreateModel -> tasks/create-model/) holding handler.ts (the Lambda entry), its pure core and
 * registration.ts (timeout, memory, IAM actions, environment). Infra builds one function per entry; the
 * local runner maps each synthesized function back to the same handler. Adding a step = one folder + one line.
 */
import { kebabCase } from '../contracts/kebab-case.ts';
import { STEP_NAMES, type TaskName } from '../contracts/steps.ts';
import type { TaskRegistration } from './_shared/task-registration.ts';
import { registration as acquireEndpointLease } from './acquire-endpoint-lease/registration.ts';
import { registration as applyAutoScaling } from './apply-auto-scaling/registration.ts';
import { registration as applyComponentAutoScaling } from './apply-component-auto-scaling/registration.ts';
import { registration as checkInstanceQuotas } from './check-instance-quotas/registration.ts';
import { registration as completeRollback } from './complete-rollback/registration.ts';
import { registration as completeWait } from './complete-wait/registration.ts';
import { registration as copyUncompressedModel } from './copy-uncompressed-model/registration.ts';
import { registration as createEndpointConfig } from './create-endpoint-config/registration.ts';
import { registration as createModel } from './create-model/registration.ts';
import { registration as deleteComponentEndpoint } from './delete-component-endpoint/registration.ts';
import { registration as deleteModelArtifact } from './delete-model-artifact/registration.ts';
import { registration as deleteRunModel } from './delete-run-model/registration.ts';
import { registration as deleteThrowaways } from './delete-throwaways/registration.ts';
import { registration as describeLeaseHolder } from './describe-lease-holder/registration.ts';
import { registration as ensureComponentEndpoint } from './ensure-component-endpoint/registration.ts';
import { registration as finalizeDeployment } from './finalize-deployment/registration.ts';
import { registration as generateLoad } from './generate-load/registration.ts';
import { registration as getComponentStatus } from './get-component-status/registration.ts';
import { registration as getEndpointStatus } from './get-endpoint-status/registration.ts';
import { registration as getInferenceRecommendations } from './get-inference-recommendations/registration.ts';
import { registration as getTransformJobStatus } from './get-transform-job-status/registration.ts';
import { registration as guardLiveTraffic } from './guard-live-traffic/registration.ts';
import { registration as healthCheck } from './health-check/registration.ts';
import { registration as judgeAsyncResults } from './judge-async-results/registration.ts';
import { registration as judgeLoadStep } from './judge-load-step/registration.ts';
import { registration as packageModel } from './package-model/registration.ts';
import { registration as placeModel } from './place-model/registration.ts';
import { registration as prepareCandidate } from './prepare-candidate/registration.ts';
import { registration as prepareLoadTest } from './prepare-load-test/registration.ts';
import { registration as probeComponent } from './probe-component/registration.ts';
import { registration as publishBatchEvent } from './publish-batch-event/registration.ts';
import { registration as publishComponentRemovalEvent } from './publish-component-removal-event/registration.ts';
import { registration as publishDeploymentEvent } from './publish-deployment-event/registration.ts';
import { registration as publishModelEvent } from './publish-model-event/registration.ts';
import { registration as publishModelPackageEvent } from './publish-model-package-event/registration.ts';
import { registration as recommendRightSize } from './recommend-right-size/registration.ts';
import { registration as recordAutoScaling } from './record-auto-scaling/registration.ts';
import { registration as recordComponentAutoScaling } from './record-component-auto-scaling/registration.ts';
import { registration as releaseEndpointLease } from './release-endpoint-lease/registration.ts';
import { registration as removePlacedArtifacts } from './remove-placed-artifacts/registration.ts';
import { registration as reportLoadTest } from './report-load-test/registration.ts';
import { registration as resolveBatchRun } from './resolve-batch-run/registration.ts';
import { registration as resolveLoadSamples } from './resolve-load-samples/registration.ts';
import { registration as resolveModelPackage } from './resolve-model-package/registration.ts';
import { registration as resolveMultiModelEndpoint } from './resolve-multi-model-endpoint/registration.ts';
import { registration as restoreAutoScaling } from './restore-auto-scaling/registration.ts';
import { registration as restoreComponentAutoScaling } from './restore-component-auto-scaling/registration.ts';
import { registration as rollBackComponent } from './roll-back-component/registration.ts';
import { registration as startComponentDeployment } from './start-component-deployment/registration.ts';
import { registration as startComponentRemoval } from './start-component-removal/registration.ts';
import { registration as startDeployment } from './start-deployment/registration.ts';
import { registration as startInferenceRecommendations } from './start-inference-recommendations/registration.ts';
import { registration as startRollback } from './start-rollback/registration.ts';
import { registration as startTransformJob } from './start-transform-job/registration.ts';
import { registration as stopTransformJob } from './stop-transform-job/registration.ts';
import { registration as summarizeCandidate } from './summarize-candidate/registration.ts';
import { registration as suspendAutoScaling } from './suspend-auto-scaling/registration.ts';
import { registration as suspendComponentAutoScaling } from './suspend-component-auto-scaling/registration.ts';
import { registration as uploadAsyncSamples } from './upload-async-samples/registration.ts';
import { registration as verifyDeployment } from './verify-deployment/registration.ts';
import { registration as verifyModelRemoved } from './verify-model-removed/registration.ts';
import { registration as verifyTransformOutputs } from './verify-transform-outputs/registration.ts';
import { registration as warmUpModel } from './warm-up-model/registration.ts';
import { registration as writeLoadTestReport } from './write-load-test-report/registration.ts';

/** Every step, by name. */
export const TASKS = {
  CreateModel: createModel,
  CreateEndpointConfig: createEndpointConfig,
  StartDeployment: startDeployment,
  GetEndpointStatus: getEndpointStatus,
  CompleteWait: completeWait,
  VerifyDeployment: verifyDeployment,
  HealthCheck: healthCheck,
  UploadAsyncSamples: uploadAsyncSamples,
  JudgeAsyncResults: judgeAsyncResults,
  FinalizeDeployment: finalizeDeployment,
  StartRollback: startRollback,
  CompleteRollback: completeRollback,
  PublishDeploymentEvent: publishDeploymentEvent,
  PackageModel: packageModel,
  CopyUncompressedModel: copyUncompressedModel,
  ResolveBatchRun: resolveBatchRun,
  StartTransformJob: startTransformJob,
  GetTransformJobStatus: getTransformJobStatus,
  StopTransformJob: stopTransformJob,
  DeleteRunModel: deleteRunModel,
  VerifyTransformOutputs: verifyTransformOutputs,
  PublishBatchEvent: publishBatchEvent,
  ResolveMultiModelEndpoint: resolveMultiModelEndpoint,
  PlaceModel: placeModel,
  RemovePlacedArtifacts: removePlacedArtifacts,
  WarmUpModel: warmUpModel,
  DeleteModelArtifact: deleteModelArtifact,
  VerifyModelRemoved: verifyModelRemoved,
  PublishModelEvent: publishModelEvent,
  ResolveModelPackage: resolveModelPackage,
  PublishModelPackageEvent: publishModelPackageEvent,
  RecordAutoScaling: recordAutoScaling,
  SuspendAutoScaling: suspendAutoScaling,
  ApplyAutoScaling: applyAutoScaling,
  RestoreAutoScaling: restoreAutoScaling,
  AcquireEndpointLease: acquireEndpointLease,
  DescribeLeaseHolder: describeLeaseHolder,
  ReleaseEndpointLease: releaseEndpointLease,
  PrepareLoadTest: prepareLoadTest,
  ResolveLoadSamples: resolveLoadSamples,
  GuardLiveTraffic: guardLiveTraffic,
  GenerateLoad: generateLoad,
  JudgeLoadStep: judgeLoadStep,
  ReportLoadTest: reportLoadTest,
  EnsureComponentEndpoint: ensureComponentEndpoint,
  StartComponentDeployment: startComponentDeployment,
  GetComponentStatus: getComponentStatus,
  RollBackComponent: rollBackComponent,
  DeleteComponentEndpoint: deleteComponentEndpoint,
  StartComponentRemoval: startComponentRemoval,
  ProbeComponent: probeComponent,
  RecordComponentAutoScaling: recordComponentAutoScaling,
  SuspendComponentAutoScaling: suspendComponentAutoScaling,
  ApplyComponentAutoScaling: applyComponentAutoScaling,
  RestoreComponentAutoScaling: restoreComponentAutoScaling,
  PublishComponentRemovalEvent: publishComponentRemovalEvent,
  CheckInstanceQuotas: checkInstanceQuotas,
  PrepareCandidate: prepareCandidate,
  DeleteThrowaways: deleteThrowaways,
  SummarizeCandidate: summarizeCandidate,
  RecommendRightSize: recommendRightSize,
  StartInferenceRecommendations: startInferenceRecommendations,
  GetInferenceRecommendations: getInferenceRecommendations,
  WriteLoadTestReport: writeLoadTestReport,
} as const satisfies { readonly [Name in TaskName]: TaskRegistration };

export type { TaskName };

/** Every step's name. */
export const TASK_NAMES: readonly TaskName[] = STEP_NAMES;

/** A Lambda handler as the runner calls it. */
export type TaskHandler = (event: unknown, context?: import('aws-lambda').Context) => Promise<unknown>;

/** A step's folder, relative to the project root: its name in kebab-case under tasks/. */
export function taskFolder(name: TaskName): string {
  return `tasks/${kebabCase(name)}`;
}

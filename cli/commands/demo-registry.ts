/**
 * `smwf demo --registry`: the Model Registry trigger end to end on this machine. The emulator and the local
 * trigger engine run the stack synthesized with examples/smwf.registry-demo.config.json (one followed group);
 * packages are registered, approved and rejected in the emulator's registry, and each decision's event goes
 * through the group's rule, the dispatcher Lambda and the local Step Functions API to DeployApprovedModelPackage.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { MODEL_PACKAGE_STATE_CHANGE } from '../../contracts/parts/model-package-events.ts';
import { exampleImage, exampleModelArchive } from '../../examples/example-models.ts';
import { CONFIG_ENV } from '../../infra/deployment-config/load.ts';
import type { EmulatorEvent } from '../../local/emulator/events.ts';
import { startEmulator } from '../../local/emulator/index.ts';
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';
import { provisionLocalStack } from '../../local/runner/local-stack.ts';
import { createLocalRunner, type ExecutionResult } from '../../local/runner/runner.ts';
import { TriggerEngine } from '../../local/triggers/engine.ts';
import { reportDemo, type StepRow } from './demo-report.ts';

/** The deployment config the demo's stack is synthesized with. */
const REGISTRY_DEMO_CONFIG = fileURLToPath(new URL('../../examples/smwf.registry-demo.config.json', import.meta.url));
const GROUP = 'smwf-demo-churn';
const ENDPOINT = 'smwf-demo-registry';
const BUCKET = 'smwf-demo-models';
const SAMPLE = '1,2';
const STEP_COUNT = 8;
/** How long one decision may take to be deployed before the demo calls it failed. */
const DECISION_TIMEOUT_MS = 120_000;

/** `smwf demo --registry`, on the fresh state directory `stateDir` (removed at the end unless `keep`). */
export async function registryDemo(options: { json: boolean; keep: boolean; stateDir: string }): Promise<number> {
  const { json } = options;
  const say = (text: string) => {
    if (!json) console.log(text);
  };
  const started = Date.now();
  const { stateDir } = options;
  const emulator = await startEmulator({ port: 0, stateDir, startupTimeoutSeconds: 20 });
  const rows: StepRow[] = [];
  let engine: TriggerEngine | undefined;
  try {
    useLocalEmulator(emulator.url);
    say(`Local emulator at ${emulator.url} (state in ${stateDir})`);
    // The stack follows the demo's group: synthesized (or read from the synthesis cache) with its config file.
    process.env[CONFIG_ENV] = REGISTRY_DEMO_CONFIG;
    const runner = await createLocalRunner({ waitTimeMs: 100 });
    await provisionLocalStack(runner.workflows);
    const completeWaitArn = [...runner.workflows.functions.values()].find((f) => f.task === 'CompleteWait')?.arn;
    engine = await TriggerEngine.start({
      runner,
      stateDir,
      subscribe: emulator.onEvents,
      onDelivery: (delivery) => {
        // The deployments' own waits end on SageMaker's events too (CompleteWait): not the registry's triggers.
        if (delivery.targetArn === completeWaitArn) return;
        if (json) console.log(JSON.stringify({ type: 'Delivery', ...delivery }));
        else
          say(`   ${delivery.trigger} ${delivery.name} -> ${delivery.targetArn.split(':').pop()}: ${delivery.outcome}`);
      },
    });
    const triggers = engine;
    say(`Trigger engine: ${triggers.loaded.rules.length} rule(s) from ${REGISTRY_DEMO_CONFIG}`);
    const deployApproved = runner.workflows.stateMachineArns.DeployApprovedModelPackage ?? '';

    const s3 = new S3Client({ forcePathStyle: true });
    const sagemaker = new SageMakerClient({});
    const runtime = new SageMakerRuntimeClient({});
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const upload = async (folder: string) => {
      const key = `registry/${folder}/model.tar.gz`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await exampleModelArchive(folder) }));
      return `s3://${BUCKET}/${key}`;
    };
    const invoke = async () => {
      try {
        const out = await runtime.send(
          new InvokeEndpointCommand({
            EndpointName: ENDPOINT,
            ContentType: 'text/csv',
            Accept: 'application/json',
            Body: SAMPLE,
          }),
        );
        return new TextDecoder().decode(out.Body).trim();
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    };
    const decisionEvent = async (arn: string, status: string): Promise<EmulatorEvent | undefined> =>
      (await emulator.readEvents())
        .filter(
          (e) =>
            e['detail-type'] === MODEL_PACKAGE_STATE_CHANGE.detailType &&
            (e.detail as { ModelPackageArn?: string }).ModelPackageArn === arn &&
            (e.detail as { ModelApprovalStatus?: string }).ModelApprovalStatus === status,
        )
        .at(-1);
    /** Records a decision and waits for the execution its event starts to end. */
    const decide = async (arn: string, status: 'Approved' | 'Rejected') => {
      const before = triggers.executions.list(deployApproved).length;
      await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
      const deadline = Date.now() + DECISION_TIMEOUT_MS;
      for (;;) {
        await triggers.idle();
        const all = triggers.executions.list(deployApproved);
        if (all.length > before) {
          const execution = all[0];
          const result = (await execution?.result) as ExecutionResult;
          return { name: execution?.name ?? '', result, event: await decisionEvent(arn, status) };
        }
        if (Date.now() > deadline) return { name: '', result: undefined, event: await decisionEvent(arn, status) };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const outcomeOf = (result: ExecutionResult | undefined) =>
      result === undefined
        ? 'no execution started'
        : result.status === 'SUCCEEDED'
          ? 'succeeded'
          : `${result.status} ${result.error}`;

    // 1. Register the group and two packages, pending approval: nothing starts.
    say(`\n== 1. Register model package group ${GROUP} and packages v1, v2 (PendingManualApproval)`);
    const registerStarted = Date.now();
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
    const packages: string[] = [];
    for (const folder of ['linear-v1', 'linear-v2']) {
      const created = await sagemaker.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: GROUP,
          ModelApprovalStatus: 'PendingManualApproval',
          InferenceSpecification: {
            Containers: [{ Image: exampleImage('linear'), ModelDataUrl: await upload(folder) }],
            SupportedContentTypes: ['text/csv'],
            SupportedResponseMIMETypes: ['application/json'],
          },
        }),
      );
      packages.push(created.ModelPackageArn ?? '');
    }
    const [v1 = '', v2 = ''] = packages;
    await triggers.idle();
    const startedByRegistering = triggers.executions.list(deployApproved).length;
    rows.push({
      step: 'register v1, v2 (pending)',
      outcome: `${startedByRegistering} executions started`,
      ok: startedByRegistering === 0,
      durationMs: Date.now() - registerStarted,
      transitions: undefined,
    });

    // 2. Approve v1: its event, the dispatcher's execution, the deployment, a prediction.
    say('\n== 2. Approve v1');
    const first = await decide(v1, 'Approved');
    const detail = first.event?.detail as { ModelApprovalStatus?: string; ModelPackageVersion?: number } | undefined;
    rows.push({
      step: 'approval event (v1)',
      outcome: first.event
        ? `${first.event['detail-type']}: version ${detail?.ModelPackageVersion} ${detail?.ModelApprovalStatus}`
        : 'no event',
      ok: detail?.ModelApprovalStatus === 'Approved',
      durationMs: 0,
      transitions: undefined,
    });
    rows.push({
      step: 'dispatcher -> execution',
      outcome: first.name ? `DeployApprovedModelPackage ${first.name}` : 'no execution started',
      ok: first.name !== '',
      durationMs: 0,
      transitions: undefined,
    });
    rows.push({
      step: 'deploy v1 (approved)',
      outcome: outcomeOf(first.result),
      ok: first.result?.status === 'SUCCEEDED',
      durationMs: first.result?.durationMs ?? 0,
      transitions: first.result?.transitions,
    });
    const invokeStarted = Date.now();
    const v1Answer = await invoke();
    say(`   ${SAMPLE} -> ${v1Answer}`);
    rows.push({
      step: `invoke v1 (${SAMPLE})`,
      outcome: v1Answer,
      ok: v1Answer.includes('predictions'),
      durationMs: Date.now() - invokeStarted,
      transitions: undefined,
    });

    // 3. The same approval event again (EventBridge delivers at least once): no second execution.
    say('\n== 3. Deliver the approval event of v1 again');
    const redeliveryStarted = Date.now();
    const before = triggers.executions.list(deployApproved).length;
    if (first.event) await triggers.receive([first.event]);
    const after = triggers.executions.list(deployApproved).length;
    rows.push({
      step: 'duplicate approval event',
      outcome: `${after - before} new executions`,
      ok: first.event !== undefined && after === before,
      durationMs: Date.now() - redeliveryStarted,
      transitions: undefined,
    });

    // 4. Approve v2: deployed over v1.
    say('\n== 4. Approve v2');
    const second = await decide(v2, 'Approved');
    const v2Answer = await invoke();
    say(`   ${SAMPLE} -> ${v2Answer}`);
    rows.push({
      step: 'approve v2 -> deployed',
      outcome: `${outcomeOf(second.result)}; ${SAMPLE} -> ${v2Answer}`,
      ok: second.result?.status === 'SUCCEEDED' && v2Answer.includes('predictions') && v2Answer !== v1Answer,
      durationMs: second.result?.durationMs ?? 0,
      transitions: second.result?.transitions,
    });

    // 5. Reject v2: the latest package still Approved, v1, is deployed again.
    say('\n== 5. Reject v2');
    const third = await decide(v2, 'Rejected');
    const againAnswer = await invoke();
    const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
    say(`   ${SAMPLE} -> ${againAnswer}; endpoint ${endpoint.EndpointStatus}`);
    rows.push({
      step: 'reject v2 -> v1 redeployed',
      outcome: `${outcomeOf(third.result)}; ${SAMPLE} -> ${againAnswer}`,
      ok: third.result?.status === 'SUCCEEDED' && againAnswer === v1Answer && endpoint.EndpointStatus === 'InService',
      durationMs: third.result?.durationMs ?? 0,
      transitions: third.result?.transitions,
    });
  } finally {
    await engine?.stop();
    await engine?.executions.settled();
    await emulator.stop();
    if (options.keep) say(`State kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  }
  return reportDemo(rows, STEP_COUNT, json, started);
}

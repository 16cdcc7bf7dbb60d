import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { HOSTING_INSTANCE_RESOURCES } from '../../contracts/parts/instance-resources.ts';
import { exampleImage, exampleModelArchive } from '../../examples/example-models.ts';
import { exitOnInterrupt, startEmulator } from '../../local/emulator/index.ts';
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';
import { artifactBucketName, provisionLocalStack } from '../../local/runner/local-stack.ts';
import { createLocalRunner, type ExecutionResult, type LocalRunner } from '../../local/runner/runner.ts';
import { type LocalStepFunctions, serveLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { executionName } from '../execution-name.ts';
import { progressPrinter, shortCause } from '../render/progress.ts';
import { parseOptions, UsageError } from './args.ts';
import { reportDemo, type StepRow } from './demo-report.ts';

/** Help of `smwf demo`. */
const demoHelp = `Usage: smwf demo [--registry | --right-size [--report-dir DIR]] [--json] [--keep]

Shows the product end to end on this machine (what 'npm start' runs): starts the local emulator on a
fresh state directory, then drives the synthesized DeployEndpoint state machine with the real task
handlers:
  1. deploys model v1 of the example linear model to a new endpoint, health-checked;
  2. invokes it and prints the prediction;
  3. deploys v2 as an update while a background invoker keeps calling the endpoint (errors must be 0);
  4. deploys v3, a broken release that fails its health check, and shows the rollback to v2;
  5. deploys a multi-model endpoint serving v1 and v2 side by side (DeployMultiModelEndpoint), adds a third
     model to it while it serves (AddModelToMultiModelEndpoint) and removes one (RemoveModelFromMultiModelEndpoint);
  6. deploys a serial inference pipeline (DeploySerialPipeline): a featurizer standardizes the raw
     features, then a model trained on standardized features predicts, checked by its end-to-end answer;
  7. deploys two inference components, v1 and v2, on one shared endpoint (DeployInferenceComponent), updates
     the v1 component to v2 copy by copy while a background invoker calls the other (errors must be 0), and
     removes the updated one (RemoveInferenceComponent) while the other still answers;
  8. prints a summary table. Exits 0 when every step ended as expected.

With --registry it shows the Model Registry trigger instead: the emulator and the local trigger engine
run the stack synthesized with examples/smwf.registry-demo.config.json (one followed model package group);
it registers a group and package v1 (PendingManualApproval: nothing starts), approves v1 (the event, the
rule, the dispatcher Lambda, DeployApprovedModelPackage: the endpoint serves v1), delivers the approval
event again (no second execution), approves v2 (served), rejects v2 (v1 is deployed again) and prints the
summary table.

With --right-size it right-sizes the example model instead (RightSizeEndpoint, nothing deployed to stay): the
model serves each prediction in 20 ms, one per worker at a time; the candidates are ml.c5.large × 1 and 2
instances × SAGEMAKER_MODEL_SERVER_WORKERS 1 and 2, each a throwaway endpoint deployed, warmed up, loaded with
2, 4 and 6 users for 3 s each (P95 threshold 100 ms) and deleted, two at a time. It prints the ranked table
(sustained req/s, p95, instances and cost per hour for 60 req/s, cost per million inferences) and the
recommendation, and saves the HTML report and the Markdown summary as 'smwf run' does (under --report-dir, at
reports/RightSizeEndpoint/<execution name>/), printing their paths. About a minute.

Ctrl-C (or SIGTERM, SIGHUP) stops the emulator and every model process, removes the state directory (unless
--keep), prints one line and exits 128 + the signal's number (130 for Ctrl-C); a second Ctrl-C kills them at once.

Options:
  --registry        the Model Registry trigger demo (above) instead of the main one
  --right-size      the right-sizing demo (above) instead of the main one
  --report-dir DIR  with --right-size: where the report is saved                  default: .
  --json            one JSON object per state event (and per step result) instead of progress lines
  --keep            keep the emulator's state directory (printed) instead of deleting it
  -h, --help        show this help
`;

const IMAGE = exampleImage('linear');
const ENDPOINT = 'smwf-demo-linear';
const SAMPLE = '1,2';
const MME_ENDPOINT = 'smwf-demo-multi-model';
const PIPELINE_ENDPOINT = 'smwf-demo-pipeline';
const COMPONENT_ENDPOINT = 'smwf-demo-components';
/** The steps the demo runs, in order. */
const STEP_COUNT = 11;

/** Packs an example model folder into model.tar.gz and uploads it to `bucket` in the emulator's S3. */
async function uploadModel(s3: S3Client, bucket: string, folder: string): Promise<string> {
  const key = `models/${folder}/model.tar.gz`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await exampleModelArchive(folder) }));
  return `s3://${bucket}/${key}`;
}

function deployInput(version: string, modelDataUrl: string) {
  return {
    endpointName: ENDPOINT,
    modelVersion: version,
    model: { image: IMAGE, modelDataUrl },
    variants: [{ instanceType: 'ml.m5.large', initialInstanceCount: 1 }],
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: SAMPLE, expectedOutputContains: 'predictions' },
      ],
      invocations: 10,
      concurrency: 2,
      latencyBudgetMs: 2000,
    },
    wait: { initialIntervalSeconds: 5, maxIntervalSeconds: 30, timeoutMinutes: 10 },
  };
}

/** Calls the endpoint (or one of its inference components) until stopped, counting answers and errors. */
function backgroundInvoker(runtime: SageMakerRuntimeClient, endpointName = ENDPOINT, componentName?: string) {
  let running = true;
  const answers = new Map<string, number>();
  let errors = 0;
  let firstError = '';
  const loop = (async () => {
    while (running) {
      try {
        const out = await runtime.send(
          new InvokeEndpointCommand({
            EndpointName: endpointName,
            ContentType: 'text/csv',
            Accept: 'text/csv',
            Body: SAMPLE,
            ...(componentName !== undefined ? { InferenceComponentName: componentName } : {}),
          }),
        );
        const answer = new TextDecoder().decode(out.Body).trim();
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
      } catch (error) {
        errors += 1;
        firstError ||= `${(error as Error).name}: ${(error as Error).message}`;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const total = [...answers.values()].reduce((a, b) => a + b, 0) + errors;
      return { total, errors, firstError, answers };
    },
  };
}

/** `smwf demo`: the product end to end on the local emulator. */
export async function demo(args: string[]): Promise<number> {
  const values = parseOptions(args, {
    json: { type: 'boolean' },
    keep: { type: 'boolean' },
    registry: { type: 'boolean' },
    'right-size': { type: 'boolean' },
    'report-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(demoHelp);
    return 0;
  }
  if (values.registry && values['right-size'])
    throw new UsageError('--registry and --right-size are two demos: pick one');
  if (values['report-dir'] !== undefined && !values['right-size']) {
    throw new UsageError('--report-dir goes with --right-size');
  }
  const mode = values.registry ? 'registry-' : values['right-size'] ? 'right-size-' : '';
  const stateDir = mkdtempSync(join(tmpdir(), `smwf-demo-${mode}`));
  // Taken before the emulator starts, so an interrupt at any point stops whatever it has started.
  exitOnInterrupt({
    label: 'smwf demo',
    afterStop: () => {
      if (!values.keep) rmSync(stateDir, { recursive: true, force: true });
    },
  });
  if (values.registry) {
    return (await import('./demo-registry.ts')).registryDemo({
      json: values.json === true,
      keep: values.keep === true,
      stateDir,
    });
  }
  if (values['right-size']) {
    return (await import('./demo-right-size.ts')).rightSizeDemo({
      json: values.json === true,
      keep: values.keep === true,
      stateDir,
      reportDir: resolve(values['report-dir'] ?? '.'),
    });
  }
  const json = values.json === true;
  const color = !json && process.stdout.isTTY === true;
  const say = (text: string) => {
    if (!json) console.log(text);
  };
  const started = Date.now();
  const emulator = await startEmulator({
    port: 0,
    stateDir,
    startupTimeoutSeconds: 20,
    instanceTypes: HOSTING_INSTANCE_RESOURCES,
  });
  const rows: StepRow[] = [];
  let stepFunctions: LocalStepFunctions | undefined;
  try {
    useLocalEmulator(emulator.url);
    say(`Local emulator at ${emulator.url} (state in ${stateDir})`);
    const s3 = new S3Client({ forcePathStyle: true });
    const sagemaker = new SageMakerClient({});
    const runtime = new SageMakerRuntimeClient({});
    const runner: LocalRunner = await createLocalRunner({
      waitTimeMs: 100,
      executionRecordsDir: join(stateDir, 'executions'),
    });
    // The models go to the stack's artifact bucket, which the steps' roles and the execution role reach; the
    // endpoint leases live there too, and the lease asks Step Functions (DescribeExecution) about their holders.
    await provisionLocalStack(runner.workflows);
    stepFunctions = await serveLocalStepFunctions(runner);
    const bucket = artifactBucketName(runner.workflows);
    const [v1, v2, v3, featurizer, standardizedModel] = await Promise.all(
      ['linear-v1', 'linear-v2', 'linear-v3-broken', 'featurizer-v1', 'linear-standardized-v1'].map((folder) =>
        uploadModel(s3, bucket, folder),
      ),
    );
    const printer = progressPrinter({ json, color, write: (line) => console.log(line) });

    const deploy = async (step: string, version: string, url: string): Promise<ExecutionResult> => {
      say(`\n== ${step}`);
      const input = deployInput(version, url as string);
      const result = await runner.start('DeployEndpoint', input, {
        name: executionName('DeployEndpoint', input),
        onEvent: printer,
      }).result;
      if (json) console.log(JSON.stringify({ type: 'StepResult', step, status: result.status, error: result.error }));
      return result;
    };
    const invoke = async (endpointName = ENDPOINT, targetModel?: string, body = SAMPLE, componentName?: string) => {
      const out = await runtime.send(
        new InvokeEndpointCommand({
          EndpointName: endpointName,
          ContentType: 'text/csv',
          Accept: 'application/json',
          Body: body,
          ...(targetModel !== undefined ? { TargetModel: targetModel } : {}),
          ...(componentName !== undefined ? { InferenceComponentName: componentName } : {}),
        }),
      );
      return new TextDecoder().decode(out.Body).trim();
    };
    const run = async (step: string, workflow: string, input: unknown): Promise<ExecutionResult> => {
      say(`\n== ${step}`);
      const result = await runner.start(workflow, input, { name: executionName(workflow, input), onEvent: printer })
        .result;
      if (json) console.log(JSON.stringify({ type: 'StepResult', step, status: result.status, error: result.error }));
      return result;
    };
    const servingConfig = async () =>
      (await sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))).EndpointConfigName;

    // 1. First deployment.
    const first = await deploy('1. Deploy model v1 to a new endpoint', 'v1', v1 as string);
    rows.push({
      step: 'deploy v1 (create)',
      outcome: first.status === 'SUCCEEDED' ? 'succeeded' : `${first.status} ${first.error}`,
      ok: first.status === 'SUCCEEDED',
      durationMs: first.durationMs,
      transitions: first.transitions,
    });

    // 2. Invoke it.
    const invokeStarted = Date.now();
    let prediction = '';
    try {
      prediction = await invoke();
      say(`\n== 2. Invoke: ${SAMPLE} -> ${prediction}`);
    } catch (error) {
      say(`\n== 2. Invoke failed: ${(error as Error).message}`);
    }
    rows.push({
      step: `invoke v1 (${SAMPLE})`,
      outcome: prediction || 'failed',
      ok: prediction !== '',
      durationMs: Date.now() - invokeStarted,
      transitions: undefined,
    });

    // 3. Update to v2 under load.
    const invoker = backgroundInvoker(runtime);
    const second = await deploy(
      '3. Deploy v2 as an update while a background invoker calls the endpoint',
      'v2',
      v2 as string,
    );
    const load = await invoker.stop();
    const v2Config = await servingConfig();
    const answered = [...load.answers.entries()].map(([answer, count]) => `${answer}: ${count}`).join(', ');
    say(
      `   background invoker: ${load.total} requests, ${load.errors} errors (answers ${answered})${load.firstError ? `; first error ${load.firstError}` : ''}`,
    );
    rows.push({
      step: 'deploy v2 (update under load)',
      outcome: `${second.status === 'SUCCEEDED' ? 'succeeded' : `${second.status} ${second.error}`}; ${load.total} invocations, ${load.errors} errors`,
      ok: second.status === 'SUCCEEDED' && load.errors === 0 && load.total > 0,
      durationMs: second.durationMs,
      transitions: second.transitions,
    });

    // 4. A broken release: fails its health check, rolls back to v2.
    const third = await deploy('4. Deploy v3, a broken release (fails its health check)', 'v3', v3 as string);
    const afterRollback = await servingConfig();
    let stillAnswers = '';
    try {
      stillAnswers = await invoke();
    } catch (error) {
      stillAnswers = `error: ${(error as Error).message}`;
    }
    say(`   ${third.status}: ${third.error}: ${shortCause(third.cause)}`);
    say(
      `   endpoint back on ${afterRollback} (v2's config: ${afterRollback === v2Config ? 'yes' : 'NO'}), answering ${stillAnswers}`,
    );
    rows.push({
      step: 'deploy v3 (broken release)',
      outcome: `${third.status === 'FAILED' ? 'failed' : third.status} with ${third.error ?? 'no error'}; rolled back to v2`,
      ok:
        third.status === 'FAILED' &&
        third.error === 'HealthCheckFailedError' &&
        afterRollback === v2Config &&
        stillAnswers.includes('predictions'),
      durationMs: third.durationMs,
      transitions: third.transitions,
    });

    // 5. A multi-model endpoint: v1 and v2 side by side, a third model added while it serves, one removed.
    const healthCheck = {
      samples: [{ contentType: 'text/csv', accept: 'application/json', body: SAMPLE }],
      invocations: 2,
    };
    const mme = await run(
      '5. Deploy a multi-model endpoint serving v1 and v2 side by side',
      'DeployMultiModelEndpoint',
      {
        endpointName: MME_ENDPOINT,
        model: { image: IMAGE, prefix: `s3://${bucket}/multi-model/` },
        models: [
          { name: 'v1', artifact: v1 },
          { name: 'v2', artifact: v2 },
        ],
        variants: [{ instanceType: 'ml.m5.large' }],
        healthCheck,
        wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
      },
    );
    const placed = (mme.output as { placedModels?: { targetModel: string }[] } | undefined)?.placedModels ?? [];
    const answers = await Promise.all(
      placed.map(async ({ targetModel }) => `${targetModel.split('-')[0]}: ${await invoke(MME_ENDPOINT, targetModel)}`),
    );
    say(`   ${answers.join('; ')}`);
    rows.push({
      step: 'multi-model deploy (v1, v2)',
      outcome: mme.status === 'SUCCEEDED' ? `succeeded; ${answers.join('; ')}` : `${mme.status} ${mme.error}`,
      ok: mme.status === 'SUCCEEDED' && answers.length === 2 && answers.every((a) => a.includes('predictions')),
      durationMs: mme.durationMs,
      transitions: mme.transitions,
    });
    const added = await run('6. Add a model to it while it serves', 'AddModelToMultiModelEndpoint', {
      endpointName: MME_ENDPOINT,
      model: { name: 'v2-copy', artifact: v2 },
      healthCheck,
    });
    const addedModel = (added.output as { targetModel?: string } | undefined)?.targetModel;
    rows.push({
      step: 'multi-model add',
      outcome: added.status === 'SUCCEEDED' ? `succeeded; TargetModel ${addedModel}` : `${added.status} ${added.error}`,
      ok: added.status === 'SUCCEEDED' && addedModel !== undefined,
      durationMs: added.durationMs,
      transitions: added.transitions,
    });
    const removed = await run('7. Remove v1 from it', 'RemoveModelFromMultiModelEndpoint', {
      endpointName: MME_ENDPOINT,
      targetModel: placed[0]?.targetModel ?? 'v1',
      probe: { contentType: 'text/csv', body: SAMPLE },
    });
    const removal = removed.output as { newInvocations?: string } | undefined;
    rows.push({
      step: 'multi-model remove',
      outcome:
        removed.status === 'SUCCEEDED'
          ? `succeeded; new invocations of v1: ${removal?.newInvocations}`
          : `${removed.status} ${removed.error}`,
      ok: removed.status === 'SUCCEEDED',
      durationMs: removed.durationMs,
      transitions: removed.transitions,
    });

    // 8. A serial inference pipeline: the featurizer standardizes raw features, the model predicts on them; the
    // pair answers what linear-v1 answers on the raw features (12,24 -> 97).
    const pipelineSample = '12,24';
    const pipelineAnswer = '{"predictions":[97]}';
    const pipeline = await run(
      '8. Deploy a serial inference pipeline: featurizer, then a model trained on standardized features',
      'DeploySerialPipeline',
      {
        endpointName: PIPELINE_ENDPOINT,
        containers: [
          { hostname: 'featurizer', image: exampleImage('featurizer'), modelDataUrl: featurizer },
          { hostname: 'model', image: IMAGE, modelDataUrl: standardizedModel },
        ],
        variants: [{ instanceType: 'ml.m5.large' }],
        healthCheck: {
          samples: [
            {
              contentType: 'text/csv',
              accept: 'application/json',
              body: pipelineSample,
              expectedOutput: pipelineAnswer,
            },
          ],
          invocations: 2,
        },
        wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
      },
    );
    let pipelineSays = '';
    try {
      pipelineSays = await invoke(PIPELINE_ENDPOINT, undefined, pipelineSample);
    } catch (error) {
      pipelineSays = `error: ${(error as Error).message}`;
    }
    say(`   ${pipelineSample} -> featurizer -> model -> ${pipelineSays}`);
    rows.push({
      step: 'serial pipeline (featurizer, model)',
      outcome:
        pipeline.status === 'SUCCEEDED'
          ? `succeeded; ${pipelineSample} -> ${pipelineSays}`
          : `${pipeline.status} ${pipeline.error}`,
      ok: pipeline.status === 'SUCCEEDED' && pipelineSays === pipelineAnswer,
      durationMs: pipeline.durationMs,
      transitions: pipeline.transitions,
    });

    // 9-11. Inference components: two models on one endpoint's shared instance, each with its own cores and copies.
    const componentInput = (name: string, artifact: string) => ({
      endpointName: COMPONENT_ENDPOINT,
      // ml.m5.large: 2 vCPUs, room for both components and one more copy while one rolls.
      endpoint: { instanceType: 'ml.m5.large', initialInstanceCount: 1 },
      component: {
        name,
        container: { image: IMAGE, artifact },
        computeResourceRequirements: { cpus: 0.5, minMemoryMb: 1024 },
      },
      rollingUpdate: { maximumBatchSize: { type: 'COPY_COUNT', value: 1 } },
      healthCheck: { ...healthCheck, samples: [{ ...healthCheck.samples[0], expectedOutputContains: 'predictions' }] },
      wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    });
    const answerOf = async (component: string) => {
      try {
        return await invoke(COMPONENT_ENDPOINT, undefined, SAMPLE, component);
      } catch (error) {
        return `error: ${(error as Error).name}`;
      }
    };
    const firstComponent = await run(
      '9. Deploy two inference components, v1 and v2, on one shared endpoint',
      'DeployInferenceComponent',
      componentInput('churn-a', v1 as string),
    );
    const secondComponent = await run(
      '9. (the second component)',
      'DeployInferenceComponent',
      componentInput('churn-b', v2 as string),
    );
    const [aV1, bV2] = [await answerOf('churn-a'), await answerOf('churn-b')];
    say(`   churn-a: ${aV1}; churn-b: ${bV2}`);
    rows.push({
      step: 'components deploy (v1, v2 on one endpoint)',
      outcome:
        firstComponent.status === 'SUCCEEDED' && secondComponent.status === 'SUCCEEDED'
          ? `succeeded; churn-a: ${aV1}; churn-b: ${bV2}`
          : `${firstComponent.status} ${firstComponent.error ?? ''} / ${secondComponent.status} ${secondComponent.error ?? ''}`,
      ok:
        firstComponent.status === 'SUCCEEDED' &&
        secondComponent.status === 'SUCCEEDED' &&
        aV1.includes('predictions') &&
        bV2.includes('predictions') &&
        aV1 !== bV2,
      durationMs: firstComponent.durationMs + secondComponent.durationMs,
      transitions: firstComponent.transitions + secondComponent.transitions,
    });
    const otherInvoker = backgroundInvoker(runtime, COMPONENT_ENDPOINT, 'churn-b');
    const componentUpdate = await run(
      '10. Update churn-a to v2 copy by copy while a background invoker calls churn-b',
      'DeployInferenceComponent',
      componentInput('churn-a', v2 as string),
    );
    const otherLoad = await otherInvoker.stop();
    const aNow = await answerOf('churn-a');
    say(
      `   churn-b invoker: ${otherLoad.total} requests, ${otherLoad.errors} errors${otherLoad.firstError ? ` (first: ${otherLoad.firstError})` : ''}; churn-a now answers ${aNow}`,
    );
    rows.push({
      step: 'component update under load',
      outcome: `${componentUpdate.status === 'SUCCEEDED' ? 'succeeded' : `${componentUpdate.status} ${componentUpdate.error}`}; churn-a -> ${aNow}; churn-b: ${otherLoad.total} invocations, ${otherLoad.errors} errors`,
      ok: componentUpdate.status === 'SUCCEEDED' && aNow === bV2 && otherLoad.errors === 0 && otherLoad.total > 0,
      durationMs: componentUpdate.durationMs,
      transitions: componentUpdate.transitions,
    });
    const componentRemoval = await run('11. Remove churn-a', 'RemoveInferenceComponent', {
      endpointName: COMPONENT_ENDPOINT,
      component: { name: 'churn-a' },
      probe: { contentType: 'text/csv', body: SAMPLE },
      wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    });
    const probe = (componentRemoval.output as { probe?: { answer?: string } } | undefined)?.probe?.answer;
    const bAfter = await answerOf('churn-b');
    say(`   churn-a is now ${probe ?? 'unknown'} by the endpoint; churn-b answers ${bAfter}`);
    rows.push({
      step: 'component remove',
      outcome:
        componentRemoval.status === 'SUCCEEDED'
          ? `succeeded; churn-a ${probe}; churn-b -> ${bAfter}`
          : `${componentRemoval.status} ${componentRemoval.error}`,
      ok: componentRemoval.status === 'SUCCEEDED' && probe === 'refused' && bAfter === bV2,
      durationMs: componentRemoval.durationMs,
      transitions: componentRemoval.transitions,
    });
  } finally {
    await stepFunctions?.stop();
    await emulator.stop();
    if (values.keep) say(`State kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  }

  return reportDemo(rows, STEP_COUNT, json, started);
}

/**
 * What the local permission checks cost a step's call: the same SageMaker call against the emulator made outside a
 * step (unchecked) and as a step (mapped to its IAM action, evaluated against a role policy of the synthesized stack,
 * recorded), interleaved so machine load hits both alike; and the check alone (mapping and evaluation), in a loop.
 *
 *   npm run bench -- permissions
 *   npm run bench -- permissions --quick
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListModelsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { evaluate } from '../local/emulator/iam/policy.ts';
import { startEmulator } from '../local/emulator/index.ts';
import { useLocalEmulator } from '../local/runner/local-aws-env.ts';
import { callerOf, runAs } from '../local/runner/permissions/enforcement.ts';
import { requiredPermissions } from '../local/runner/permissions/required-permissions.ts';
import { loadSynthesizedWorkflows } from '../local/runner/synthesize.ts';
import { isQuick, markdownTable, median, reportRows, verdict } from './summary.ts';

const IDENTITY = { account: '123456789012', region: 'us-east-1' };
/** What the checks may add to a call: well under the emulator's own round trip. */
const GOAL_MS = 0.5;

const calls = isQuick() ? 200 : 1000;
const stateDir = mkdtempSync(join(tmpdir(), 'smwf-bench-permissions-'));
const emulator = await startEmulator({ port: 0, stateDir });
try {
  useLocalEmulator(emulator.url);
  const workflows = await loadSynthesizedWorkflows(IDENTITY);
  const fn = [...workflows.functions.values()].find((f) => f.task === 'FinalizeDeployment');
  if (fn === undefined) throw new Error('no FinalizeDeployment function');
  const caller = callerOf(fn, workflows, IDENTITY.account);
  const sagemaker = new SageMakerClient({});
  const call = () => sagemaker.send(new ListModelsCommand({}));
  for (let i = 0; i < 20; i++) await call(); // warm up connections and the SDK
  const unchecked: number[] = [];
  const checked: number[] = [];
  for (let i = 0; i < calls; i++) {
    let started = performance.now();
    await call();
    unchecked.push(performance.now() - started);
    started = performance.now();
    await runAs(caller, call);
    checked.push(performance.now() - started);
  }

  const scope = { region: IDENTITY.region, account: IDENTITY.account, bucketKeys: caller.bucketKeys };
  const input = { EndpointConfigName: 'churn-1a2b3c4d5e' };
  const loops = calls * 20;
  const started = performance.now();
  for (let i = 0; i < loops; i++) {
    for (const request of requiredPermissions('SageMakerClient', 'DescribeEndpointConfig', input, scope)) {
      evaluate(caller.role.statements, request);
    }
  }
  const checkOnlyMs = (performance.now() - started) / loops;

  const added = median(checked) - median(unchecked);
  console.log(`\nPermission checks: ${calls} ListModels calls each way, ${loops} checks alone`);
  console.log(
    markdownTable(
      ['figure', 'median ms'],
      [
        ['call outside a step (unchecked)', median(unchecked).toFixed(3)],
        ['call as a step (checked)', median(checked).toFixed(3)],
        ['added by the check', added.toFixed(3)],
        ['the check alone (map + evaluate)', checkOnlyMs.toFixed(4)],
      ],
    ),
  );
  reportRows([
    {
      figure: 'permission check added per call',
      measured: `${added.toFixed(3)} ms`,
      goal: `< ${GOAL_MS} ms`,
      verdict: verdict(added < GOAL_MS),
    },
  ]);
} finally {
  await emulator.stop();
  rmSync(stateDir, { recursive: true, force: true });
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../contracts/errors.ts';
import * as errors from '../../contracts/errors.ts';
import { EndpointBusyError, ModelSourceChangedError, SageMakerThrottledError } from '../../contracts/errors.ts';
import { projectRoot } from '../../infra/project-root.ts';
import { allStates } from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { PackageModelStates } from '../../workflows/package-model/definition.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';

let definitions: Record<string, Record<string, unknown>>;
let functions: SynthesizedWorkflows['functions'];

beforeAll(async () => {
  ({ definitions, functions } = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' }));
});

/** Every error class that declares a retry policy, by name. */
const RETRY_POLICIES = new Map<string, RetryPolicy>([
  ...Object.values(errors).flatMap((value) =>
    typeof value === 'function' && 'retry' in value && 'errorName' in value
      ? [[String(value.errorName), value.retry as RetryPolicy] as const]
      : [],
  ),
  ...errors.LambdaServiceErrors.errorNames.map((name) => [name, errors.LambdaServiceErrors.retry] as const),
]);

type Retrier = { ErrorEquals: string[]; MaxDelaySeconds?: number; JitterStrategy?: string };

describe.each(WORKFLOWS.map((w) => w.name))('the synthesized %s definition', (workflow) => {
  it('is valid Amazon States Language', () => {
    const { isValid, errorsText } = aslValidator(definitions[workflow] as never);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('gives every Task a timeout, capped jittered retries for Lambda and SageMaker throttling, and a Catch', () => {
    const tasks = allStates(definitions[workflow] as never).filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) {
      expect(state.TimeoutSeconds, `${name} TimeoutSeconds`).toBeGreaterThan(0);
      const retries = (state.Retry ?? []) as Retrier[];
      const retried = retries.flatMap((r) => r.ErrorEquals);
      expect(retried, name).toContain('Lambda.TooManyRequestsException');
      expect(retried, name).toContain('Lambda.ServiceException');
      expect(retried, name).toContain('Lambda.ClientExecutionTimeoutException');
      expect(retried, name).toContain(SageMakerThrottledError.errorName);
      expect(retried, `${name} must not retry States.ALL`).not.toContain('States.ALL');
      for (const retry of retries) {
        expect(retry.MaxDelaySeconds, `${name} MaxDelaySeconds`).toBeGreaterThan(0);
        expect(retry.JitterStrategy, `${name} JitterStrategy`).toBe('FULL');
      }
      expect((state.Catch as unknown[] | undefined)?.length, `${name} Catch`).toBeGreaterThan(0);
    }
  });

  it("names each Task's code folder in its Comment: the folder of the handler its function runs", () => {
    const tasks = allStates(definitions[workflow] as never).filter(([, state]) => state.Type === 'Task');
    for (const [name, state] of tasks) {
      const arn = String((state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName);
      const code = functions.get(arn)?.code ?? '';
      expect(state.Comment, name).toBe(`Code: ${code.slice(0, code.lastIndexOf('/'))}/`);
      expect(existsSync(join(projectRoot, code)), `${name}: ${code}`).toBe(true);
    }
  });

  it('retries only errors that declare a retry policy, each with that policy', () => {
    const tasks = allStates(definitions[workflow] as never).filter(([, state]) => state.Type === 'Task');
    for (const [name, state] of tasks) {
      for (const retry of (state.Retry ?? []) as (Retrier & Record<string, number>)[]) {
        for (const error of retry.ErrorEquals) {
          const policy = RETRY_POLICIES.get(error);
          expect(policy, `${name} retries ${error}, which declares no retry policy`).toBeDefined();
          expect(retry.IntervalSeconds, `${name} ${error}`).toBe(policy?.intervalSeconds);
          expect(retry.BackoffRate, `${name} ${error}`).toBe(policy?.backoffRate);
          expect(retry.MaxDelaySeconds, `${name} ${error}`).toBe(policy?.maxDelaySeconds);
        }
      }
    }
  });

  it('names its states from its state map, each once', () => {
    const names = allStates(definitions[workflow] as never).map(([name]) => name);
    const states = WORKFLOWS.find((w) => w.name === workflow)?.states ?? {};
    expect(names.sort()).toEqual([...new Set(Object.values(states))].sort());
  });

  it('uses JSONPath only: no JSONata, Assign, Arguments, Output or ItemReader (the local interpreter ignores them)', () => {
    const text = JSON.stringify(definitions[workflow]);
    for (const construct of ['"JSONata"', '"Assign"', '"Arguments"', '"Output"', 'ItemReader', '{%']) {
      expect(text, construct).not.toContain(construct);
    }
  });
  it('runs a Distributed Map only over inline items, using nothing the local runner does not run (DESIGN, Local mode)', () => {
    const distributed = allStates(definitions[workflow] as never).filter(
      ([, state]) =>
        (state.ItemProcessor as { ProcessorConfig?: { Mode?: string } })?.ProcessorConfig?.Mode === 'DISTRIBUTED',
    );
    for (const [name, state] of distributed) {
      expect(state.ItemsPath, name).toEqual(expect.any(String));
      for (const field of [
        'ItemReader',
        'ItemBatcher',
        'ResultWriter',
        'ToleratedFailurePercentage',
        'ToleratedFailurePercentagePath',
        'ToleratedFailureCount',
        'ToleratedFailureCountPath',
      ]) {
        expect(state[field], `${name} ${field}`).toBeUndefined();
      }
    }
  });
});

describe('the synthesized DeployEndpoint definition', () => {
  it('waits for a busy endpoint with a bounded retry before starting the deployment', () => {
    const states = Object.fromEntries(allStates(definitions.DeployEndpoint as never));
    const busy = ((states.StartDeployment?.Retry ?? []) as (Retrier & { MaxAttempts: number })[]).find((r) =>
      r.ErrorEquals.includes(EndpointBusyError.errorName),
    );
    expect(busy?.MaxAttempts).toBeGreaterThan(1);
    expect(busy?.MaxDelaySeconds).toBeLessThanOrEqual(300);
  });
});

describe('the synthesized PackageModel definition', () => {
  it('packages once more when a source changes mid-way, and ends with the package as output', () => {
    const states = Object.fromEntries(allStates(definitions.PackageModel as never));
    for (const name of [PackageModelStates.BuildArchive, PackageModelStates.CopyUncompressedModel]) {
      const retried = ((states[name]?.Retry ?? []) as Retrier[]).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toContain(ModelSourceChangedError.errorName);
    }
    expect(states[PackageModelStates.PackageReady]).toMatchObject({ Type: 'Succeed', OutputPath: '$.packaged' });
  });
});

/** `smwf run` locally: the CLI against a running emulator (--endpoint-url), real handlers and model processes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { CONFIG_ENV } from '../../infra/deployment-config/load.ts';
import { E2E_DEPLOYMENT_CONFIG } from '../e2e/e2e-stack.ts';
import { deploy, deployInput, describeEndpoint, type Harness, startHarness } from '../e2e/harness.ts';

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'smwf-cli-run-'));
  // smwf run deploys the stack a user's config describes: here the one naming the buckets the harness uses.
  vi.stubEnv(CONFIG_ENV, E2E_DEPLOYMENT_CONFIG);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function inputFile(name: string, input: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(input));
  return path;
}

async function runCli(args: string[]) {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, lines };
}

describe('smwf run (local)', () => {
  it("packages a model into the stack's artifact bucket when no output is given", async () => {
    const source = h.models['linear-v1'].replace(/model\.tar\.gz$/, '');
    await h.s3.send(
      new PutObjectCommand({
        Bucket: source.split('/')[2],
        Key: 'pm-src/weights.json',
        Body: '{"coefficients":[1],"intercept":0}',
      }),
    );
    const input = inputFile('package', { source: `s3://${source.split('/')[2]}/pm-src/`, framework: 'custom' });

    const { code, lines } = await runCli(['run', 'PackageModel', '--input', input, '--endpoint-url', h.emulator.url]);

    expect(code).toBe(0);
    const output = JSON.parse(lines.slice(lines.findIndex((l) => l.startsWith('{'))).join('\n')) as {
      modelDataUrl?: string;
    };
    expect(output.modelDataUrl).toMatch(/^s3:\/\/artifacts[0-9a-f]{8}\/packages\/.*model\.tar\.gz$/);
  });

  it('deploys an endpoint, printing one JSON event per line and the result', async () => {
    const input = inputFile('ok', deployInput('cli-run', h.models['linear-v1']));

    const { code, lines } = await runCli([
      'run',
      'DeployEndpoint',
      '--input',
      input,
      '--endpoint-url',
      h.emulator.url,
      '--json',
    ]);

    expect(code).toBe(0);
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toContain('HealthCheck');
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionResult', status: 'SUCCEEDED' });
    expect((await describeEndpoint(h, 'cli-run'))?.EndpointStatus).toBe('InService');
  });

  it('saves a load test’s report into --report-dir and prints where', async () => {
    const deployed = await deploy(h, deployInput('cli-lt', h.models['linear-v1']));
    expect(deployed.status, deployed.cause).toBe('SUCCEEDED');
    const input = inputFile('load-test', {
      endpointName: 'cli-lt',
      confirmEndpointName: 'cli-lt',
      samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
      // The report is what is asserted: one-second steps (each a second of CPU against a model that answers at once).
      pattern: { stairs: { usersPerStep: 1, steps: 2, stepSeconds: 1 } },
      stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: 2000 } },
      liveTrafficGuard: { lookbackMinutes: 10, maxRecentInvocations: 100 },
      options: {
        usersPerWorker: 2,
        startLeadSeconds: 1,
        windowSeconds: 1,
        metricsPeriodSeconds: 1,
        metricsDelaySeconds: 0,
      },
    });
    const reportDir = join(dir, 'reports-here');

    const { code, lines } = await runCli([
      'run',
      'LoadTestEndpoint',
      '--input',
      input,
      '--endpoint-url',
      h.emulator.url,
      '--name',
      'cli-lt-1',
      '--report-dir',
      reportDir,
    ]);

    expect(code).toBe(0);
    const html = join(reportDir, 'reports', 'LoadTestEndpoint', 'cli-lt-1', 'report.html');
    const markdown = join(reportDir, 'reports', 'LoadTestEndpoint', 'cli-lt-1', 'summary.md');
    expect(lines).toContain(`report: ${html}\nsummary: ${markdown}`);
    expect(readFileSync(html, 'utf8')).toContain('<h1>Load test of cli-lt</h1>');
    expect(readFileSync(markdown, 'utf8')).toMatch(/^# Load test of cli-lt\n/);
  });

  it('exits 2 with a clear message, not a stack overflow, for an input nested 20,000 levels deep', async () => {
    const path = join(dir, 'deep.json');
    writeFileSync(path, `{"endpointName":"deep","tags":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`);

    const { code, lines } = await runCli(['run', 'DeployEndpoint', '--input', path, '--endpoint-url', h.emulator.url]);

    expect(code).toBe(2);
    expect(lines.join('\n')).toContain(`--input ${path}: the input nests deeper than 32 levels`);
  });

  it("exits 2 for an input over Step Functions' 256 KiB, starting nothing", async () => {
    const input = { ...deployInput('too-large', h.models['linear-v1']), modelVersion: 'v'.repeat(300_000) };
    const path = inputFile('too-large', input);

    const { code, lines } = await runCli(['run', 'DeployEndpoint', '--input', path, '--endpoint-url', h.emulator.url]);

    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(
      /the input is (more than )?\d+ bytes of JSON; Step Functions accepts at most 262144/,
    );
    expect(await describeEndpoint(h, 'too-large')).toBeUndefined();
  });

  it('exits 1 with the error and cause when the execution fails', async () => {
    const input = inputFile('bad', { ...deployInput('cli-run-bad', h.models['linear-v1']), variants: [] });

    const { code, lines } = await runCli(['run', 'DeployEndpoint', '--input', input, '--endpoint-url', h.emulator.url]);

    expect(code).toBe(1);
    expect(lines.at(-1)).toMatch(/^FAILED in \d+\.\d s: InvalidInputError: .*variants/);
    expect(lines.some((line) => line.includes('→ ValidateInput'))).toBe(true);
    // The cause is shown on the failing state's line and in the summary, not a third time.
    expect(lines.filter((line) => line.includes('Invalid DeployEndpoint input'))).toHaveLength(2);
  });

  it('gives the clean {errorType, errorMessage} as the cause in --json mode, never a stack trace', async () => {
    const input = inputFile('bad-json', { ...deployInput('cli-run-bad', h.models['linear-v1']), variants: [] });

    const { code, lines } = await runCli([
      'run',
      'DeployEndpoint',
      '--input',
      input,
      '--endpoint-url',
      h.emulator.url,
      '--json',
    ]);

    expect(code).toBe(1);
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const result = events.at(-1);
    expect(result).toMatchObject({
      type: 'ExecutionResult',
      status: 'FAILED',
      error: 'InvalidInputError',
      cause: { errorType: 'InvalidInputError', errorMessage: expect.stringContaining('variants') },
    });
    expect(Object.keys(result?.cause as object).sort()).toEqual(['errorMessage', 'errorType']);
    for (const line of lines) {
      expect(line).not.toContain('trace');
      expect(line).not.toContain(process.cwd());
    }
  });
});

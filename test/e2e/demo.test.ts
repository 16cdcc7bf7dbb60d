/**
 * `npm start` is `smwf demo`; `smwf demo --registry` shows the Model Registry trigger; `smwf demo --right-size`
 * right-sizes the example model. Run each as a user would, as a child process, and check its verdict.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RIGHT_SIZE_DEMO_SERVICE_MS } from '../../cli/commands/demo-right-size.ts';
import { SpawnedCommand, whenNoneLeft } from '../cli/spawned-command.ts';

function runDemo(...extra: string[]): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['cli/bin.js', 'demo', '--json', ...extra], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { ...process.env, AWS_ENDPOINT_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) process.stderr.write(stderr);
      resolve({ code, lines: stdout.trim().split('\n') });
    });
  });
}

describe('smwf demo', () => {
  it('deploys v1, updates to v2 under load with no errors, rolls back the broken v3, runs a multi-model endpoint, a serial pipeline and two inference components, and exits 0', async () => {
    const { code, lines } = await runDemo();

    const result = JSON.parse(lines.at(-1) ?? '{}') as {
      type: string;
      ok: boolean;
      steps: { step: string; ok: boolean; outcome: string }[];
    };
    expect(result.type).toBe('DemoResult');
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
      ['deploy v1 (create)', true],
      ['invoke v1 (1,2)', true],
      ['deploy v2 (update under load)', true],
      ['deploy v3 (broken release)', true],
      ['multi-model deploy (v1, v2)', true],
      ['multi-model add', true],
      ['multi-model remove', true],
      ['serial pipeline (featurizer, model)', true],
      ['components deploy (v1, v2 on one endpoint)', true],
      ['component update under load', true],
      ['component remove', true],
    ]);
    expect(result.steps[2]?.outcome).toMatch(/, 0 errors$/);
    expect(result.steps[7]?.outcome).toBe('succeeded; 12,24 -> {"predictions":[97]}');
    // The other component kept answering while one rolled to v2, which then answers as v2 does.
    expect(result.steps[9]?.outcome).toMatch(
      /^succeeded; churn-a -> \{"predictions":\[9\.5\]\}; churn-b: [1-9]\d* invocations, 0 errors$/,
    );
    expect(result.steps[10]?.outcome).toBe('succeeded; churn-a refused; churn-b -> {"predictions":[9.5]}');
    expect(result.ok).toBe(true);
    expect(code).toBe(0);
  }, 180_000);

  it('--registry: registering starts nothing; approving v1 deploys it through the rule and the dispatcher; a duplicate event starts nothing; v2 is deployed, then rejected, and v1 is served again', async () => {
    const { code, lines } = await runDemo('--registry');

    const result = JSON.parse(lines.at(-1) ?? '{}') as {
      type: string;
      ok: boolean;
      steps: { step: string; ok: boolean; outcome: string }[];
    };
    expect(result.type).toBe('DemoResult');
    expect(result.steps.map((s) => [s.step, s.outcome])).toEqual([
      ['register v1, v2 (pending)', '0 executions started'],
      ['approval event (v1)', 'SageMaker Model Package State Change: version 1 Approved'],
      [
        'dispatcher -> execution',
        expect.stringMatching(/^DeployApprovedModelPackage smwf-demo-churn-v1-approved-[0-9a-f]{16}$/),
      ],
      ['deploy v1 (approved)', 'succeeded'],
      ['invoke v1 (1,2)', '{"predictions":[9]}'],
      ['duplicate approval event', '0 new executions'],
      ['approve v2 -> deployed', 'succeeded; 1,2 -> {"predictions":[9.5]}'],
      ['reject v2 -> v1 redeployed', 'succeeded; 1,2 -> {"predictions":[9]}'],
    ]);
    expect(result.steps.every((s) => s.ok)).toBe(true);
    const deliveries = lines.map((line) => JSON.parse(line) as { type?: string; trigger?: string; outcome?: string });
    expect(deliveries.filter((d) => d.type === 'Delivery').map((d) => [d.trigger, d.outcome])).toEqual(
      Array(4).fill(['rule', 'delivered']),
    );
    expect(result.ok).toBe(true);
    expect(code).toBe(0);
  }, 120_000);

  it('--right-size: prints the four candidates ranked, recommends two workers, saves the report and leaves no process', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'smwf-demo-right-size-report-'));
    const command = SpawnedCommand.start(['demo', '--right-size', '--report-dir', reportDir]);
    try {
      const ended = await command.ended;
      const { lines } = command;

      expect(ended, lines.join('\n')).toEqual({ code: 0, signal: null });
      // The table: its header, a rule, then one row per candidate, columns two spaces or more apart.
      const header = lines.findIndex((line) => line.startsWith('rank  candidate'));
      expect(lines[header]?.split(/ {2,}/)).toEqual([
        'rank',
        'candidate',
        'sustained req/s',
        'p95 ms',
        'instances at target',
        '$/hour at target',
        '$/million',
      ]);
      const rows = lines.slice(header + 2, header + 6).map((line) => line.split(/ {2,}/));
      expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4']);
      expect(rows.map((r) => r[1]).sort()).toEqual([
        'ml.c5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=1',
        'ml.c5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2',
        'ml.c5.large × 2, SAGEMAKER_MODEL_SERVER_WORKERS=1',
        'ml.c5.large × 2, SAGEMAKER_MODEL_SERVER_WORKERS=2',
      ]);
      for (const row of rows) expect(row).toHaveLength(7);
      // One worker serves one prediction at a time: never more than 1 / service time (50 a second), whatever the load.
      const single = rows.find((r) => r[1] === 'ml.c5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=1');
      expect(Number(single?.[2])).toBeGreaterThan(0);
      expect(Number(single?.[2])).toBeLessThanOrEqual((1000 / RIGHT_SIZE_DEMO_SERVICE_MS) * 1.2);
      // Two workers an instance sustain more per instance than one, so they are the cheapest at the target.
      expect(rows[0]?.[1]).toMatch(/SAGEMAKER_MODEL_SERVER_WORKERS=2$/);
      expect(lines.find((line) => line.startsWith('Recommended: '))).toMatch(
        /^Recommended: ml\.c5\.large × \d+ instances?, SAGEMAKER_MODEL_SERVER_WORKERS=2, \$[\d.]+\/hour\. .* is the cheapest candidate at 60 requests per second/,
      );

      // The report and the summary, where smwf run saves them, and their paths printed.
      const html = lines.find((line) => line.startsWith('report: '))?.slice('report: '.length) ?? '';
      const markdown = lines.find((line) => line.startsWith('summary: '))?.slice('summary: '.length) ?? '';
      expect(html).toMatch(new RegExp(`^${reportDir}/reports/RightSizeEndpoint/[^/]+/report\\.html$`));
      expect(markdown).toBe(html.replace(/report\.html$/, 'summary.md'));
      expect(readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
      expect(readFileSync(markdown, 'utf8')).toContain('ml.c5.large');

      // No endpoint's model process (nor anything else of the run) outlives the demo, and its state is gone.
      expect(await whenNoneLeft(command)).toEqual([]);
      const state = lines.find((line) => line.startsWith('Local emulator at '))?.match(/\(state in (.+)\)$/)?.[1];
      expect(state).toBeDefined();
      expect(existsSync(state as string)).toBe(false);
    } finally {
      command.cleanUp();
      rmSync(reportDir, { recursive: true, force: true });
    }
  }, 180_000);
});

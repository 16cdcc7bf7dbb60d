/** `npm start` is `smwf demo`; `smwf demo --registry` shows the Model Registry trigger. Run each as a user would, as a child process, and check its verdict. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

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
  it('deploys v1, updates to v2 under load with no errors, rolls back the broken v3, runs a multi-model endpoint and a serial pipeline, and exits 0', async () => {
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
    ]);
    expect(result.steps[2]?.outcome).toMatch(/, 0 errors$/);
    expect(result.steps[7]?.outcome).toBe('succeeded; 12,24 -> {"predictions":[97]}');
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
});

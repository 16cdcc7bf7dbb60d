/**
 * `smwf demo --registry` shows the Model Registry trigger: run as a user would, as a child process, and its verdict
 * checked. `npm start` (`smwf demo`) and `smwf demo --right-size` are checked on the runs the README's doc test
 * makes of them (test/readme/quick-start.test.ts and the-smwf-command.test.ts), not run a second time here.
 */
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

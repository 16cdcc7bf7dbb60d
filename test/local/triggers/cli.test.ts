import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeDelivery } from '../../../cli/commands/local-start.ts';

const CLI = fileURLToPath(new URL('../../../cli/bin.js', import.meta.url));

/** Runs `smwf local start` until `done` matches what it printed, then stops it with SIGTERM. */
async function printedBy(args: string[], done: RegExp): Promise<{ output: string; code: number | null }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-cli-triggers-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'local', 'start', '--port', '0', '--state-dir', stateDir, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not printed: ${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (done.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`exited early: ${output}`));
      });
    });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    return { output, code };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
}

describe('smwf local start and triggers', () => {
  it("runs the stack's triggers by default and says what it loaded; --no-triggers turns them off", async () => {
    const on = await printedBy([], /smwf local: triggers: \d+ rule\(s\), \d+ schedule\(s\)/);
    expect(on.code).toBe(143);
    const off = await printedBy(['--no-triggers'], /Ctrl-C stops the emulator/);
    expect(off.code).toBe(143);
    expect(off.output).not.toMatch(/triggers:/);
  });

  it('prints each delivery on one line', () => {
    expect(
      describeDelivery({
        trigger: 'schedule',
        name: 'nightly',
        targetArn: 'arn:sm',
        outcome: 'delivered',
        attempts: 1,
        scheduledTime: '2026-12-01T03:00:00.000Z',
        executionArn: 'arn:exec',
      }),
    ).toBe('smwf local: schedule nightly (2026-12-01T03:00:00.000Z) -> arn:exec');
    expect(
      describeDelivery({
        trigger: 'rule',
        name: 'follow',
        targetArn: 'arn:sm',
        outcome: 'dead-letter',
        attempts: 1,
        eventId: 'e-1',
        error: 'StateMachineDoesNotExist: gone',
      }),
    ).toBe('smwf local: rule follow (event e-1) -> dead letter after 1 attempt(s): StateMachineDoesNotExist: gone');
  });
});

/**
 * The doc test (doc-test.ts) of the README's "Quick start" section, in a file of its own so it runs beside the
 * others. Its `npm start` (`smwf demo`) is also where the demo's end-to-end checks run, on its summary table: every
 * step, how each ended and the verdict (one run of the demo, not a second one elsewhere).
 */
import { describe, expect, it } from 'vitest';
import { describeReadmeSessions } from './doc-test.ts';

const DEMO = 'npm start';

const ran = describeReadmeSessions(import.meta.url, [DEMO]);

describe('smwf demo', () => {
  it('deploys v1, updates to v2 under load with no errors, rolls back the broken v3, runs a multi-model endpoint, a serial pipeline and two inference components, and exits 0', () => {
    const run = ran(DEMO);
    const lines = run.stdout.split('\n');

    // The summary table: its header, a rule, then one row per step, columns two spaces or more apart.
    const header = lines.findIndex((line) => line.startsWith('step  ') && line.includes('  as expected'));
    expect(header, run.stdout).toBeGreaterThan(-1);
    expect(lines[header]?.split(/ {2,}/)).toEqual(['step', 'outcome', 'duration', 'transitions', 'as expected']);
    const rows = lines.slice(header + 2, header + 13).map((line) => {
      const cells = line.split(/ {2,}/);
      return { step: cells[0], outcome: cells[1], ok: cells.at(-1) };
    });
    expect(rows.map((r) => [r.step, r.ok])).toEqual([
      ['deploy v1 (create)', 'yes'],
      ['invoke v1 (1,2)', 'yes'],
      ['deploy v2 (update under load)', 'yes'],
      ['deploy v3 (broken release)', 'yes'],
      ['multi-model deploy (v1, v2)', 'yes'],
      ['multi-model add', 'yes'],
      ['multi-model remove', 'yes'],
      ['serial pipeline (featurizer, model)', 'yes'],
      ['components deploy (v1, v2 on one endpoint)', 'yes'],
      ['component update under load', 'yes'],
      ['component remove', 'yes'],
    ]);
    expect(lines[header + 13]?.trim()).toBe('');
    expect(rows[2]?.outcome).toMatch(/, 0 errors$/);
    expect(rows[7]?.outcome).toBe('succeeded; 12,24 -> {"predictions":[97]}');
    // The other component kept answering while one rolled to v2, which then answers as v2 does.
    expect(rows[9]?.outcome).toMatch(
      /^succeeded; churn-a -> \{"predictions":\[9\.5\]\}; churn-b: [1-9]\d* invocations, 0 errors$/,
    );
    expect(rows[10]?.outcome).toBe('succeeded; churn-a refused; churn-b -> {"predictions":[9.5]}');
    expect(run.stdout).toMatch(/\nwall time [\d.]+ s; every step ended as expected\n/);
    expect(run.code).toBe(0);
  });
});

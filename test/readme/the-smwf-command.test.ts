/**
 * The doc test (doc-test.ts) of the README's "The smwf command" section, in a file of its own so it runs beside the
 * others. Its `npx smwf demo --right-size` is also where the right-sizing demo's end-to-end checks run: the figures,
 * the recommendation, the saved report and nothing left running (one run of the demo, not a second one elsewhere).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RIGHT_SIZE_DEMO_SERVICE_MS } from '../../cli/commands/demo-right-size.ts';
import { describeReadmeSessions } from './doc-test.ts';

const RIGHT_SIZE_DEMO = 'npx smwf demo --right-size';

const ran = describeReadmeSessions(import.meta.url, [RIGHT_SIZE_DEMO]);

describe('smwf demo', () => {
  it('--right-size: prints the four candidates ranked, recommends two workers, saves the report and leaves no process', () => {
    const run = ran(RIGHT_SIZE_DEMO);
    const lines = `${run.stdout}\n${run.stderr}`.split('\n');

    expect(run.code, lines.join('\n')).toBe(0);
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

    // The report and the summary, where smwf run saves them by default (the current directory), their paths printed.
    const html = lines.find((line) => line.startsWith('report: '))?.slice('report: '.length) ?? '';
    const markdown = lines.find((line) => line.startsWith('summary: '))?.slice('summary: '.length) ?? '';
    expect(html).toMatch(new RegExp(`^${join(run.cwd, 'reports')}/RightSizeEndpoint/[^/]+/report\\.html$`));
    expect(markdown).toBe(html.replace(/report\.html$/, 'summary.md'));
    expect(readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
    expect(readFileSync(markdown, 'utf8')).toContain('ml.c5.large');

    // No endpoint's model process (nor anything else of the run) outlives the demo, and its state is gone.
    expect(run.processesLeft).toEqual([]);
    const state = lines.find((line) => line.startsWith('Local emulator at '))?.match(/\(state in (.+)\)$/)?.[1];
    expect(state).toBeDefined();
    expect(existsSync(state as string)).toBe(false);
  });
});

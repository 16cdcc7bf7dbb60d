/** What the demos (`smwf demo`, `smwf demo --registry`) print at the end: one row per step and a verdict. */
import { formatTable } from '../render/progress.ts';

/** One step of a demo, as its summary table shows it. */
export interface StepRow {
  step: string;
  outcome: string;
  ok: boolean;
  durationMs: number;
  transitions: number | undefined;
}

/**
 * Prints the summary table (or, with `json`, one DemoResult object) and returns the exit code: 0 when all
 * `expectedSteps` ran and each ended as expected.
 */
export function reportDemo(rows: readonly StepRow[], expectedSteps: number, json: boolean, startedMs: number): number {
  const allOk = rows.length === expectedSteps && rows.every((r) => r.ok);
  const table = formatTable(
    ['step', 'outcome', 'duration', 'transitions', 'as expected'],
    rows.map((r) => [
      r.step,
      r.outcome,
      `${(r.durationMs / 1000).toFixed(1)} s`,
      r.transitions?.toString() ?? '-',
      r.ok ? 'yes' : 'NO',
    ]),
  );
  if (json) {
    console.log(JSON.stringify({ type: 'DemoResult', ok: allOk, steps: rows, wallTimeMs: Date.now() - startedMs }));
  } else {
    console.log(
      `\n${table}\n\nwall time ${((Date.now() - startedMs) / 1000).toFixed(1)} s; ${allOk ? 'every step ended as expected' : 'SOME STEPS DID NOT END AS EXPECTED'}`,
    );
  }
  return allOk ? 0 : 1;
}

/**
 * Lambda bundles stay lean: every function the stack deploys, bundled exactly as NodejsFunction bundles it
 * (infra/bundling.ts), fits its size budget. Sizes only: they are deterministic, load times are not (those
 * are in `npm run bench`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, type BuiltBundle, buildLambdaBundles, lambdaEntries } from '../../infra/bundling.ts';

const outdir = mkdtempSync(join(tmpdir(), 'smwf-bundles-'));
const entries = await lambdaEntries();
let bundles: Map<string, BuiltBundle>;

beforeAll(async () => {
  bundles = new Map((await buildLambdaBundles(entries, outdir)).map((bundle) => [bundle.task, bundle]));
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Lambda bundles', () => {
  it.each(entries.map((e) => e.task))(`%s fits the ${BUNDLE_BUDGET_BYTES / 1024} KiB budget`, (task) => {
    const bundle = bundles.get(task);

    expect(bundle?.bytes, `${task} is ${Math.round((bundle?.bytes ?? 0) / 1024)} KiB`).toBeLessThanOrEqual(
      BUNDLE_BUDGET_BYTES,
    );
  });
});

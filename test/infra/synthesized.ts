/** One synthesis of the app (no bundling), shared by the infra tests of a file. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app.ts';

/** Synthesizes with cdk-nag enabled and returns the template and the policy-validation report. */
export function synthesize() {
  const outdir = mkdtempSync(join(tmpdir(), 'smwf-infra-test-'));
  const { app, stack } = buildApp({ skipBundling: true, outdir });
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>);
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(join(outdir, 'policy-validation-report.json'), 'utf8'));
  } catch {
    report = undefined;
  }
  return { app, stack, template, report, outdir };
}

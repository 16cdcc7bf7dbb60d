/**
 * A workflow is a unit: a fixture workflow (one folder under test/fixtures, added to the workflow list and
 * nothing else) gets a state machine and a first-state function in the synthesized stack, runs in the local
 * runner, and appears in `smwf schema` and in the generated docs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { schema } from '../../cli/commands/schema.ts';
import { generatedDocs } from '../../cli/docs.ts';
import { buildApp } from '../../infra/build-app.ts';
import { createLocalRunner } from '../../local/runner/runner.ts';
import { type SynthesizedWorkflows, synthesizeWorkflows } from '../../local/runner/synthesize.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { echoFixture } from '../fixtures/echo-workflow/workflow.ts';

const workflows = [...WORKFLOWS, echoFixture];
let synthesized: SynthesizedWorkflows;

beforeAll(async () => {
  synthesized = await synthesizeWorkflows({ account: '123456789012', region: 'us-east-1' }, () =>
    buildApp({
      skipBundling: true,
      nag: false,
      cloudFormationValidation: false,
      outdir: mkdtempSync(join(tmpdir(), 'smwf-fixture-')),
      stackProps: { workflows },
    }),
  );
});

describe('a workflow added to the workflow list', () => {
  it('gets a state machine and a first-state function from its own folder in the synthesized stack', () => {
    expect(Object.keys(synthesized.definitions).sort()).toEqual(workflows.map((w) => w.name).sort());
    const firstState = [...synthesized.functions.values()].find((fn) => fn.task === 'EchoFixture.ValidateInput');
    expect(firstState?.code).toBe('test/fixtures/echo-workflow/validate-input.ts');
    expect(synthesized.definitions.EchoFixture?.StartAt).toBe('ValidateInput');
  });

  it('runs in the local runner: its input is validated by its own contract', async () => {
    const runner = await createLocalRunner({ workflows: synthesized });

    const ok = await runner.start('EchoFixture', { message: 'hello' }).result;
    const bad = await runner.start('EchoFixture', { message: '' }).result;

    expect(ok).toMatchObject({ status: 'SUCCEEDED', output: { message: 'hello' } });
    expect(bad.status).toBe('FAILED');
    expect(bad.error).toBe('InvalidInputError');
    expect(bad.cause).toContain('message');
  });

  it('has its input schema printed by `smwf schema`', async () => {
    const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await schema(['EchoFixture'], workflows)).toBe(0);
      const printed = JSON.parse(written.mock.calls.map((call) => String(call[0])).join(''));
      expect(printed).toMatchObject({ title: 'EchoFixture input', required: ['message'] });
    } finally {
      written.mockRestore();
    }
  });

  it('appears in the generated docs: schema, example and the README table', async () => {
    const docs = await generatedDocs({ workflows, synthesized });

    const byPath = new Map(docs.map((file) => [file.path, file.content]));
    expect(JSON.parse(byPath.get('schemas/echo-fixture.input.schema.json') ?? '{}').title).toBe('EchoFixture input');
    expect(JSON.parse(byPath.get('examples/inputs/echo-fixture.json') ?? '{}')).toEqual({ message: 'hello' });
    expect(byPath.get('README.md')).toContain('| EchoFixture | validate a message and succeed with it |');
  });
});

/** How the doc test reads README.md's shell blocks, and what it holds the README to before running anything. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplePath } from '../../cli/docs.ts';
import { projectRoot } from '../../infra/project-root.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { readmeSessions, readmeShellBlocks, splitCommands } from './readme-blocks.ts';

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

describe('splitCommands', () => {
  it('reads one command per line, a backslash-newline or a newline inside quotes continuing it', () => {
    const commands = splitCommands(
      ['E=http://127.0.0.1:4566', 'aws s3 cp a \\', '  s3://b/a', 'aws x --json \'{"a":', "  1}'", ''].join('\n'),
      10,
    );

    expect(commands.map((c) => [c.line, c.text])).toEqual([
      [10, 'E=http://127.0.0.1:4566'],
      [11, 'aws s3 cp a \\\n  s3://b/a'],
      [13, 'aws x --json \'{"a":\n  1}\''],
    ]);
  });

  it('takes a trailing comment apart from the command, and `# prints TEXT` as what it prints', () => {
    const [first, second, third] = splitCommands(
      [
        '# a comment line is no command',
        'cat out.json   # prints {"predictions":[9]}',
        "echo '# not a comment' # a remark",
        'curl http://x/#anchor',
      ].join('\n'),
    );

    expect(first).toEqual({
      text: 'cat out.json',
      comment: 'prints {"predictions":[9]}',
      prints: '{"predictions":[9]}',
      line: 2,
    });
    expect(second).toEqual({ text: "echo '# not a comment'", comment: 'a remark', line: 3 });
    expect(third?.text).toBe('curl http://x/#anchor');
  });

  it('refuses a quote that is never closed', () => {
    expect(() => splitCommands("echo 'open\n")).toThrow('a quote opened here is never closed');
  });
});

describe('readmeShellBlocks', () => {
  it('needs a marker before every sh block', () => {
    expect(() => readmeShellBlocks('# Title\n\n```sh\nls\n```\n')).toThrow(
      'README line 3: a sh block needs a marker on the line before it',
    );
  });

  it('reads the markers: local, same shell, except, not run', () => {
    const blocks = readmeShellBlocks(
      [
        '## One',
        '<!-- doc-test: local, except `npm ci` (installed already) -->',
        '```sh',
        'npm ci',
        'npm start',
        '```',
        '<!-- doc-test: local, same shell -->',
        '```sh',
        'echo $E',
        '```',
        '<!-- doc-test: not run (needs AWS) -->',
        '```sh',
        'npx cdk deploy',
        '```',
        '```json',
        '{}',
        '```',
      ].join('\n'),
    );

    expect(blocks.map((b) => [b.line, b.heading, b.run, b.sameShell, b.except, b.reason])).toEqual([
      [3, 'One', true, false, ['npm ci'], undefined],
      [8, 'One', true, true, [], undefined],
      [12, 'One', false, false, [], 'needs AWS'],
    ]);
    expect(readmeSessions(blocks).map((s) => s.commands.map((c) => c.text))).toEqual([['npm start', 'echo $E']]);
  });

  it('refuses an except naming no command of its block, so that a marker cannot go stale', () => {
    const blocks = readmeShellBlocks('<!-- doc-test: local, except `npm ci` (why) -->\n```sh\nnpm start\n```\n');

    expect(() => readmeSessions(blocks)).toThrow('the marker leaves out `npm ci`, which the block does not run');
  });
});

describe("README.md's shell blocks", () => {
  const blocks = readmeShellBlocks(readme);
  const run = readmeSessions(blocks).flatMap((session) => session.commands.map((c) => c.text));

  it('each have a marker, and those not run say why', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks.filter((b) => !b.run)) expect(block.reason).toMatch(/\S/);
  });

  it('run every example input with smwf run, in a local block', () => {
    const inputs = readdirSync(join(projectRoot, 'examples/inputs')).sort();

    expect(inputs).toEqual(WORKFLOWS.map((w) => examplePath(w).split('/').at(-1)).sort());
    // On the stack of the examples' deployment config, which names the example buckets (local permission checks).
    const smwfRun = (workflow: string) => `SMWF_CONFIG=examples/smwf.examples.config.json npx smwf run ${workflow} `;
    for (const workflow of WORKFLOWS) {
      expect(
        run.some((c) => c.startsWith(smwfRun(workflow.name)) && c.includes(examplePath(workflow))),
        workflow.name,
      ).toBe(true);
    }
  });

  it('run the quick start, smwf schema and diagram, and the Local emulator recipe from bucket to invocation', () => {
    expect(run).toContain('npm start');
    expect(run.some((c) => c.startsWith('npx smwf schema '))).toBe(true);
    expect(run.some((c) => c.startsWith('npx smwf diagram '))).toBe(true);
    for (const step of ['s3 mb', 's3 cp', 'sagemaker create-model ', 'create-endpoint ', 'invoke-endpoint']) {
      expect(run.some((c) => c.startsWith('aws ') && c.includes(step))).toBe(true);
    }
  });
});

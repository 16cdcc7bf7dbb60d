/**
 * The project's layer order, written once: which top-level folder may import which. Every arrow points one way,
 * from a folder to the folders listed for it. `contracts/` is the bottom layer everyone reads (errors, contract
 * parts, limits, tag names, step names); `local/emulator/` is SageMaker, so it knows nothing of the project.
 * A folder not listed here fails the test until it is given its place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/project-root.ts';

/** Each layer and the layers it may import (besides itself). */
const LAYER_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  contracts: [],
  workflows: ['contracts'],
  tasks: ['contracts'],
  triggers: ['contracts', 'tasks'],
  infra: ['contracts', 'workflows', 'tasks', 'triggers'],
  examples: ['contracts'],
  'local/emulator': [],
  // The runner checks steps' calls with the emulator's IAM policy evaluation (local/emulator/iam), one evaluator.
  'local/runner': ['contracts', 'infra', 'tasks', 'workflows', 'local/emulator'],
  'local/triggers': ['contracts', 'local/emulator', 'local/runner'],
  cli: ['contracts', 'workflows', 'tasks', 'infra', 'examples', 'local/emulator', 'local/runner', 'local/triggers'],
  bench: [
    'contracts',
    'workflows',
    'tasks',
    'infra',
    'examples',
    'local/emulator',
    'local/runner',
    'local/triggers',
    'cli',
  ],
  test: [
    'contracts',
    'workflows',
    'tasks',
    'triggers',
    'infra',
    'examples',
    'local/emulator',
    'local/runner',
    'local/triggers',
    'cli',
    'bench',
  ],
};

/**
 * Inside local/emulator, bottom first. A unit is a folder of the emulator or a file at its top level; a unit imports
 * its own files and the units of lower layers only, never a unit beside it or above it. The SageMaker resource store
 * (store/) sits below everything that reads it, and the control plane (sagemaker/) is the hub above asynchronous
 * inference, batch transform and autoscaling, which it calls; Service Quotas answers the quotas the control plane
 * enforces; scripted/ builds the in-process doubles on all of it.
 */
const EMULATOR_LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'logger.ts', 'fs-util.ts', 'operations.ts', 'clock.ts'],
  ['events.ts', 'http-util.ts', 'shapes.ts', 'faults.ts', 'iam'],
  ['s3', 'dynamodb'],
  ['hosting', 'capture'],
  ['store'],
  ['serverless', 'cloudwatch'],
  ['async', 'batch', 'autoscaling'],
  ['sagemaker'],
  ['runtime.ts', 'service-quotas'],
  ['scripted', 'invocation-lane.ts'],
  ['server.ts', 'interrupts.ts'],
  ['index.ts'],
];

/** The layer a project file belongs to: its top-level folder, or local/<folder>. */
function layerOf(file: string): string {
  const [top, second] = file.split('/');
  return top === 'local' ? `local/${second}` : (top as string);
}

const SOURCE = /\.(ts|mts|mjs|js)$/;
const SKIPPED = new Set(['node_modules', 'cdk.out', '.git', '.smwf']);

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(projectRoot, folder), { withFileTypes: true })) {
    if (SKIPPED.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && folder !== '') out.push(path);
  }
  return out;
}

/** Every relative import of a file, resolved to a project path. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(projectRoot, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (m) => m[1] as string,
  );
  return specifiers.map((specifier) =>
    normalize(join(dirname(file), specifier))
      .split('\\')
      .join('/'),
  );
}

describe('layers', () => {
  const files = sourceFiles('');

  it('gives every folder with code a place in the layer order', () => {
    const unplaced = [...new Set(files.map(layerOf))].filter((layer) => !(layer in LAYER_IMPORTS));
    expect(unplaced).toEqual([]);
  });

  it('has every import point down the layer order', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const target of importsOf(file)) {
        if (target.startsWith('..')) continue; // outside the project (../shared)
        const to = layerOf(target);
        if (to !== from && !LAYER_IMPORTS[from]?.includes(to))
          wrong.push(`${file} -> ${target} (${from} may not import ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('is an order: no two layers may import each other, directly or through others', () => {
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      (LAYER_IMPORTS[from] ?? []).some((next) => {
        if (next === to) return true;
        if (seen.has(next)) return false;
        seen.add(next);
        return reaches(next, to, seen);
      });
    const cycles = Object.keys(LAYER_IMPORTS).filter((layer) => reaches(layer, layer));
    expect(cycles).toEqual([]);
  });
});

describe('layers inside the emulator', () => {
  const EMULATOR = 'local/emulator/';
  const files = sourceFiles('local/emulator');
  const unitOf = (file: string) => file.slice(EMULATOR.length).split('/')[0] as string;
  const levelOf = (unit: string) => EMULATOR_LAYERS.findIndex((layer) => layer.includes(unit));

  it('gives every folder and top-level file of the emulator a place in its layer order', () => {
    const unplaced = [...new Set(files.map(unitOf))].filter((unit) => levelOf(unit) < 0);
    expect(unplaced).toEqual([]);
  });

  it('has every import inside the emulator point down its layer order', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        if (!target.startsWith(EMULATOR)) continue;
        const to = unitOf(target);
        if (to !== from && !(levelOf(to) < levelOf(from)))
          wrong.push(`${file} -> ${target} (${from} may not import ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

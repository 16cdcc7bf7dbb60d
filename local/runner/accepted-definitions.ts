/**
 * The state machine definitions asl-validator has accepted, remembered by a hash of their text. aws-local-stepfunctions
 * validates a definition each time a StateMachine is built, and asl-validator compiles its JSON schemas anew on every
 * call: about a CPU-second for one of this project's definitions, paid by every process that runs a workflow (each
 * `smwf run`, each test file). The verdict depends only on the definition's text, the options and the validator's
 * version, so an accepted one is remembered in this process and on disk, beside the synthesis cache, and a later
 * StateMachine of the same text is built without validating it again. A refused definition is never remembered: it
 * is validated, and refused, every time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { synthesisCacheDir } from './synthesize.ts';

/** The validator's package as aws-local-stepfunctions loads it: a new version may judge a definition differently. */
function validatorVersion(): string {
  try {
    const fromRunnerLibrary = createRequire(createRequire(import.meta.url).resolve('aws-local-stepfunctions'));
    const manifest = JSON.parse(readFileSync(fromRunnerLibrary.resolve('asl-validator/package.json'), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const acceptedDir = join(synthesisCacheDir, 'accepted-definitions');
const acceptedHere = new Set<string>();
let version: string | undefined;

/** The key of `definition` validated with `options`. */
function keyOf(definition: object, options: object): string {
  version ??= validatorVersion();
  return createHash('sha256').update(JSON.stringify({ version, options, definition })).digest('hex');
}

/**
 * Whether asl-validator accepted `definition` with `options` before (in this process or an earlier one); otherwise
 * `accepted` records that it does now, and is to be called once the StateMachine was built.
 */
export function acceptedBefore(definition: object, options: object): { before: boolean; accepted: () => void } {
  const key = keyOf(definition, options);
  const marker = join(acceptedDir, key);
  const before = acceptedHere.has(key) || existsSync(marker);
  if (before) acceptedHere.add(key);
  return {
    before,
    accepted: () => {
      acceptedHere.add(key);
      try {
        mkdirSync(acceptedDir, { recursive: true });
        writeFileSync(marker, '');
      } catch {
        // A cache that cannot be written only costs the next process a validation.
      }
    },
  };
}

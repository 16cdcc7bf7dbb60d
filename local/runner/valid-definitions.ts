/**
 * The definitions aws-local-stepfunctions has found valid, recorded on disk. Building a StateMachine validates its
 * definition with the library's own asl-validator, which compiles the States Language's JSON schemas into a new Ajv
 * each time: about 2 CPU-seconds on this machine, paid by every process that runs a workflow (each `smwf run`, each
 * end-to-end test file) for each workflow it runs. Whether a definition is valid depends only on the definition, the
 * validation options and the installed validator, so a definition found valid is recorded under the hash of all three,
 * and a later process that finds the record builds its StateMachine without validating it again. An invalid
 * definition is never recorded: it is refused, with the validator's errors, every time. The hash is of the definition
 * as given (the validator adds a QueryLanguage to each state it has none, which nothing of the runner reads).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition, type StateMachineOptions } from 'aws-local-stepfunctions';
import { projectRoot } from '../../infra/project-root.ts';
import { synthesisCacheDir } from './synthesize.ts';

type ValidationOptions = NonNullable<StateMachineOptions['validationOptions']>;

/** Where the records are (under the synthesis cache, which `npm ci` wipes). */
const RECORDS_DIR = join(synthesisCacheDir, 'valid-definitions');

/**
 * What was installed (package-lock.json pins aws-local-stepfunctions and its asl-validator), read once: records made
 * with another install's validator do not count.
 */
const INSTALLED = createHash('sha256')
  .update(readFileSync(join(projectRoot, 'package-lock.json')))
  .digest('hex');

/** Whether a record says `definition` has been found valid with `options`. */
export function recordedValid(definition: object, options: ValidationOptions): boolean {
  return existsSync(recordOf(definition, options));
}

function recordOf(definition: object, options: ValidationOptions): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ installed: INSTALLED, options, definition }))
    .digest('hex');
  return join(RECORDS_DIR, key);
}

/**
 * A StateMachine of `definition`, validated with `options` by the library unless a record says it has been found
 * valid with them before; a valid one it validates is recorded. Throws the library's error for an invalid one.
 */
export function validatedStateMachine(definition: object, options: ValidationOptions): StateMachine {
  const record = recordOf(definition, options);
  const recorded = recordedValid(definition, options);
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: recorded ? { noValidate: true } : options,
  });
  if (!recorded) {
    try {
      // The record is its name: an empty file.
      mkdirSync(RECORDS_DIR, { recursive: true });
      writeFileSync(record, '');
    } catch {
      // Unrecorded (a read-only install, say): the next process validates it again.
    }
  }
  return machine;
}

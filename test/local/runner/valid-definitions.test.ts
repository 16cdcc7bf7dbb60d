import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recordedValid, validatedStateMachine } from '../../../local/runner/valid-definitions.ts';

/** A definition no earlier run has recorded (its Comment is new). */
function passMachine(result: unknown) {
  return {
    Comment: `valid-definitions test ${randomUUID()}`,
    StartAt: 'Answer',
    States: { Answer: { Type: 'Pass', Result: result, End: true } },
  };
}

describe('validatedStateMachine', () => {
  it('validates a definition no process found valid yet, records it, and builds it from the record next time', async () => {
    const definition = passMachine({ answer: 42 });
    // As a later process reads it from the synthesis cache (the validator adds each state's QueryLanguage).
    const asCached = () => structuredClone(definition);
    expect(recordedValid(definition, { checkArn: false })).toBe(false);

    validatedStateMachine(asCached(), { checkArn: false });
    expect(recordedValid(definition, { checkArn: false })).toBe(true);
    // The record is for these options only.
    expect(recordedValid(definition, { checkArn: true })).toBe(false);

    const machine = validatedStateMachine(asCached(), { checkArn: false });
    expect(await machine.run({}).result).toEqual({ answer: 42 });
  });

  it('refuses an invalid definition with the validator’s errors every time, and records nothing', () => {
    const definition = { ...passMachine(1), StartAt: 'Nowhere' };

    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(() => validatedStateMachine(definition, { checkArn: false })).toThrow(/definition is invalid/);
    }
    expect(recordedValid(definition, { checkArn: false })).toBe(false);
  });
});

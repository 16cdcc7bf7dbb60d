/**
 * What every first state checks before a contract reads the input: its size as Step Functions counts it, keys
 * that name a JavaScript object's internals, and an execution name that later becomes a tag value.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { InvalidInputError } from '../../contracts/errors.ts';
import { MAX_INPUT_BYTES } from '../../contracts/limits.ts';
import { inspectRawInput } from '../../contracts/raw-input.ts';
import { validateFirstState } from '../../workflows/first-state.ts';

const EXECUTION = { id: 'arn:aws:states:us-east-1:123456789012:execution:Echo:run-1', name: 'run-1', startedAt: '' };
const Echo = z.strictObject({ text: z.string() });

/** An input whose JSON is exactly `bytes` long: `{"text":"xx…"}`. */
const inputOfBytes = (bytes: number) => ({ text: 'x'.repeat(bytes - '{"text":""}'.length) });

/** The first state of a workflow whose input is one string, as its Lambda runs it. */
const validate =
  (input: unknown, execution = EXECUTION) =>
  () =>
    validateFirstState('Echo', Echo, { input, execution });

describe('inspectRawInput', () => {
  it.each([
    ['an object', { a: 1, b: 'two', c: [true, null, { d: 'é€😀' }] }],
    ['members JSON leaves out', { a: undefined, b: () => 1, c: [undefined, 2] }],
    ['escaped characters', { 'quote"key': 'line\nbreak\ttab\u0001', lone: '\ud800' }],
    ['a value with toJSON', { at: new Date(0), n: 1.5e300, neg: -0 }],
    ['an empty object and array', { o: {}, a: [] }],
  ])('measures %s as JSON.stringify writes it, in UTF-8 bytes', (_what, value) => {
    expect(inspectRawInput(value, MAX_INPUT_BYTES).bytes).toBe(Buffer.byteLength(JSON.stringify(value)));
  });

  it('measures an input nested 100000 levels deep without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];

    expect(inspectRawInput(deep, MAX_INPUT_BYTES)).toEqual({ bytes: 200_003, truncated: false, prototypeKeys: [] });
  });

  it('stops measuring past the limit it is given', () => {
    const report = inspectRawInput(
      Array.from({ length: 1000 }, () => 'x'.repeat(1000)),
      10_000,
    );

    expect(report.truncated).toBe(true);
    expect(report.bytes).toBeGreaterThan(10_000);
  });

  it('finds __proto__, constructor and prototype keys at any depth, where JSON.parse put them', () => {
    const input = JSON.parse('{"a":{"__proto__":{"x":1}},"b":[{"constructor":1}],"prototype":2}');

    expect(inspectRawInput(input, MAX_INPUT_BYTES).prototypeKeys).toEqual([
      ['prototype'],
      ['a', '__proto__'],
      ['b', 0, 'constructor'],
    ]);
  });
});

describe('validateFirstState', () => {
  it('accepts an input of exactly 256 KiB of JSON', () => {
    const state = validate(inputOfBytes(MAX_INPUT_BYTES))();

    expect(state.request.text).toHaveLength(MAX_INPUT_BYTES - 11);
  });

  it('refuses an input one byte over 256 KiB, naming its size and the limit, before the contract reads it', () => {
    const run = validate(inputOfBytes(MAX_INPUT_BYTES + 1));

    expect(run).toThrow(InvalidInputError);
    expect(run).toThrow(
      new InvalidInputError(
        'Invalid Echo input: 262145 bytes of JSON; Step Functions accepts at most 262144 (256 KiB)',
      ),
    );
  });

  it('counts multi-byte characters as UTF-8 does', () => {
    const run = validate({ text: 'é'.repeat(MAX_INPUT_BYTES / 2) });

    expect(run).toThrow(`${MAX_INPUT_BYTES + 11} bytes of JSON`);
  });

  it('refuses a __proto__ key that the contract would drop without a word', () => {
    const input = JSON.parse('{"text":"hi","__proto__":{"text":"hidden"}}');

    expect(validate(input)).toThrow(
      new InvalidInputError(
        'Invalid Echo input: __proto__: "__proto__" is not allowed as a key (JavaScript objects reserve it)',
      ),
    );
  });

  it('refuses an execution name that cannot be a tag value', () => {
    expect(validate({ text: 'hi' }, { ...EXECUTION, name: 'run#1' })).toThrow(
      new InvalidInputError(
        'Invalid Echo execution name "run#1": expected letters, digits, spaces and _.:/=+-@ (it becomes a tag value)',
      ),
    );
  });
});

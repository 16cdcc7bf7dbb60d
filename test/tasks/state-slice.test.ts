import { describe, expect, it } from 'vitest';
import { optional, stateSlice } from '../../tasks/_shared/state-slice.ts';

interface Slice {
  request: { endpointName: string; variants: { name: string }[]; retain?: number | undefined };
  model: { name: string; created: boolean };
  error?: { Error: string } | undefined;
}

const slice = stateSlice<Slice>({
  request: { endpointName: 'string', variants: 'array', retain: optional('number') },
  model: { name: 'string', created: 'boolean' },
  error: optional({ Error: 'string' }),
});

const valid = () => ({
  request: { endpointName: 'churn', variants: [{ name: 'AllTraffic' }] },
  model: { name: 'churn-0123456789', created: true },
  later: { kept: true },
});

describe('stateSlice', () => {
  it('returns the document itself, every other field untouched', () => {
    const document = valid();

    expect(slice.check(document, 'Step input')).toBe(document);
  });

  it('names a missing earlier result and what was expected', () => {
    const { model: _, ...document } = valid();

    expect(() => slice.check(document, 'Step input')).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        message: 'Invalid Step input: model: expected an object, received undefined',
      }),
    );
  });

  it('checks nested fields, optional ones only when present, and refuses NaN as a number', () => {
    const document = {
      ...valid(),
      request: { endpointName: 7, variants: {}, retain: Number.NaN },
      error: { Cause: 'x' },
    };

    expect(() => slice.check(document, 'Step input')).toThrow(
      'Invalid Step input: request.endpointName: expected a string, received number; request.variants: expected an ' +
        'array, received object; request.retain: expected a number, received NaN; error.Error: expected a string, ' +
        'received undefined',
    );
  });

  it('refuses a document that is not an object', () => {
    expect(() => slice.check(null, 'Step input')).toThrow(
      'Invalid Step input: the document: expected an object, received null',
    );
  });
});

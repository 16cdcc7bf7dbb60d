/**
 * stepHandler holds a step's result to what contracts/steps.ts declares it writes. The `@ts-expect-error` lines are
 * the compile-time half (`npx tsc` fails if any of them compiles); the runtime half checks what the handler does.
 */
import { describe, expect, it } from 'vitest';
import { STEPS } from '../../contracts/steps.ts';
import { stepHandler } from '../../tasks/_shared/handler.ts';
import { stateSlice } from '../../tasks/_shared/state-slice.ts';

interface Slice {
  request: { endpointName: string };
}
const slice = stateSlice<Slice>({ request: { endpointName: 'string' } });
const created = { name: 'churn-0123', arn: 'arn:aws:sagemaker:us-east-1:123456789012:model/churn-0123', created: true };

describe('stepHandler', () => {
  it('returns the core result of a step that writes what it declares, and carries the slice it checks', async () => {
    const handler = stepHandler(slice, 'CreateModel', async (state) => ({ ...state, model: created }));

    await expect(handler({ request: { endpointName: 'churn' } })).resolves.toEqual({
      request: { endpointName: 'churn' },
      model: created,
    });
    expect(handler.slice.fields).toEqual({ request: { endpointName: 'string' } });
    expect(STEPS.CreateModel.writes).toEqual(['model']);
  });

  it('refuses at compile time a result that misses a field the step declares it always writes', async () => {
    // @ts-expect-error CreateModel always writes `model` (contracts/steps.ts); this result has `modle` instead.
    const handler = stepHandler(slice, 'CreateModel', async (state) => ({ ...state, modle: created }));

    await expect(handler({ request: { endpointName: 'churn' } })).resolves.toHaveProperty('modle');
  });

  it('refuses at compile time a result with a field the step does not declare', async () => {
    // @ts-expect-error CreateModel declares `model` only; `endpointConfig` is CreateEndpointConfig's to write.
    const handler = stepHandler(slice, 'CreateModel', async (state) => ({
      ...state,
      model: created,
      endpointConfig: created,
    }));

    await expect(handler({ request: { endpointName: 'churn' } })).resolves.toHaveProperty('endpointConfig');
  });
});

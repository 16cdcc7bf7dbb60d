/**
 * CheckInstanceQuotas: RightSizeEndpoint's candidates against the account's `<type> for endpoint usage` quotas, read
 * through the real Service Quotas client (its `send` replaced by aws-sdk-client-mock, every page of the listing).
 */
import { ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { checkInstanceQuotas } from '../../tasks/check-instance-quotas/check-instance-quotas.ts';
import { handler } from '../../tasks/check-instance-quotas/handler.ts';

const candidate = (index: number, instanceType: string | undefined, instanceCount?: number) => ({
  index,
  label: `candidate ${index}`,
  ...(instanceType !== undefined ? { instanceType, instanceCount: instanceCount ?? 1 } : {}),
});

const quotas = (values: Record<string, number>) => async () =>
  new Map(Object.entries(values).map(([type, value]) => [`${type} for endpoint usage`, value]));

describe('CheckInstanceQuotas', () => {
  it('runs at once only as many candidates of a type as its quota holds with the most instances any of them needs', async () => {
    const state = {
      plan: {
        candidates: [candidate(0, 'ml.c5.large', 1), candidate(1, 'ml.c5.large', 3), candidate(2, 'ml.m5.large', 2)],
        maxConcurrency: 5,
      },
      other: 'kept',
    };

    const out = await checkInstanceQuotas(state, { sageMakerQuotas: quotas({ 'ml.c5.large': 7, 'ml.m5.large': 20 }) });

    // c5: floor(7 / 3) = 2; m5: floor(20 / 2) = 10; the input allowed 5.
    expect(out.plan.maxConcurrency).toBe(2);
    expect(out.plan.instanceQuotas).toEqual({ 'ml.c5.large': 7, 'ml.m5.large': 20 });
    expect(out.other).toBe('kept');
  });

  it('keeps the input’s bound when the quotas allow more, and bounds nothing by a type Service Quotas does not list', async () => {
    const state = {
      plan: { candidates: [candidate(0, 'ml.c5.large', 2), candidate(1, 'ml.g5.xlarge')], maxConcurrency: 2 },
    };

    const out = await checkInstanceQuotas(state, { sageMakerQuotas: quotas({ 'ml.c5.large': 20 }) });

    expect(out.plan.maxConcurrency).toBe(2);
    expect(out.plan.instanceQuotas).toEqual({ 'ml.c5.large': 20, 'ml.g5.xlarge': null });
  });

  it('refuses a candidate that needs more instances than its type’s quota, naming the field, the quota and its value', async () => {
    const state = {
      plan: { candidates: [candidate(0, 'ml.c5.large', 1), candidate(1, 'ml.c5.large', 4)], maxConcurrency: 2 },
    };

    await expect(checkInstanceQuotas(state, { sageMakerQuotas: quotas({ 'ml.c5.large': 3 }) })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(
        "candidates.instanceCounts: a candidate needs 4 ml.c5.large instances, over the account's quota 'ml.c5.large for endpoint usage' of 3",
      ),
    });
  });

  it('asks Service Quotas nothing when every candidate is serverless', async () => {
    let asked = false;
    const state = { plan: { candidates: [candidate(0, undefined)], maxConcurrency: 3 } };

    const out = await checkInstanceQuotas(state, {
      sageMakerQuotas: async () => {
        asked = true;
        return new Map();
      },
    });

    expect(asked).toBe(false);
    expect(out.plan).toMatchObject({ maxConcurrency: 3, instanceQuotas: {} });
  });
});

describe('CheckInstanceQuotas handler', () => {
  const serviceQuotas = mockClient(ServiceQuotasClient);
  afterEach(() => serviceQuotas.reset());

  it("reads every page of SageMaker's quotas and matches the candidates' types by quota name", async () => {
    serviceQuotas
      .on(ListServiceQuotasCommand, { ServiceCode: 'sagemaker', NextToken: undefined })
      .resolves({
        Quotas: [{ QuotaName: 'ml.m5.large for endpoint usage', Value: 4 }],
        NextToken: 'page-2',
      })
      .on(ListServiceQuotasCommand, { ServiceCode: 'sagemaker', NextToken: 'page-2' })
      .resolves({ Quotas: [{ QuotaName: 'ml.c5.large for endpoint usage', Value: 2 }] });

    const out = (await handler({
      plan: { candidates: [candidate(0, 'ml.c5.large', 2), candidate(1, 'ml.m5.large', 1)], maxConcurrency: 4 },
    })) as { plan: { maxConcurrency: number; instanceQuotas: Record<string, number> } };

    expect(out.plan.maxConcurrency).toBe(1);
    expect(out.plan.instanceQuotas).toEqual({ 'ml.c5.large': 2, 'ml.m5.large': 4 });
    expect(serviceQuotas.commandCalls(ListServiceQuotasCommand)).toHaveLength(2);
  });
});

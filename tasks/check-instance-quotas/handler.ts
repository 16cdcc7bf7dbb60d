import { paginateListServiceQuotas, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { stepHandler } from '../_shared/handler.ts';
import { CheckInstanceQuotasState, checkInstanceQuotas } from './check-instance-quotas.ts';

const serviceQuotas = new ServiceQuotasClient({});

/** Every SageMaker quota's value by name (ListServiceQuotas, every page). */
async function sageMakerQuotas(): Promise<ReadonlyMap<string, number>> {
  const quotas = new Map<string, number>();
  for await (const page of paginateListServiceQuotas(
    { client: serviceQuotas, pageSize: 100 },
    { ServiceCode: 'sagemaker' },
  )) {
    for (const quota of page.Quotas ?? []) {
      if (quota.QuotaName !== undefined && quota.Value !== undefined) quotas.set(quota.QuotaName, quota.Value);
    }
  }
  return quotas;
}

/** Lambda entry of the CheckInstanceQuotas step. */
export const handler = stepHandler(CheckInstanceQuotasState, 'CheckInstanceQuotas', (state) =>
  checkInstanceQuotas(state, { sageMakerQuotas }),
);

/**
 * The emulator's Service Quotas through the real client: SageMaker's `<type> for endpoint usage` at the limit
 * CreateEndpoint enforces, paged as ListServiceQuotas pages, the request checked, and what is not emulated refused.
 */
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand } from '@aws-sdk/client-sagemaker';
import {
  GetServiceQuotaCommand,
  ListServiceQuotasCommand,
  paginateListServiceQuotas,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../local/emulator/index.ts';
import { clients, LINEAR_IMAGE, startTestEmulator } from './helpers.ts';

let emulator: Emulator & { stateDir: string };
let quotas: ServiceQuotasClient;

beforeAll(async () => {
  emulator = await startTestEmulator({ limits: { instancesPerType: 3 } });
  quotas = new ServiceQuotasClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('Service Quotas on the emulator', () => {
  it("lists SageMaker's endpoint instance quotas at the limit CreateEndpoint enforces, page by page", async () => {
    const listed = [];
    for await (const page of paginateListServiceQuotas(
      { client: quotas, pageSize: 40 },
      { ServiceCode: 'sagemaker' },
    )) {
      expect(page.Quotas?.length).toBeLessThanOrEqual(40);
      listed.push(...(page.Quotas ?? []));
    }

    const c5 = listed.find((q) => q.QuotaName === 'ml.c5.large for endpoint usage');
    expect(c5).toMatchObject({
      ServiceCode: 'sagemaker',
      Value: 3,
      Unit: 'None',
      Adjustable: true,
      GlobalQuota: false,
    });
    expect(c5?.QuotaArn).toBe(`arn:aws:servicequotas:us-east-1:123456789012:sagemaker/${c5?.QuotaCode}`);
    expect(listed.length).toBeGreaterThan(40);
    expect(new Set(listed.map((q) => q.QuotaName)).size).toBe(listed.length);

    // The same quota, as CreateEndpoint refuses beyond it: four ml.c5.large instances against three.
    const { sagemaker } = clients(emulator.url, 1);
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'm',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker',
        PrimaryContainer: { Image: LINEAR_IMAGE },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'four',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'm', InstanceType: 'ml.c5.large', InitialInstanceCount: 4 },
        ],
      }),
    );
    await expect(
      sagemaker.send(new CreateEndpointCommand({ EndpointName: 'four', EndpointConfigName: 'four' })),
    ).rejects.toMatchObject({
      name: 'ResourceLimitExceeded',
      message: expect.stringContaining(
        "The account-level service limit 'ml.c5.large for endpoint usage' is 3 Instances",
      ),
    });
  });

  it('checks the request and refuses what it does not emulate', async () => {
    await expect(
      quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', MaxResults: 101 })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('maxResults'),
    });
    await expect(
      quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', NextToken: 'bm90LW1pbmU=' })),
    ).rejects.toMatchObject({ name: 'InvalidPaginationTokenException' });
    await expect(quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'ec2' }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('ListServiceQuotas of service ec2'),
    });
    await expect(
      quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'sagemaker', QuotaCode: 'L-12345678' })),
    ).rejects.toMatchObject({ name: 'UnknownOperationException' });
    const resourceLevel = await quotas.send(
      new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', QuotaAppliedAtLevel: 'RESOURCE' }),
    );
    expect(resourceLevel.Quotas).toEqual([]);
  });
});

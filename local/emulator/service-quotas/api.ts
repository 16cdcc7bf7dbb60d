/**
 * Service Quotas (awsJson1.1, X-Amz-Target `ServiceQuotasV20190624.<Op>`): ListServiceQuotas of SageMaker, the one
 * service and operation emulated, answering the quotas the emulator enforces: `<instance type> for endpoint usage`,
 * the instances of one type all endpoints of a region may run (SageMakerLimits.instancesPerType, which CreateEndpoint
 * and UpdateEndpoint refuse beyond with ResourceLimitExceeded), one quota per hosting instance type of SageMaker's
 * API model (ProductionVariantInstanceType). Request checks and the response's members follow the Service Quotas API
 * reference (ListServiceQuotas, ServiceQuota); AWS's quota codes (`L-...`) are not published per instance type, so the
 * emulator's are its own, stable per name (callers match quotas by name). Anything else is refused as not emulated.
 */
import { createHash } from 'node:crypto';
import { notEmulated, ServiceError } from '../errors.ts';
import { ACCOUNT_ID } from '../events.ts';
import { DEFAULT_INSTANCES_PER_TYPE, type SageMakerLimits } from '../sagemaker/endpoints.ts';
import { type ApiModel, ShapeValidator } from '../shapes.ts';

/** The X-Amz-Target prefix of Service Quotas. */
export const SERVICE_QUOTAS_TARGET_PREFIX = 'ServiceQuotasV20190624';

type Input = Record<string, unknown>;

/** ListServiceQuotas' input shape (Service Quotas API reference, ListServiceQuotas: lengths, patterns, ranges). */
const SERVICE_QUOTAS_MODEL: ApiModel = {
  metadata: { protocol: 'json', targetPrefix: SERVICE_QUOTAS_TARGET_PREFIX },
  operations: { ListServiceQuotas: { name: 'ListServiceQuotas', input: { shape: 'ListServiceQuotasRequest' } } },
  shapes: {
    ListServiceQuotasRequest: {
      type: 'structure',
      members: {
        ServiceCode: { shape: 'ServiceCode' },
        NextToken: { shape: 'NextToken' },
        MaxResults: { shape: 'MaxResults' },
        QuotaCode: { shape: 'QuotaCode' },
        QuotaAppliedAtLevel: { shape: 'AppliedLevelEnum' },
      },
      required: ['ServiceCode'],
    },
    ServiceCode: { type: 'string', min: 1, max: 63, pattern: '^[a-zA-Z][a-zA-Z0-9-]{1,63}$' },
    QuotaCode: { type: 'string', min: 1, max: 128, pattern: '^[a-zA-Z][a-zA-Z0-9-]{1,128}$' },
    NextToken: { type: 'string', min: 0, max: 2048, pattern: '^[a-zA-Z0-9/+]*={0,2}$' },
    MaxResults: { type: 'integer', min: 1, max: 100 },
    AppliedLevelEnum: { type: 'string', enum: ['ACCOUNT', 'RESOURCE', 'ALL'] },
  },
};

/** One quota as ListServiceQuotas returns it (ServiceQuota). */
interface ServiceQuota {
  ServiceCode: string;
  ServiceName: string;
  QuotaArn: string;
  QuotaCode: string;
  QuotaName: string;
  Value: number;
  Unit: string;
  Adjustable: boolean;
  GlobalQuota: boolean;
  QuotaAppliedAtLevel: 'ACCOUNT';
}

/** A page when the request sets no MaxResults (the API reference leaves it unstated; SageMaker has hundreds). */
const DEFAULT_PAGE = 100;

/** The emulator's code of a quota: `L-` and 8 hex digits of its name, stable across runs. */
function quotaCode(name: string): string {
  return `L-${createHash('sha256').update(name).digest('hex').slice(0, 8).toUpperCase()}`;
}

/** Service Quotas' ListServiceQuotas over the quotas the emulator enforces. */
export class ServiceQuotasApi {
  private readonly validator = new ShapeValidator(SERVICE_QUOTAS_MODEL, 'ValidationException');

  constructor(
    /** Every instance type SageMaker hosts (SageMaker's API model, ProductionVariantInstanceType). */
    private readonly instanceTypes: readonly string[],
    private readonly limits: SageMakerLimits | undefined,
  ) {}

  call(operation: string, region: string, input: Input): unknown {
    if (operation !== 'ListServiceQuotas') throw notEmulated(`Service Quotas' ${operation} is`);
    this.validator.validate(operation, input);
    if (input.ServiceCode !== 'sagemaker') {
      throw notEmulated(`ListServiceQuotas of service ${String(input.ServiceCode)} (only sagemaker's are emulated) is`);
    }
    // SageMaker's endpoint instance quotas are account-level: none applies at the resource level.
    let quotas = input.QuotaAppliedAtLevel === 'RESOURCE' ? [] : this.quotas(region);
    if (typeof input.QuotaCode === 'string') quotas = quotas.filter((q) => q.QuotaCode === input.QuotaCode);
    const maxResults = typeof input.MaxResults === 'number' ? input.MaxResults : DEFAULT_PAGE;
    let offset = 0;
    if (typeof input.NextToken === 'string') {
      const match = /^o:(\d+)$/.exec(Buffer.from(input.NextToken, 'base64').toString('utf8'));
      if (!match) throw new ServiceError('InvalidPaginationTokenException', 'Invalid pagination token.', 400);
      offset = Number(match[1]);
    }
    const page = quotas.slice(offset, offset + maxResults);
    return {
      Quotas: page,
      ...(offset + maxResults < quotas.length
        ? { NextToken: Buffer.from(`o:${offset + maxResults}`).toString('base64') }
        : {}),
    };
  }

  /** `<type> for endpoint usage` of every hosting instance type, at the limit CreateEndpoint enforces. */
  private quotas(region: string): ServiceQuota[] {
    const value = this.limits?.instancesPerType ?? DEFAULT_INSTANCES_PER_TYPE;
    return this.instanceTypes.map((type) => {
      const name = `${type} for endpoint usage`;
      const code = quotaCode(name);
      return {
        ServiceCode: 'sagemaker',
        ServiceName: 'Amazon SageMaker',
        QuotaArn: `arn:aws:servicequotas:${region}:${ACCOUNT_ID}:sagemaker/${code}`,
        QuotaCode: code,
        QuotaName: name,
        Value: value,
        Unit: 'None',
        Adjustable: true,
        GlobalQuota: false,
        QuotaAppliedAtLevel: 'ACCOUNT',
      };
    });
  }
}

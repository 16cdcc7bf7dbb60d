/**
 * Asynchronous inference settings: SageMaker's defaults, InvokeEndpointAsync's path, and what CreateEndpointConfig
 * refuses about an AsyncInferenceConfig beyond the API model's shapes.
 */
import { notEmulated, validationException } from '../errors.ts';

type Input = Record<string, unknown>;

/**
 * In-flight requests per instance when ClientConfig sets no MaxConcurrentInvocationsPerInstance. SageMaker says
 * it picks a value itself and does not say which; the emulator's choice (README).
 */
export const DEFAULT_MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE = 4;
/** RequestTTLSeconds when the request sets none (API reference: 6 hours). */
export const DEFAULT_REQUEST_TTL_SECONDS = 21_600;
/** InvocationTimeoutSeconds when the request sets none (API reference: 15 minutes). */
export const DEFAULT_INVOCATION_TIMEOUT_SECONDS = 900;
/** Responses up to this size are included in the notifications IncludeInferenceResponseIn names (API reference). */
export const NOTIFICATION_RESPONSE_LIMIT = 128 * 1024;

/** Matches InvokeEndpointAsync's REST path and returns the endpoint name. */
export function asyncInvocationsEndpointName(method: string | undefined, pathname: string): string | undefined {
  if (method !== 'POST') return undefined;
  const match = /^\/endpoints\/([^/]+)\/async-invocations$/.exec(pathname);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1] as string);
  } catch {
    return match[1];
  }
}

/**
 * CreateEndpointConfig's AsyncInferenceConfig rules beyond the API model's shapes (which the control plane has
 * already checked; a serverless variant is refused by the serverless rules): IncludeInferenceResponseIn names
 * only topics that are set; what the emulator cannot do is refused.
 */
export function checkAsyncInferenceConfig(config: Input): void {
  const output = (config.OutputConfig ?? {}) as Input;
  if (typeof output.S3OutputPath !== 'string' || output.S3OutputPath === '') {
    throw validationException('AsyncInferenceConfig.OutputConfig.S3OutputPath must be specified.');
  }
  for (const member of ['S3OutputPath', 'S3FailurePath'] as const) {
    const uri = output[member];
    if (typeof uri === 'string' && !uri.startsWith('s3://')) {
      throw notEmulated(`AsyncInferenceConfig.OutputConfig.${member} other than an s3:// URI (${uri}) is`);
    }
  }
  if (output.KmsKeyId !== undefined && output.KmsKeyId !== '') {
    throw notEmulated('Encrypting asynchronous inference outputs with a KMS key (OutputConfig.KmsKeyId) is');
  }
  const notification = (output.NotificationConfig ?? {}) as Input;
  const include = (notification.IncludeInferenceResponseIn as string[] | undefined) ?? [];
  if (include.includes('SUCCESS_NOTIFICATION_TOPIC') && !notification.SuccessTopic) {
    throw validationException(
      'IncludeInferenceResponseIn names SUCCESS_NOTIFICATION_TOPIC, but no SuccessTopic is set.',
    );
  }
  if (include.includes('ERROR_NOTIFICATION_TOPIC') && !notification.ErrorTopic) {
    throw validationException('IncludeInferenceResponseIn names ERROR_NOTIFICATION_TOPIC, but no ErrorTopic is set.');
  }
}

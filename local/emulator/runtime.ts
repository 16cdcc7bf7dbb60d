import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataCaptureWriter } from './capture/data-capture.ts';
import { ServiceError } from './errors.ts';
import { ACCOUNT_ID } from './events.ts';
import { ModelNotReadyError, TargetModelError } from './hosting/multi-model.ts';
import { ContainerCallError, HopPayloadTooLargeError } from './hosting/pipeline.ts';
import { readPayload, send } from './http-util.ts';
import type { EndpointLifecycle } from './sagemaker/lifecycle.ts';
import { ServerlessConcurrency } from './serverless/concurrency.ts';
import { BlobSize, loadModel, ShapeValidator } from './shapes.ts';
import { endpointNotFound, requireInvocableEndpoint } from './store/lookups.ts';
import { isAsyncEndpoint, type SageMakerStore } from './store/store.ts';

/** Payload limit of InvokeEndpoint (BodyBlob max in the API model). */
const MAX_BODY = 6 * 1024 * 1024;

/** Headers passed through to the container, per the container contract (a multi-model container also gets the TargetModel). */
const FORWARDED_HEADERS = [
  'x-amzn-sagemaker-custom-attributes',
  'x-amzn-sagemaker-inference-id',
  'x-amzn-sagemaker-enable-explanations',
];

/** Matches the runtime's REST path and returns the endpoint name. */
export function runtimeEndpointName(method: string | undefined, pathname: string): string | undefined {
  if (method !== 'POST') return undefined;
  const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(pathname);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1] as string);
  } catch {
    return match[1];
  }
}

/** SageMaker Runtime InvokeEndpoint (restJson1), proxying to the hosted containers. */
export class SageMakerRuntime {
  private readonly model = loadModel('sagemaker-runtime.json');
  private readonly validator = new ShapeValidator(this.model, 'ValidationError');
  private readonly serverless = new ServerlessConcurrency();

  constructor(
    private readonly store: SageMakerStore,
    private readonly lifecycle: EndpointLifecycle,
    private readonly random: () => number,
    private readonly invocationTimeoutMs: number,
    private readonly capture?: DataCaptureWriter,
  ) {}

  async invoke(
    req: IncomingMessage,
    res: ServerResponse,
    endpointName: string,
    region: string,
    requestId: string,
  ): Promise<void> {
    const { body, tooLarge, size } = await readPayload(req, MAX_BODY);
    const input: Record<string, unknown> = { EndpointName: endpointName, Body: tooLarge ? new BlobSize(size) : body };
    const members = this.model.shapes.InvokeEndpointInput?.members ?? {};
    for (const [name, ref] of Object.entries(members)) {
      if (ref.location !== 'header' || !ref.locationName) continue;
      const value = req.headers[ref.locationName.toLowerCase()];
      if (typeof value === 'string') input[name] = value;
    }
    this.validator.validate('InvokeEndpoint', input);
    const record = requireInvocableEndpoint(this.store, region, endpointName);
    if (isAsyncEndpoint(record)) {
      // AWS answers a ValidationError; its text is not documented, this one is ours (local/emulator/README.md).
      throw new ServiceError(
        'ValidationError',
        `Endpoint ${endpointName} of account ${ACCOUNT_ID} is an asynchronous inference endpoint: invoke it with InvokeEndpointAsync (POST /endpoints/${endpointName}/async-invocations), not InvokeEndpoint.`,
        400,
      );
    }
    const routed = await this.lifecycle.acquire(region, endpointName);
    if (!routed) throw endpointNotFound(endpointName);
    const { fleet, release } = routed;
    try {
      const targetVariant = input.TargetVariant as string | undefined;
      const variant = fleet.pickVariant(targetVariant, this.random);
      if (!variant) {
        throw new ServiceError(
          'ValidationError',
          `Endpoint ${endpointName} of account ${ACCOUNT_ID} does not have a production variant named ${targetVariant}.`,
          400,
        );
      }
      const targetHostname = input.TargetContainerHostname as string | undefined;
      if (targetHostname !== undefined && variant.spec.invocationMode !== 'Direct') {
        // DG multi-container-direct: a ValidationError; the text is ours, modelled on AWS's for TargetModel.
        throw new ServiceError(
          'ValidationError',
          `Endpoint ${endpointName} is not a multi-container endpoint with direct invocation and does not support target container hostname header.`,
          400,
        );
      }
      if (variant.spec.invocationMode === 'Direct') {
        if (targetHostname === undefined) {
          throw new ServiceError(
            'ValidationError',
            'TargetContainerHostname must be specified when invoking an endpoint in Direct inference execution mode.',
            400,
          );
        }
        if (!variant.containers.some((c) => c.spec.hostname === targetHostname)) {
          throw new ServiceError(
            'ValidationError',
            `Container with hostname ${targetHostname} does not exist in production variant ${variant.spec.variantName}.`,
            400,
          );
        }
      }
      const targetModel = input.TargetModel as string | undefined;
      if (targetModel !== undefined && !variant.multiModel) {
        // AWS's text and error code (aws/amazon-sagemaker-examples#1026, #1216).
        throw new ServiceError(
          'ValidationError',
          `Endpoint ${endpointName} is not a multi-model endpoint and does not support target model header.`,
          400,
          { ErrorCode: 'TARGET_MODEL_HEADER_NOT_SUPPORTED' },
        );
      }
      if (targetModel === undefined && variant.multiModel) {
        // AWS's opening, "Request <id> is missing a target model hea..." as quoted (cut off) in
        // aws/sagemaker-tensorflow-serving-container#166; the end of the sentence is ours.
        throw new ServiceError(
          'ValidationError',
          `Request ${requestId} is missing a target model header. Specify the model to invoke (TargetModel, header X-Amzn-SageMaker-Target-Model) when invoking a multi-model endpoint.`,
          400,
        );
      }
      const headers: Record<string, string> = {
        'content-type': String(req.headers['content-type'] ?? 'application/octet-stream'),
        accept: String(req.headers.accept ?? '*/*'),
      };
      for (const name of FORWARDED_HEADERS) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const logGroup = `/aws/sagemaker/Endpoints/${record.EndpointName}`;
      const logStreamArn = `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${logGroup}`;
      const seeLogs = `See https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logEventViewer:group=${logGroup} in account ${ACCOUNT_ID} for more information.`;
      let result: Awaited<ReturnType<typeof variant.invoke>>;
      const releaseSlot = this.serverless.acquire(variant, {
        endpointName,
        variantName: variant.spec.variantName,
        maxConcurrency: variant.spec.serverless?.MaxConcurrency as number | undefined,
      });
      try {
        result = await variant.invoke({ body, headers }, this.invocationTimeoutMs, targetHostname, targetModel);
      } catch (err) {
        if (err instanceof TargetModelError) throw new ServiceError('ValidationError', err.message, 400);
        if (err instanceof ModelNotReadyError) {
          throw new ServiceError(
            'ModelNotReadyException',
            `Model ${err.targetModel} is not ready yet: it is still being downloaded and loaded into the container, which can take up to 360 seconds. Retry the request.`,
            429,
          );
        }
        if (err instanceof HopPayloadTooLargeError) {
          // AWS's text (DG inference-pipeline-troubleshoot), with the real container hostnames.
          throw new ServiceError(
            'ModelError',
            `Received response from ${err.from} with status code ${err.status}. However, the request payload from ${err.from} to ${err.to} is ${err.bytes} bytes, which has exceeded the maximum limit of 5 MB. ${seeLogs}`,
            424,
            { LogStreamArn: logStreamArn },
          );
        }
        // ContainerCallError names the container; anything else (a multi-model load given up) is the only container's.
        const container =
          err instanceof ContainerCallError
            ? err.container
            : (targetHostname ?? variant.containers[0]?.spec.hostname ?? 'primary');
        const message =
          err instanceof ContainerCallError && err.timedOut
            ? `Your invocation timed out while waiting for a response from container ${container}. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again.`
            : `Received server error (0) from ${container} with message "An exception occurred while sending request to model. ${(err as Error).message}". ${seeLogs}`;
        throw new ServiceError('ModelError', message, 424, { LogStreamArn: logStreamArn });
      } finally {
        releaseSlot();
      }
      const { container, response } = result;
      if (response.status < 200 || response.status >= 300) {
        const original = response.body.toString('utf8');
        const kind = response.status >= 500 ? 'server' : 'client';
        throw new ServiceError(
          'ModelError',
          `Received ${kind} error (${response.status}) from ${container} with message "${original}". ${seeLogs}`,
          424,
          { OriginalStatusCode: response.status, OriginalMessage: original, LogStreamArn: logStreamArn },
        );
      }
      const out: Record<string, string> = {
        'content-type': response.headers['content-type'] ?? 'application/octet-stream',
        'x-Amzn-Invoked-Production-Variant': variant.spec.variantName,
        'x-amzn-RequestId': requestId,
      };
      await this.capture?.capture({
        endpointName: record.EndpointName,
        variantName: variant.spec.variantName,
        config: fleet.spec.dataCapture,
        variant,
        ...(typeof input.InferenceId === 'string' ? { inferenceId: input.InferenceId } : {}),
        request: { body, contentType: headers['content-type'] as string },
        response: { body: response.body, contentType: out['content-type'] as string },
      });
      const custom = response.headers['x-amzn-sagemaker-custom-attributes'];
      if (custom) out['X-Amzn-SageMaker-Custom-Attributes'] = custom;
      send(res, 200, out, response.body);
    } finally {
      release();
    }
  }
}

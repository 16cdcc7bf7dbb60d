import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataCaptureWriter } from './capture/data-capture.ts';
import type { EndpointDimensions, MetricStore } from './cloudwatch/metric-store.ts';
import { ServiceError } from './errors.ts';
import { ACCOUNT_ID } from './events.ts';
import type { ContainerRequest } from './hosting/container.ts';
import type { DeploymentSpec, VariantDeploySpec } from './hosting/fleet.ts';
import { ModelNotReadyError, TargetModelError } from './hosting/multi-model.ts';
import { ContainerCallError, callStage, HopPayloadTooLargeError, type StageAnswer } from './hosting/pipeline.ts';
import type { FleetRouting } from './hosting/routing.ts';
import { readPayload, send } from './http-util.ts';
import { type ComponentHosting, componentNotFound, hostsComponents } from './sagemaker/component-hosting.ts';
import { ServerlessConcurrency } from './serverless/concurrency.ts';
import { BlobSize, loadModel, ShapeValidator } from './shapes.ts';
import { endpointNotFound, requireInvocableEndpoint } from './store/lookups.ts';
import { isAsyncEndpoint, type SageMakerStore } from './store/store.ts';

/** Payload limit of InvokeEndpoint (BodyBlob max in the API model). */
export const MAX_BODY = 6 * 1024 * 1024;

/** How many distinct valid inputs the runtime remembers (then it forgets them all and starts again). */
const MAX_VALID_INPUTS = 1024;

/** Headers passed through to the container, per the container contract (a multi-model container also gets the TargetModel). */
const FORWARDED_HEADERS = [
  'x-amzn-sagemaker-custom-attributes',
  'x-amzn-sagemaker-inference-id',
  'x-amzn-sagemaker-enable-explanations',
];

/** The endpoint's log group's ARN, as ModelError answers carry it (LogStreamArn). */
function logStreamArn(region: string, endpointName: string): string {
  return `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/${endpointName}`;
}

/** The sentence of a ModelError's message that says where the endpoint's logs are. */
function seeLogs(region: string, endpointName: string): string {
  return `See https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logEventViewer:group=/aws/sagemaker/Endpoints/${endpointName} in account ${ACCOUNT_ID} for more information.`;
}

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

/** A variant as the runtime invokes it: a VariantFleet of model processes, or an in-process double's. */
export interface ServingVariant {
  readonly spec: VariantDeploySpec;
  /** True when the variant hosts a multi-model container (invocations need a TargetModel). */
  readonly multiModel: boolean;
  /** The container hostnames of the variant's model, in order. */
  readonly hostnames: readonly string[];
  /** How many instances serve the variant (InvocationsPerInstance divides by it). */
  readonly instanceCount: number;
  invoke(
    request: ContainerRequest,
    timeoutMs: number,
    targetHostname: string | undefined,
    targetModel?: string,
  ): Promise<StageAnswer>;
}

/** A fleet as the runtime routes to it. */
export interface ServingFleet {
  readonly spec: DeploymentSpec;
  /** The variant to serve an invocation (TargetVariant, else by weight). */
  pickVariant(targetVariant: string | undefined, random: () => number): ServingVariant | undefined;
}

/** One InvokeEndpoint request: the endpoint, the body (or, past the limit, its size) and the HTTP headers. */
interface InvokeRequest {
  endpointName: string;
  body: Buffer | BlobSize;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  /** performance.now() when the request arrived: the start of OverheadLatency. @default - when invoked */
  receivedAt?: number;
}

/** The runtime's answer to an invocation: the response headers and body. */
interface InvokeAnswer {
  headers: Record<string, string>;
  body: Buffer;
}

/** SageMaker Runtime InvokeEndpoint (restJson1), proxying to the hosted containers. */
export class SageMakerRuntime {
  private readonly model = loadModel('sagemaker-runtime.json');
  private readonly validator = new ShapeValidator(this.model, 'ValidationError');
  private readonly serverless = new ServerlessConcurrency();
  /** Inputs that passed the API model's checks, by a key of what those checks read (invokeEndpoint). */
  private readonly validInputs = new Set<string>();
  /** The metrics' dimensions of each variant invoked, made once (recordMetrics). */
  private readonly dimensionsOf = new WeakMap<ServingVariant, EndpointDimensions>();

  /** The input members the API model binds to headers, as [member, lower-cased header name]. */
  private readonly headerMembers: [string, string][] = Object.entries(
    this.model.shapes.InvokeEndpointInput?.members ?? {},
  ).flatMap(([name, ref]) =>
    ref.location === 'header' && ref.locationName ? [[name, ref.locationName.toLowerCase()] as [string, string]] : [],
  );

  constructor(
    private readonly store: SageMakerStore,
    private readonly routing: FleetRouting<ServingFleet>,
    private readonly random: () => number,
    private readonly invocationTimeoutMs: number,
    private readonly capture?: DataCaptureWriter,
    private readonly metrics?: MetricStore,
    /** The inference components' copies, which invocations naming a component go to. */
    private readonly components?: ComponentHosting,
  ) {}

  /**
   * InvokeEndpoint over HTTP: reads the body (up to the limit), invokes and sends the answer. `receivedAt`
   * (performance.now() when the request arrived) starts the clock of OverheadLatency.
   */
  async invoke(
    req: IncomingMessage,
    res: ServerResponse,
    endpointName: string,
    region: string,
    requestId: string,
    receivedAt = performance.now(),
  ): Promise<void> {
    const { body, tooLarge, size } = await readPayload(req, MAX_BODY);
    const answer = await this.invokeEndpoint(
      { endpointName, body: tooLarge ? new BlobSize(size) : body, headers: req.headers, receivedAt },
      region,
      requestId,
    );
    send(res, 200, answer.headers, answer.body);
  }

  /** InvokeEndpoint: validates, routes to a variant of the endpoint's fleet and answers what the model answered. */
  async invokeEndpoint(request: InvokeRequest, region: string, requestId: string): Promise<InvokeAnswer> {
    const { endpointName, headers: requestHeaders } = request;
    const receivedAt = request.receivedAt ?? performance.now();
    const input: Record<string, unknown> = { EndpointName: endpointName, Body: request.body };
    // The API model's checks of this input depend on the members' values and the body's length only, so an input of
    // the same ones as one that passed passes: the key says them all, unambiguously (each value with its length).
    let key = String(request.body.byteLength);
    for (let i = 0; i < this.headerMembers.length; i++) {
      const [name, header] = this.headerMembers[i] as [string, string];
      const value = requestHeaders[header];
      if (typeof value === 'string') {
        input[name] = value;
        key += `\u0000${i}:${value.length}:${value}`;
      }
    }
    key += `\u0001${endpointName}`;
    if (!this.validInputs.has(key)) {
      this.validator.validate('InvokeEndpoint', input);
      if (this.validInputs.size >= MAX_VALID_INPUTS) this.validInputs.clear();
      this.validInputs.add(key);
    }
    const record = requireInvocableEndpoint(this.store, region, endpointName);
    if (isAsyncEndpoint(record)) {
      // AWS answers a ValidationError; its text is not documented, this one is ours (local/emulator/README.md).
      throw new ServiceError(
        'ValidationError',
        `Endpoint ${endpointName} of account ${ACCOUNT_ID} is an asynchronous inference endpoint: invoke it with InvokeEndpointAsync (POST /endpoints/${endpointName}/async-invocations), not InvokeEndpoint.`,
        400,
      );
    }
    const body = request.body as Buffer;
    const routed = await this.routing.acquire(region, endpointName);
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
        if (!variant.hostnames.includes(targetHostname)) {
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
        'content-type': String(requestHeaders['content-type'] ?? 'application/octet-stream'),
        accept: String(requestHeaders.accept ?? '*/*'),
      };
      for (const name of FORWARDED_HEADERS) {
        const value = requestHeaders[name];
        if (typeof value === 'string') headers[name] = value;
      }
      let result: Awaited<ReturnType<typeof variant.invoke>>;
      // Acquired last: every refusal above leaves no invocation in flight on a copy.
      const componentName = input.InferenceComponentName as string | undefined;
      const component = this.componentCopy(endpointName, region, variant.spec, componentName);
      const releaseSlot = this.serverless.acquire(variant, {
        endpointName,
        variantName: variant.spec.variantName,
        maxConcurrency: variant.spec.serverless?.MaxConcurrency as number | undefined,
      });
      const sentAt = performance.now();
      try {
        result = component
          ? await callStage(
              { hostname: 'primary', environment: {}, invoke: (req, ms) => component.copy.invoke(req, ms) },
              { body, headers },
              this.invocationTimeoutMs,
            )
          : await variant.invoke({ body, headers }, this.invocationTimeoutMs, targetHostname, targetModel);
      } catch (err) {
        if (err instanceof ContainerCallError) this.recordMetrics(region, record, variant, receivedAt, 0, undefined);
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
            `Received response from ${err.from} with status code ${err.status}. However, the request payload from ${err.from} to ${err.to} is ${err.bytes} bytes, which has exceeded the maximum limit of 5 MB. ${seeLogs(region, record.EndpointName)}`,
            424,
            { LogStreamArn: logStreamArn(region, record.EndpointName) },
          );
        }
        // ContainerCallError names the container; anything else (a multi-model load given up) is the only container's.
        const container =
          err instanceof ContainerCallError ? err.container : (targetHostname ?? variant.hostnames[0] ?? 'primary');
        const message =
          err instanceof ContainerCallError && err.timedOut
            ? `Your invocation timed out while waiting for a response from container ${container}. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again.`
            : `Received server error (0) from ${container} with message "An exception occurred while sending request to model. ${(err as Error).message}". ${seeLogs(region, record.EndpointName)}`;
        throw new ServiceError('ModelError', message, 424, { LogStreamArn: logStreamArn(region, record.EndpointName) });
      } finally {
        releaseSlot();
        component?.release();
      }
      const { container, response } = result;
      const modelLatencyUs = Math.round((performance.now() - sentAt) * 1000);
      if (response.status < 200 || response.status >= 300) {
        this.recordMetrics(region, record, variant, receivedAt, response.status, modelLatencyUs);
        const original = response.body.toString('utf8');
        const kind = response.status >= 500 ? 'server' : 'client';
        throw new ServiceError(
          'ModelError',
          `Received ${kind} error (${response.status}) from ${container} with message "${original}". ${seeLogs(region, record.EndpointName)}`,
          424,
          {
            OriginalStatusCode: response.status,
            OriginalMessage: original,
            LogStreamArn: logStreamArn(region, record.EndpointName),
          },
        );
      }
      const out: Record<string, string> = {
        'content-type': response.headers['content-type'] ?? 'application/octet-stream',
        'x-Amzn-Invoked-Production-Variant': variant.spec.variantName,
        'x-amzn-RequestId': requestId,
      };
      if (this.capture && fleet.spec.dataCapture !== undefined)
        await this.capture.capture({
          endpointName: record.EndpointName,
          variantName: variant.spec.variantName,
          config: fleet.spec.dataCapture,
          variant,
          ...(variant.spec.containers[0]?.executionRoleArn !== undefined
            ? { writeAs: variant.spec.containers[0].executionRoleArn }
            : {}),
          ...(typeof input.InferenceId === 'string' ? { inferenceId: input.InferenceId } : {}),
          request: { body, contentType: headers['content-type'] as string },
          response: { body: response.body, contentType: out['content-type'] as string },
        });
      const custom = response.headers['x-amzn-sagemaker-custom-attributes'];
      if (custom) out['X-Amzn-SageMaker-Custom-Attributes'] = custom;
      this.recordMetrics(region, record, variant, receivedAt, response.status, modelLatencyUs);
      return { headers: out, body: response.body };
    } finally {
      release();
    }
  }

  /**
   * What SageMaker's endpoint metrics count (local/emulator/README.md, "CloudWatch metrics"): an invocation the
   * emulator sent to an instance of the variant, the model's status, and the time the model took.
   */
  private recordMetrics(
    region: string,
    endpoint: { EndpointName: string },
    variant: ServingVariant,
    receivedAt: number,
    modelStatus: number,
    modelLatencyUs: number | undefined,
  ): void {
    if (!this.metrics) return;
    const totalUs = (performance.now() - receivedAt) * 1000;
    let dimensions = this.dimensionsOf.get(variant);
    if (
      dimensions?.region !== region ||
      dimensions.endpointName !== endpoint.EndpointName ||
      dimensions.variantName !== variant.spec.variantName
    ) {
      // Frozen and kept per variant: the metric store finds the series by the object itself.
      dimensions = Object.freeze({
        region,
        endpointName: endpoint.EndpointName,
        variantName: variant.spec.variantName,
      });
      this.dimensionsOf.set(variant, dimensions);
    }
    this.metrics.recordInvocation(dimensions, {
      atMs: Date.now(),
      instances: variant.instanceCount,
      modelStatus,
      modelLatencyUs,
      overheadLatencyUs: Math.max(0, Math.round(totalUs - (modelLatencyUs ?? 0))),
    });
  }

  /**
   * The copy of the inference component an invocation names (X-Amzn-SageMaker-Inference-Component), in flight until
   * `release`; undefined for an endpoint of models. Refuses a missing name on an endpoint of components, a name on an
   * endpoint of models, and a component that does not serve on the endpoint.
   */
  private componentCopy(
    endpointName: string,
    region: string,
    variant: VariantDeploySpec,
    componentName: string | undefined,
  ): ReturnType<ComponentHosting['acquire']> {
    if (!hostsComponents(variant)) {
      if (componentName === undefined) return undefined;
      // Our wording: AWS does not document this refusal.
      throw new ServiceError(
        'ValidationError',
        `Endpoint ${endpointName} of account ${ACCOUNT_ID} hosts no inference components and does not support the inference component name header (InferenceComponentName).`,
        400,
      );
    }
    if (componentName === undefined) {
      // AWS's text and error code (aws-samples/amazon-kendra-langchain-extensions#64, BerriAI/litellm#37766).
      throw new ServiceError(
        'ValidationError',
        'Inference Component Name header is required for endpoints to which you plan to deploy inference components. Please include Inference Component Name header or consider using SageMaker models.',
        400,
        { ErrorCode: 'INFERENCE_COMPONENT_NAME_MISSING' },
      );
    }
    const record = this.store.inferenceComponents.get(region, componentName);
    if (!record || record.EndpointName !== endpointName || record.InferenceComponentName !== componentName) {
      throw componentNotFound(endpointName, componentName);
    }
    const acquired = this.components?.acquire(region, componentName);
    if (!acquired) {
      // Our wording: no copy serves (Creating, Failed, or a copy count of 0).
      throw new ServiceError(
        'ValidationError',
        `Inference component ${componentName} on endpoint ${endpointName} has no copy to serve this request (it is ${record.InferenceComponentStatus} with ${record.RuntimeConfig.CurrentCopyCount} copies).`,
        400,
      );
    }
    return acquired;
  }
}

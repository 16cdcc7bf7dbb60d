/**
 * Serial inference pipelines: an invocation goes through the containers in order, the response of container i being
 * the request of container i+1, and the last container's response is the answer (DG inference-pipelines). Shared by
 * endpoints and batch transform jobs.
 *
 * Content types between containers (DG and SageMaker's examples say no more than this, so the precise rule is the
 * emulator's reading of them):
 * - the request's Content-Type goes to the first container, its Accept to the last ("The ContentType field configures
 *   the first container, while the Accept field configures the last container. You can also specify each container's
 *   Accept and ContentType values using environment variables": aws/amazon-sagemaker-examples,
 *   sagemaker-python-sdk/scikit_learn_inference_pipeline);
 * - every other container is asked for `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT` from its own Environment, else
 *   `application/json` ("The default accept/content-type between containers for serial inference is JSON": the same
 *   example's sklearn_abalone_featurizer.py; SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT is the variable SageMaker's
 *   inference toolkit and Autopilot's pipelines use for that default);
 * - the next container's Content-Type is the Content-Type the previous one answered with (the same featurizer sets
 *   its response mimetype "so the next container can read the response payload correctly"), else the Accept it was
 *   asked for.
 */

import { type ContainerRequest, type ContainerResponse, ContainerUnavailableError } from './container.ts';

/** AWS's limit on what one container of a pipeline passes to the next: "5 MB" (DG inference-pipeline-troubleshoot), read as MiB. */
export const MAX_HOP_BYTES = 5 * 1024 * 1024;

/** What containers between the first and the last are asked for, unless their Environment says otherwise. */
const DEFAULT_HOP_ACCEPT = 'application/json';

/** One container of a chain (or the only one), as the invocation sees it. */
export interface ChainStage {
  hostname: string;
  /** The container's Environment from CreateModel (`SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT` is read from it). */
  environment: Record<string, string>;
  invoke(request: ContainerRequest, timeoutMs: number): Promise<ContainerResponse>;
}

/** The answer of the container that ended the invocation: the last one, or the first that answered non-2xx. */
export interface StageAnswer {
  container: string;
  response: ContainerResponse;
}

/** A container could not be reached or did not answer in time; names it. */
export class ContainerCallError extends Error {
  constructor(
    readonly container: string,
    readonly timedOut: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'ContainerCallError';
  }
}

/** A container of a pipeline answered more than the next one may be sent. */
export class HopPayloadTooLargeError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
    /** The status the sending container answered with. */
    readonly status: number,
    readonly bytes: number,
  ) {
    super(`the request payload from ${from} to ${to} is ${bytes} bytes`);
    this.name = 'HopPayloadTooLargeError';
  }
}

/** The Accept a container other than the last is asked for. */
export function hopAccept(environment: Record<string, string>): string {
  const configured = environment.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT;
  return configured !== undefined && configured.trim() !== '' ? configured : DEFAULT_HOP_ACCEPT;
}

/** Sends one request to one container, naming it when it cannot be reached. */
export async function callStage(stage: ChainStage, request: ContainerRequest, timeoutMs: number): Promise<StageAnswer> {
  try {
    return { container: stage.hostname, response: await stage.invoke(request, timeoutMs) };
  } catch (err) {
    if (err instanceof ContainerUnavailableError)
      throw new ContainerCallError(stage.hostname, err.timedOut, err.message);
    throw err;
  }
}

/**
 * Runs a request through the stages in order. Returns the answer of the last container, or of the first that
 * answered anything but 2xx (the chain stops there). `timeoutMs` bounds the whole invocation, not each container
 * (the caller waits that long at most). Throws ContainerCallError when a container cannot be reached or the time runs
 * out while it works, and HopPayloadTooLargeError when a container answers more than `maxHopBytes` for the next one.
 */
export async function invokeChain(
  stages: readonly ChainStage[],
  request: ContainerRequest,
  timeoutMs: number,
  maxHopBytes: number | undefined,
): Promise<StageAnswer> {
  if (stages.length === 0) throw new Error('a model has no containers');
  const deadline = Date.now() + timeoutMs;
  let headers = { ...request.headers };
  let body = request.body;
  for (let i = 0; ; i++) {
    const stage = stages[i] as ChainStage;
    const next = stages[i + 1];
    const sent: Record<string, string> = { ...headers };
    if (next) sent.accept = hopAccept(stage.environment);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new ContainerCallError(stage.hostname, true, 'timed out');
    const answer = await callStage(stage, { body, headers: sent }, remaining);
    const { response } = answer;
    if (!next || response.status < 200 || response.status >= 300) return answer;
    if (maxHopBytes !== undefined && response.body.length > maxHopBytes) {
      throw new HopPayloadTooLargeError(stage.hostname, next.hostname, response.status, response.body.length);
    }
    headers = { ...headers, 'content-type': response.headers['content-type'] ?? (sent.accept as string) };
    body = response.body;
  }
}

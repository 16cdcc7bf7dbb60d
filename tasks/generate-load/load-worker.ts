/**
 * One GenerateLoad worker put together: its payload samples loaded, the sample and TargetModel of each request
 * drawn at random in proportion to their weights, each combination signed by the SDK once a minute, and sent over
 * keep-alive connections (one per user), or over the transport a test put in their place (load-transport.ts).
 */
import type { WorkerResult } from '../../contracts/parts/load-test.ts';
import type { LoadTestInvocations, ResolvedSample } from '../_shared/load-test-state.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { generateLoad, type WorkerPlan } from './generate-load.ts';
import { type LoadTransport, loadTransport } from './load-transport.ts';
import { type PreparedRequest, RequestSigner, SIGNATURE_REUSE_MS } from './signed-requests.ts';

/** What a GenerateLoad worker gets from its Map: the test's requests, and its own part of the step. */
export interface GenerateLoadState extends WorkerPlan {
  readonly request: {
    readonly endpointName: string;
    readonly samples: readonly { body?: string | undefined; contentType: string; accept?: string | undefined }[];
    readonly targetModels?: readonly { targetModel: string; weight: number }[] | undefined;
    readonly targetVariant?: string | undefined;
    readonly targetContainerHostname?: string | undefined;
    readonly options: { readonly requestTimeoutSeconds: number };
  };
  readonly invocations: LoadTestInvocations;
  /** Where the worker's result goes in the artifact bucket (ends with `/`). */
  readonly resultsPrefix: string;
}
export const GenerateLoadState = stateSlice<GenerateLoadState>({
  request: {
    endpointName: 'string',
    samples: 'array',
    targetModels: optional('array'),
    targetVariant: optional('string'),
    targetContainerHostname: optional('string'),
    options: { requestTimeoutSeconds: 'number' },
  },
  invocations: { samples: 'array' },
  resultsPrefix: 'string',
  step: { index: 'number', users: 'number', initialUsers: 'number', spawnRate: 'number', durationSeconds: 'number' },
  slice: { index: 'number', startSecond: 'number', seconds: 'number', startAt: 'number' },
  worker: { index: 'number', of: 'number', budget: 'number' },
  windowSeconds: 'number',
});

/** What GenerateLoad returns to its Map: where its result is, and its totals. */
export interface LoadWorkerOutput {
  resultUri: string;
  requests: number;
  succeeded: number;
  lateStartMs: number;
}

/** Draws an index in proportion to `weights`. */
export function weightedPicker(weights: readonly number[], random: () => number = Math.random): () => number {
  if (weights.length <= 1) return () => 0;
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) {
    total += weight;
    cumulative.push(total);
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) > target) high = middle;
      else low = middle + 1;
    }
    return low;
  };
}

/** What preparing a worker needs from the outside. */
interface LoadWorkerDeps {
  /** The bytes of an S3 sample. */
  readObject(location: { bucket: string; key: string }): Promise<Uint8Array>;
  signer?: RequestSigner;
  /** @default - loadTransport(): kept-alive HTTP connections, one per user, on the wall clock */
  transport?: LoadTransport;
  random?: () => number;
}

/** A signed request and the TargetModel it invokes. */
interface Targeted {
  prepared: PreparedRequest;
  targetModel: string | undefined;
}

const encoder = new TextEncoder();

/** A worker with its samples loaded, ready to run its slice. */
export async function prepareWorker(state: GenerateLoadState, deps: LoadWorkerDeps) {
  const { request } = state;
  const bodies = await Promise.all(
    state.invocations.samples.map(async (resolved: ResolvedSample) => {
      if (resolved.key !== undefined && resolved.bucket !== undefined) {
        return deps.readObject({ bucket: resolved.bucket, key: resolved.key });
      }
      return encoder.encode(request.samples[resolved.sample]?.body ?? '');
    }),
  );
  const random = deps.random ?? Math.random;
  const pickSample = weightedPicker(
    state.invocations.samples.map((s) => s.weight),
    random,
  );
  const models = request.targetModels ?? [];
  const pickModel = weightedPicker(
    models.map((m) => m.weight),
    random,
  );
  const signer = deps.signer ?? new RequestSigner();
  const users = Math.ceil(state.step.users / state.worker.of);
  const transport =
    deps.transport ??
    loadTransport({
      connections: Math.max(1, users),
      timeoutMs: request.options.requestTimeoutSeconds * 1000,
      startAt: state.slice.startAt,
    });
  const now = () => transport.now();
  const signed = new Map<number, { at: number; request: Promise<Targeted> }>();

  const sign = async (sampleIndex: number, modelIndex: number): Promise<Targeted> => {
    const resolved = state.invocations.samples[sampleIndex] as ResolvedSample;
    const sample = request.samples[resolved.sample];
    const targetModel = models[modelIndex]?.targetModel;
    const prepared = await signer.sign({
      EndpointName: request.endpointName,
      Body: bodies[sampleIndex] as Uint8Array,
      ContentType: sample?.contentType,
      ...(sample?.accept !== undefined ? { Accept: sample.accept } : {}),
      ...(targetModel !== undefined ? { TargetModel: targetModel } : {}),
      ...(request.targetVariant !== undefined ? { TargetVariant: request.targetVariant } : {}),
      ...(request.targetContainerHostname !== undefined
        ? { TargetContainerHostname: request.targetContainerHostname }
        : {}),
    });
    return { prepared, targetModel };
  };

  const next = (): Promise<Targeted> => {
    const sampleIndex = pickSample();
    const modelIndex = pickModel();
    const combination = sampleIndex * Math.max(1, models.length) + modelIndex;
    const at = now();
    let entry = signed.get(combination);
    if (entry === undefined || at - entry.at > SIGNATURE_REUSE_MS) {
      entry = { at, request: transport.meanwhile(sign(sampleIndex, modelIndex)) };
      signed.set(combination, entry);
    }
    return entry.request;
  };

  return {
    /** Runs the worker's slice; closes its connections when done. */
    async run(): Promise<WorkerResult> {
      try {
        return await generateLoad(state, {
          next,
          send: (request) => transport.send(request.prepared),
          targetModelOf: (request) => request.targetModel,
          now,
          sleep: (ms) => transport.sleep(ms),
        });
      } finally {
        transport.close();
      }
    },
  };
}

import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import type { AsyncInference } from '../../contracts/parts/async-inference.ts';
import type { HealthCheckSample } from '../../contracts/parts/endpoint.ts';
import { asyncHealthCheckPrefix } from '../_shared/async-health-check.ts';
import type { AsyncObjects } from '../_shared/async-objects.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document UploadAsyncSamples reads: the samples, where outputs go, the execution. */
export interface UploadAsyncSamplesState {
  request: {
    endpointName: string;
    healthCheck: { samples: HealthCheckSample[] };
    async: Pick<AsyncInference, 's3OutputPath'>;
  };
  execution: Pick<ExecutionFacts, 'name'>;
}
export const UploadAsyncSamplesState = stateSlice<UploadAsyncSamplesState>({
  request: { endpointName: 'string', healthCheck: { samples: 'array' }, async: { s3OutputPath: 'string' } },
  execution: { name: 'string' },
});

/** What UploadAsyncSamples needs from the outside. */
interface UploadAsyncSamplesDeps {
  objects: Pick<AsyncObjects, 'put'>;
}

/**
 * The UploadAsyncSamples step: puts each health-check sample at
 * `s3://<bucket of s3OutputPath>/smwf-health-check/<endpoint>/<execution>/sample-<n>.in` (the same keys again on a
 * retry), for HealthCheck to invoke the asynchronous endpoint with.
 */
export async function uploadAsyncSamples<S extends UploadAsyncSamplesState>(state: S, deps: UploadAsyncSamplesDeps) {
  const { endpointName, healthCheck, async: config } = state.request;
  const inputPrefix = asyncHealthCheckPrefix(config.s3OutputPath, endpointName, state.execution.name);
  const inputLocations = healthCheck.samples.map((_, i) => `${inputPrefix}sample-${i}.in`);
  await Promise.all(
    healthCheck.samples.map((sample, i) =>
      deps.objects.put(inputLocations[i] as string, sample.body, sample.contentType),
    ),
  );
  return { ...state, asyncSamples: { inputPrefix, inputLocations } };
}
